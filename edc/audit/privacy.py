"""What a de-identified reader (the statistician) never receives — one policy for the audit
review, the API and the exports.

Statisticians read every site, de-identified:

1. **Identifying values**: a model's ``IDENTIFYING_FIELDS``: the patient's screening number,
   year of birth and screening date, the printed name on an e-signature, the immune draw's
   sample ID (a laboratory barcode that links back to the hospital record).
2. **Free text written by people**: every ``TextField`` of a record (comments, reasons,
   descriptions, details, the eligibility waiver, the screen-failure reason…) and the short
   free-text ``CharField``s a model lists in ``FREE_TEXT_FIELDS`` (a lesion's location, an
   AE's "specify"). Such text is not coded: it can carry a name, a hospital number or a date
   of birth, and no analysis needs it (every analysed value has a coded variable beside it).
   The reason for change of an audit entry is free text too.

People are shown by their trial role instead of their name (done where people are shown).
"""

from functools import lru_cache

from django.apps import apps
from django.db import models


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


@lru_cache(maxsize=512)
def identifying_fields(label: str) -> frozenset[str]:
    model = _model(label)
    return frozenset(getattr(model, "IDENTIFYING_FIELDS", ())) if model else frozenset()


@lru_cache(maxsize=512)
def withheld_fields_of(label: str) -> frozenset[str]:
    """Field names of the model ``label`` ("app.model") a de-identified reader does not get."""
    model = _model(label)
    if model is None:
        return frozenset()
    free_text = {f.name for f in model._meta.concrete_fields if isinstance(f, models.TextField)}
    free_text |= set(getattr(model, "FREE_TEXT_FIELDS", ()))
    return identifying_fields(label) | frozenset(free_text)


def withheld_fields(model: type[models.Model]) -> frozenset[str]:
    return withheld_fields_of(model._meta.label_lower)
