"""Messages the validators raise; tests import them so wording changes stay in one place."""

from django.db import models


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class PatientStatus(models.TextChoices):
    SCREENING = "screening", "Screening"
    SCREEN_FAILED = "screen_failed", "Screen failure"
    ENROLLED = "enrolled", "On study"
    OFF_STUDY = "off_study", "Off study"


class EndReason(models.TextChoices):
    COMPLETED = "completed", "Completed the study"
    PROGRESSION = "progression", "Disease progression"
    TOXICITY = "toxicity", "Unacceptable toxicity"
    WITHDRAWAL = "withdrawal", "Withdrawal of consent"
    INVESTIGATOR = "investigator", "Investigator decision"
    DEATH = "death", "Death"
    LOST = "lost", "Lost to follow-up"


DATE_IN_FUTURE = "This date is in the future."
YEAR_OF_BIRTH_FUTURE = "Year of birth cannot be in the future."
YEAR_OF_BIRTH_IMPLAUSIBLE = "Year of birth is implausible (more than 110 years ago)."
CONSENT_AFTER_ENROLMENT = "Informed consent must be dated on or before the enrolment date."
CONSENT_BEFORE_PROCEDURE = (
    "Informed consent must precede every study procedure: this date is before the consent date."
)
NO_CONSENT = "The patient has no recorded informed consent; record consent first."
NOT_ELIGIBLE = "The patient does not meet every eligibility criterion: {criteria}."
ELIGIBILITY_INCOMPLETE = "Eligibility is incomplete: answer every criterion ({criteria})."
ALREADY_ENROLLED = "This patient has already been enrolled."
NOT_IN_SCREENING = "Only a patient in screening can be enrolled or screen-failed."
COHORT_FULL = "Cohort {cohort} is full ({capacity} patients); a data manager must open the next."
NO_OPEN_COHORT = "No dose cohort is open for enrolment; a data manager must open one."
AFTER_WITHDRAWAL = "No study data may be dated after the withdrawal of consent ({date})."
BEFORE_SCREENING = "This date is before the screening date."
WAIVER_REASON_REQUIRED = "An eligibility waiver needs a documented reason."
SCREEN_FAIL_REASON_REQUIRED = "A screen failure needs a reason."
UNDER_AGE = "The patient is under 18 according to the year of birth."
MALE_NOT_ELIGIBLE = "Only women are eligible for this trial."
END_DATE_BEFORE_ENROLMENT = "The end of study cannot be before enrolment."
ALREADY_OFF_STUDY = "The patient is already off study."
C1D1_BEFORE_ENROLMENT = "Cycle 1 day 1 cannot be before the enrolment date."
C1D1_AFTER_SCREENING_WINDOW = "Cycle 1 day 1 must be within {days} days of screening."
SCREENING_NUMBER_TAKEN = "This screening number is already used at this site."
NOT_ON_TREATMENT = "Only a patient on study can end treatment."
ALREADY_OFF_TREATMENT = "Treatment has already ended for this patient."


# --- Medical history and prior cancer therapy ----------------------------------------------------
class PriorTherapyType(models.TextChoices):
    SURGERY = "surgery", "Breast cancer surgery"
    RADIOTHERAPY = "radiotherapy", "Radiotherapy"
    ADJUVANT_CHEMO = "adjuvant_chemo", "Adjuvant chemotherapy"
    NEOADJUVANT_CHEMO = "neoadjuvant_chemo", "Neoadjuvant chemotherapy"
    HORMONAL = "hormonal", "Hormonal therapy"
    METASTATIC_CHEMO = "metastatic_chemo", "Chemotherapy for metastatic disease"
    OTHER = "other", "Other (describe)"


class TherapySetting(models.TextChoices):
    EARLY = "early", "Early breast cancer (curative intent)"
    LOCALLY_ADVANCED = "locally_advanced", "Locally advanced disease"
    METASTATIC = "metastatic", "Metastatic disease"


CONDITION_REQUIRED = "Give the condition as written in the source."
UNKNOWN_MEDDRA_TERM = "Choose a term from the CTCAE v5.0 list, or leave it empty."
START_DATE_REQUIRED = "Give the start date."
ONGOING_REQUIRED = "Say whether the condition is ongoing."
END_DATE_WHEN_ONGOING = "An ongoing condition has no end date: leave it empty or answer “No”."
END_DATE_REQUIRED = "Give the end date of a condition that is not ongoing."
END_BEFORE_START = "The end date cannot be before the start date."
HISTORY_AFTER_SCREENING = (
    "Medical history is what began before screening ({date}); a condition that began later "
    "is an adverse event."
)
THERAPY_AFTER_SCREENING = "Prior therapy must have started before screening ({date})."
THERAPY_TYPE_REQUIRED = "Choose the type of therapy."
THERAPY_SETTING_REQUIRED = "Choose the setting of the therapy."
THERAPY_DESCRIPTION_REQUIRED = "Describe the therapy (type “Other”)."
METASTATIC_CHEMO_SETTING = (
    "Chemotherapy for metastatic disease is given in the metastatic setting: choose "
    "“Metastatic disease”."
)
CHEMO_FOR_METASTASES_IS_ITS_OWN_TYPE = (
    "Chemotherapy given for metastatic disease is recorded as “Chemotherapy for metastatic "
    "disease” (the protocol excludes it)."
)
PRIOR_METASTATIC_CHEMO = (
    "a prior chemotherapy for metastatic disease is recorded in the prior cancer therapy"
)
PRIOR_METASTATIC_CHEMO_ANSWER = (
    "A prior chemotherapy for metastatic disease is recorded in the prior cancer therapy: "
    "this criterion is not met. Correct the prior therapy if it was recorded in error."
)
