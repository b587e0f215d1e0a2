"""Messages the validators raise; tests import them so wording changes stay in one place.

Choice labels and messages are lazy translations (the user's language when shown); choice
*values* are what is stored. A label written into stored text (an audit reason, a cancelled
event's reason) is taken in English: ``english_label``.
"""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class PatientStatus(models.TextChoices):
    SCREENING = "screening", _("Screening")
    SCREEN_FAILED = "screen_failed", _("Screen failure")
    ENROLLED = "enrolled", _("On study")
    OFF_STUDY = "off_study", _("Off study")


class EndReason(models.TextChoices):
    COMPLETED = "completed", _("Completed the study")
    PROGRESSION = "progression", _("Disease progression")
    TOXICITY = "toxicity", _("Unacceptable toxicity")
    WITHDRAWAL = "withdrawal", _("Withdrawal of consent")
    INVESTIGATOR = "investigator", _("Investigator decision")
    DEATH = "death", _("Death")
    LOST = "lost", _("Lost to follow-up")


DATE_IN_FUTURE = _("This date is in the future.")
YEAR_OF_BIRTH_FUTURE = _("Year of birth cannot be in the future.")
YEAR_OF_BIRTH_IMPLAUSIBLE = _("Year of birth is implausible (more than 110 years ago).")
CONSENT_AFTER_ENROLMENT = _("Informed consent must be dated on or before the enrolment date.")
CONSENT_BEFORE_PROCEDURE = _(
    "Informed consent must precede every study procedure: this date is before the consent date."
)
NO_CONSENT = _("The patient has no recorded informed consent; record consent first.")
NOT_ELIGIBLE = _("The patient does not meet every eligibility criterion: {criteria}.")
ELIGIBILITY_INCOMPLETE = _("Eligibility is incomplete: answer every criterion ({criteria}).")
ALREADY_ENROLLED = _("This patient has already been enrolled.")
NOT_IN_SCREENING = _("Only a patient in screening can be enrolled or screen-failed.")
# Translators: {cohort} is the cohort and its dose, e.g. "Cohort 1 — IMP321 0.25 mg".
COHORT_FULL = _("{cohort} is full ({capacity} patients); a data manager must open the next.")
NO_OPEN_COHORT = _("No dose cohort is open for enrolment; a data manager must open one.")
AFTER_WITHDRAWAL = _("No study data may be dated after the withdrawal of consent ({date}).")
BEFORE_SCREENING = _("This date is before the screening date.")
WAIVER_REASON_REQUIRED = _("An eligibility waiver needs a documented reason.")
SCREEN_FAIL_REASON_REQUIRED = _("A screen failure needs a reason.")
UNDER_AGE = _("The patient is under 18 according to the year of birth.")
MALE_NOT_ELIGIBLE = _("Only women are eligible for this trial.")
END_DATE_BEFORE_ENROLMENT = _("The end of study cannot be before enrolment.")
ALREADY_OFF_STUDY = _("The patient is already off study.")
C1D1_BEFORE_ENROLMENT = _("Cycle 1 day 1 cannot be before the enrolment date.")
C1D1_AFTER_SCREENING_WINDOW = _("Cycle 1 day 1 must be within {days} days of screening.")
SCREENING_NUMBER_TAKEN = _("This screening number is already used at this site.")
NOT_ON_TREATMENT = _("Only a patient on study can end treatment.")
ALREADY_OFF_TREATMENT = _("Treatment has already ended for this patient.")


# --- Medical history and prior cancer therapy ----------------------------------------------------
class PriorTherapyType(models.TextChoices):
    SURGERY = "surgery", _("Breast cancer surgery")
    RADIOTHERAPY = "radiotherapy", _("Radiotherapy")
    ADJUVANT_CHEMO = "adjuvant_chemo", _("Adjuvant chemotherapy")
    NEOADJUVANT_CHEMO = "neoadjuvant_chemo", _("Neoadjuvant chemotherapy")
    HORMONAL = "hormonal", _("Hormonal therapy")
    METASTATIC_CHEMO = "metastatic_chemo", _("Chemotherapy for metastatic disease")
    OTHER = "other", _("Other (describe)")


class TherapySetting(models.TextChoices):
    EARLY = "early", _("Early breast cancer (curative intent)")
    LOCALLY_ADVANCED = "locally_advanced", _("Locally advanced disease")
    METASTATIC = "metastatic", _("Metastatic disease")


CONDITION_REQUIRED = _("Give the condition as written in the source.")
UNKNOWN_MEDDRA_TERM = _("Choose a term from the CTCAE v5.0 list, or leave it empty.")
START_DATE_REQUIRED = _("Give the start date.")
ONGOING_REQUIRED = _("Say whether the condition is ongoing.")
END_DATE_WHEN_ONGOING = _("An ongoing condition has no end date: leave it empty or answer “No”.")
END_DATE_REQUIRED = _("Give the end date of a condition that is not ongoing.")
END_BEFORE_START = _("The end date cannot be before the start date.")
HISTORY_AFTER_SCREENING = _(
    "Medical history is what began before screening ({date}); a condition that began later "
    "is an adverse event."
)
THERAPY_AFTER_SCREENING = _("Prior therapy must have started before screening ({date}).")
THERAPY_TYPE_REQUIRED = _("Choose the type of therapy.")
THERAPY_SETTING_REQUIRED = _("Choose the setting of the therapy.")
THERAPY_DESCRIPTION_REQUIRED = _("Describe the therapy (type “Other”).")
METASTATIC_CHEMO_SETTING = _(
    "Chemotherapy for metastatic disease is given in the metastatic setting: choose "
    "“Metastatic disease”."
)
CHEMO_FOR_METASTASES_IS_ITS_OWN_TYPE = _(
    "Chemotherapy given for metastatic disease is recorded as “Chemotherapy for metastatic "
    "disease” (the protocol excludes it)."
)
PRIOR_METASTATIC_CHEMO = _(
    "a prior chemotherapy for metastatic disease is recorded in the prior cancer therapy"
)
PRIOR_METASTATIC_CHEMO_ANSWER = _(
    "A prior chemotherapy for metastatic disease is recorded in the prior cancer therapy: "
    "this criterion is not met. Correct the prior therapy if it was recorded in error."
)


def english_label(choice: models.Choices) -> str:
    """A choice's label in English, for text that is stored (audit reasons, cancellations)."""
    with translation.override("en"):
        return str(choice.label)
