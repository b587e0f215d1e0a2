"""What a de-identified reader (the statistician) never receives — one policy for the audit
review, the API and the exports.

Statisticians read every site, de-identified:

1. **Identifying values**: a model's ``IDENTIFYING_FIELDS`` (or ``DEFAULT_IDENTIFYING_FIELDS``):
   the patient's screening number, year of birth and screening date, the printed name on an
   e-signature.
2. **Free text written by people**: every ``TextField`` of a record (comments, reasons,
   descriptions, details, the eligibility waiver, the screen-failure reason…) and the short
   free-text ``CharField``s in ``FREE_TEXT_CHARFIELDS``. Such text is not coded: it can carry a
   name, a hospital number or a date of birth, and no analysis needs it (every analysed value
   has a coded variable beside it). The reason for change of an audit entry is free text too.
3. **Sample identifiers**: the immune draw's sample ID is a laboratory barcode that links back
   to the hospital record.

People are shown by their trial role instead of their name (done where people are shown).
"""

from functools import lru_cache

from django.apps import apps
from django.db import models

# Identifying fields of models that do not declare ``IDENTIFYING_FIELDS`` themselves; mirrors
# what patients.api.serializers.DeidentifiedPatientSerializer leaves out.
DEFAULT_IDENTIFYING_FIELDS: dict[str, frozenset[str]] = {
    "patients.patient": frozenset({"screening_number", "year_of_birth", "screening_date"}),
}
FREE_TEXT_CHARFIELDS: dict[str, frozenset[str]] = {
    "assessments.targetlesion": frozenset({"location"}),
    "assessments.nontargetlesion": frozenset({"location"}),
    "assessments.adverseevent": frozenset({"term_specify"}),
    "labs.immunedraw": frozenset({"sample_id"}),
}


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


@lru_cache(maxsize=512)
def identifying_fields(label: str) -> frozenset[str]:
    model = _model(label)
    declared = getattr(model, "IDENTIFYING_FIELDS", frozenset()) if model else frozenset()
    return frozenset(declared) | DEFAULT_IDENTIFYING_FIELDS.get(label, frozenset())


@lru_cache(maxsize=512)
def withheld_fields_of(label: str) -> frozenset[str]:
    """Field names of the model ``label`` ("app.model") a de-identified reader does not get."""
    model = _model(label)
    free_text = (
        {f.name for f in model._meta.concrete_fields if isinstance(f, models.TextField)}
        if model
        else set()
    )
    return (
        identifying_fields(label)
        | frozenset(free_text)
        | FREE_TEXT_CHARFIELDS.get(label, frozenset())
    )


def withheld_fields(model: type[models.Model]) -> frozenset[str]:
    return withheld_fields_of(model._meta.label_lower)
