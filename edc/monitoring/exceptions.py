from django.core.exceptions import ValidationError

from .constants import ILLEGAL_TRANSITION, QueryStatus

# How each target status reads in "A query that is closed cannot be answered."
_TARGET_VERB = {
    QueryStatus.OPEN: "re-opened",
    QueryStatus.ANSWERED: "answered",
    QueryStatus.CLOSED: "closed",
}


class IllegalTransition(ValidationError):
    """A data query move the transition map does not allow."""

    def __init__(self, *, current: str, target: str):
        self.current = current
        self.target = target
        message = ILLEGAL_TRANSITION.format(
            current=QueryStatus(current).label.lower(), target=_TARGET_VERB[target]
        )
        super().__init__({"__all__": [message]})
