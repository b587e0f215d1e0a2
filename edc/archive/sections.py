"""The forms a PDF casebook and the blank annotated CRF show, in the order they show them.

Read from the same place the monitor's casebook page reads its forms
(``edc.monitoring.records.casebook_models``: every audited model of the clinical apps with a
patient): a new form (medical history, concomitant medications…) appears in the casebook and
the aCRF without any entry here. ``FIRST`` only orders the screening forms ahead of the others;
``TITLES`` only names a form when its model's verbose name is not the heading wanted.
"""

from dataclasses import dataclass

from django.db.models import Model
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from edc.audit.display import in_language
from edc.monitoring.records import casebook_models, event_code_lookup

# Screening forms first, in the order they are entered; every other form follows by name.
FIRST = ("patients.patient", "patients.consent", "patients.eligibilityanswer")
TITLES = {
    "patients.patient": _("Registry data"),
    "patients.calendarevent": _("Visit"),
    "patients.eligibilityanswer": _("Eligibility checklist"),
}


@dataclass(frozen=True)
class FormSection:
    """One form of the casebook: its model and heading; ``event_lookup`` (when the form is
    recorded for a calendar event) is how a row reaches its event's code."""

    model: type[Model]
    title: str
    event_lookup: str | None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def per_visit(self) -> bool:
        return self.event_lookup is not None


def _order(model: type[Model]) -> tuple:
    """Screening forms first, then by English heading: the same order in every language."""
    label = model._meta.label_lower
    with translation.override("en"):
        title = str(_title(model))
    return (FIRST.index(label) if label in FIRST else len(FIRST), title)


def _title(model: type[Model]) -> str:
    """The form's heading in the active language."""
    return str(TITLES.get(model._meta.label_lower) or in_language(model._meta.verbose_name))


def form_sections() -> list[FormSection]:
    """Every casebook form, screening forms first, then by heading."""
    return [
        FormSection(model=model, title=_title(model), event_lookup=event_code_lookup(model))
        for model in sorted(casebook_models(), key=_order)
    ]
