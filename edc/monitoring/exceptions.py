from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

from .constants import QueryStatus

# Every move a query may be refused, as a whole sentence (translators need it whole).
_REFUSED = {
    (QueryStatus.OPEN, QueryStatus.OPEN): gettext_noop("A query that is open cannot be re-opened."),
    (QueryStatus.ANSWERED, QueryStatus.ANSWERED): gettext_noop(
        "A query that is answered cannot be answered."
    ),
    (QueryStatus.CLOSED, QueryStatus.ANSWERED): gettext_noop(
        "A query that is closed cannot be answered."
    ),
    (QueryStatus.CLOSED, QueryStatus.CLOSED): gettext_noop(
        "A query that is closed cannot be closed."
    ),
    (QueryStatus.ANSWERED, QueryStatus.OPEN): gettext_noop(
        "A query that is answered cannot be re-opened."
    ),
    (QueryStatus.OPEN, QueryStatus.ANSWERED): gettext_noop(
        "A query that is open cannot be answered."
    ),
    (QueryStatus.OPEN, QueryStatus.CLOSED): gettext_noop("A query that is open cannot be closed."),
    (QueryStatus.ANSWERED, QueryStatus.CLOSED): gettext_noop(
        "A query that is answered cannot be closed."
    ),
    (QueryStatus.CLOSED, QueryStatus.OPEN): gettext_noop(
        "A query that is closed cannot be re-opened."
    ),
}


class IllegalTransition(ValidationError):
    """A data query move the transition map does not allow."""

    def __init__(self, *, current: str, target: str):
        self.current = current
        self.target = target
        message = gettext(_REFUSED[(QueryStatus(current), QueryStatus(target))])
        super().__init__({"__all__": [message]})
