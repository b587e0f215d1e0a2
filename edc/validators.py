"""Checks at the moment of entry, shared by every app: limits, error collection, soft checks.

* **Limits** (``Limit``): a numeric field's physiological range, declared once here (protocol
  limits live in ``edc.protocol``; lab analytes declare theirs in ``labs.catalogue``). The
  service refuses a value outside it (so the API refuses too), the browser form checks it with
  the other field errors, and the HTML input gets ``min``/``max``/``step`` from it.
* **ErrorCollector**: a service runs every rule and raises all the broken ones in one
  ``ValidationError`` (never one round per error).
* **Soft checks** (``SoftCheck``): unusual but possible values (a date outside the visit
  window, a dose off plan…). The service refuses to save until the user acknowledges each one;
  the acknowledgement is stored with the record (audited). ``EntryRefused`` carries the
  pending ones: the form shows them with their rule and values, the API answers 400 with their
  codes (``edc.api.exceptions``).

Messages are in the user's language (lazy: translated when shown); what a record stores of
the acknowledged soft checks is always English (``stored_acknowledgements``), so a record saved
in French is found acknowledged again in Dutch.

Pure except for Django's ``ValidationError`` and translation: no ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from edc import protocol
from edc.softcheck import SoftCheck

__all__ = ["SoftCheck"]  # re-exported: the services and forms import it from here

# Translators: e.g. "Weight must be between 20 and 300 kg."
OUT_OF_LIMITS = _("{label} must be between {low} and {high} {unit}.")
ACKNOWLEDGE_FIELD = "acknowledge_warnings"


# --- Limits ------------------------------------------------------------------------------------
def _number(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@dataclass(frozen=True)
class Limit:
    """The range a value can physically take; outside it, it is an entry error, refused.

    ``label`` is the field's name on the CRF, as messages name it; ``step`` the precision the
    form accepts (and the ``step`` of its HTML input). Bounds are inclusive.
    """

    label: str
    low: Decimal
    high: Decimal
    unit: str
    step: Decimal = Decimal("1")

    def contains(self, value) -> bool:
        number = _number(value)
        return number is not None and self.low <= number <= self.high

    @property
    def message(self) -> str:
        """Lazy: in the language of the page (or API answer) that shows it."""
        return format_lazy(
            OUT_OF_LIMITS, label=self.label, low=self.low, high=self.high, unit=self.unit
        )

    def check(self, value, field: str) -> None:
        """ValidationError({field: message}) when ``value`` is missing or outside the limit."""
        if not self.contains(value):
            raise ValidationError({field: self.message})

    def validator(self) -> Callable:
        """A Django form-field validator raising this limit's message."""

        def validate(value) -> None:
            if value is not None and not self.contains(value):
                raise ValidationError(self.message, code="limit")

        return validate

    def widget_attrs(self) -> dict[str, str]:
        return {"min": f"{self.low}", "max": f"{self.high}", "step": f"{self.step}"}

    def apply_to(self, field):
        """A browser form field checks this limit with its own errors; its input gets
        ``min``/``max``/``step`` from it. Returns the field."""
        field.validators.append(self.validator())
        field.widget.attrs.update(self.widget_attrs())
        return field

    @property
    def bounds(self) -> tuple[Decimal, Decimal]:
        return (self.low, self.high)


TENTH = Decimal("0.1")

# Body measurements: the protocol's plausibility limits (edc.protocol), used by dosing and vitals.
WEIGHT_KG = Limit(_("Weight"), *protocol.WEIGHT_KG_LIMITS, "kg", TENTH)
HEIGHT_CM = Limit(_("Height"), *protocol.HEIGHT_CM_LIMITS, "cm", TENTH)

# Vital signs of an adult able to attend a visit (values outside are typing errors):
# systolic 60-260 mmHg and diastolic 30-160 mmHg span shock to hypertensive emergency; heart
# rate 30-220/min spans complete heart block to supraventricular tachycardia; temperature
# 33-43 °C spans moderate hypothermia to lethal hyperthermia.
SYSTOLIC_BP = Limit(_("Systolic blood pressure"), Decimal(60), Decimal(260), "mmHg")
DIASTOLIC_BP = Limit(_("Diastolic blood pressure"), Decimal(30), Decimal(160), "mmHg")
HEART_RATE = Limit(_("Heart rate"), Decimal(30), Decimal(220), "/min")
TEMPERATURE_C = Limit(_("Temperature"), Decimal(33), Decimal(43), "°C", TENTH)

# Tumour lesions: no lesion measured on one image is longer than the width of an adult trunk
# (a CT field of view is about 50 cm); a longer one is a unit or decimal-point error. 0 mm is a
# lesion that has disappeared (follow-up); RECIST's own minimum for a target is checked apart.
LESION_DIAMETER_MM = Limit(_("A lesion diameter"), Decimal(0), Decimal(500), "mm", TENTH)


# --- Error collection ----------------------------------------------------------------------------
class ErrorCollector:
    """Run rule validators, keep every message by field, raise them together.

    ``warn`` records soft checks; ``raise_if_any(acknowledged=...)`` refuses the entry while a
    soft check is not acknowledged (with the other errors, all at once).
    """

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.warnings: list[SoftCheck] = []

    def check(self, validator: Callable, *args, **kwargs):
        try:
            return validator(*args, **kwargs)
        except ValidationError as exc:
            self.add_from(exc)
            return None

    def add(self, field: str, message: str) -> None:
        messages = self.errors.setdefault(field, [])
        if message not in messages:
            messages.append(message)

    def add_from(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add(field, message)
        else:
            for message in exc.messages:
                self.add("__all__", message)

    def has_error(self, *fields: str) -> bool:
        return any(field in self.errors for field in fields)

    def warn(self, check: SoftCheck | None) -> None:
        if check is not None:
            self.warnings.append(check)

    def raise_if_any(self, *, acknowledged: Collection[str] = ()) -> list[SoftCheck]:
        """Raise every error and unacknowledged soft check; else return the soft checks."""
        pending = [w for w in self.warnings if w.code not in acknowledged]
        if pending:
            self.add(ACKNOWLEDGE_FIELD, acknowledge_message(pending))
        if self.errors:
            raise EntryRefused(self.errors, warnings=pending)
        return list(self.warnings)


def collect_errors() -> ErrorCollector:
    return ErrorCollector()


# --- Soft checks ---------------------------------------------------------------------------------
def acknowledge_message(pending: Iterable[SoftCheck]) -> str:
    """Why the entry was refused, in the user's language (run per request)."""
    pending = list(pending)
    return ngettext(
        "Not saved yet: confirm this warning before saving ({rules}), or correct the value.",
        "Not saved yet: confirm these {count} warnings before saving ({rules}), or correct "
        "the value.",
        len(pending),
    ).format(count=len(pending), rules="; ".join(str(w.rule) for w in pending))


def stored_acknowledgements(checks: Iterable[SoftCheck]) -> str:
    """What a record keeps of the warnings acknowledged when it was saved (audited): English,
    whatever the user's language (the audit trail stores values, not translations)."""
    with translation.override("en"):
        return "\n".join(check.text for check in checks)


def already_acknowledged(checks: Iterable[SoftCheck], stored: str) -> set[str]:
    """Codes of checks whose exact text (same rule, same values) the record already stores."""
    lines = set((stored or "").splitlines())
    with translation.override("en"):
        return {check.code for check in checks if check.text in lines}


class EntryRefused(ValidationError):
    """The entry's field errors, plus the soft checks still to acknowledge (``warnings``)."""

    def __init__(self, errors: dict[str, list[str]], *, warnings: Iterable[SoftCheck] = ()):
        super().__init__(errors)
        self.warnings = list(warnings)
