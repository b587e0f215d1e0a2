"""What a de-identified reader (the statistician) never receives in an export.

Statisticians read every site (``edc.access.constants.ALL_SITES``) but de-identified:

1. **Identifying values** the audit review already withholds from them
   (``edc.audit.privacy.identifying_fields``): the patient's screening number, year of birth
   and screening date, and the printed name on an e-signature. An age (screening year − year
   of birth) is given instead of the year of birth, as the patients API does.
2. **Free text written by site staff**: every ``TextField`` of a clinical record (comments,
   reasons, descriptions, details, the eligibility waiver, the screen-failure reason…) and
   the short free-text ``CharField``s a model lists in ``FREE_TEXT_FIELDS``. Such text is not
   coded: it can carry a name, a hospital number or a date of birth, and no analysis needs it
   (every analysed value has a coded variable beside it). The reason for change of an audit
   record is free text too.
3. **People**: user names of site staff are replaced by their trial role (AE "entered by",
   the ODM audit records and signatures).
4. **Sample identifiers**: the immune draw's sample ID is a laboratory barcode that links back
   to the hospital record (a "unique identifying number").

The policy itself is ``edc.audit.privacy`` (shared with the audit review and the API, which
show "(withheld)" instead). Withheld variables are left out of the dataset and of its data
dictionary (not blanked), so a statistician's files never carry an always-empty column that
could be mistaken for missing data. Other roles receive everything their sites allow.
"""

from django.db import models

from edc.audit.privacy import withheld_fields

__all__ = ["is_withheld", "withheld_fields"]


def is_withheld(model: type[models.Model], field: str) -> bool:
    return field in withheld_fields(model)
