"""Every deviation type of docs/protocol.md, one small module each (contract: base.py)."""

from . import (
    dosed_after_end_of_treatment,
    dosed_despite_hold,
    eligibility_waiver,
    immune_draw_out_of_window,
    imp321_dose_not_cohort,
    imp321_not_day_after_paclitaxel,
    missed_visit,
    paclitaxel_dose_off_plan,
    sae_reported_late,
    tumour_assessment_overdue,
    visit_out_of_window,
)

RULES = (
    missed_visit,
    visit_out_of_window,
    paclitaxel_dose_off_plan,
    imp321_dose_not_cohort,
    imp321_not_day_after_paclitaxel,
    dosed_despite_hold,
    immune_draw_out_of_window,
    tumour_assessment_overdue,
    dosed_after_end_of_treatment,
    eligibility_waiver,
    sae_reported_late,
)
