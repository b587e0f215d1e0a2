"""Every form that corrects saved data asks the same two things, the same way: the version the
user opened (hidden) and a reason for change, marked required, after the record's fields."""

from decimal import Decimal

import pytest

from assessments import forms as assessment_forms
from dosing import forms as dosing_forms
from edc.web import AuditedEditForm
from labs import forms as lab_forms
from patients import forms as patient_forms

EDIT_FORMS = [
    (patient_forms.PatientEditForm, {}),
    (assessment_forms.BaselineEditForm, {}),
    (assessment_forms.FollowupEditForm, {}),
    (assessment_forms.AdverseEventEditForm, {}),
    (assessment_forms.VitalSignsEditForm, {}),
    (lab_forms.ResultEditForm, {"analyte_code": "HGB", "units": ("g/L",)}),
    (lab_forms.DrawEditForm, {}),
    (lab_forms.ReferenceRangeEditForm, {}),
    (dosing_forms.PaclitaxelForm, {"editing": True}),
    (dosing_forms.Imp321Form, {"editing": True, "cohort_dose": Decimal("2")}),
]


@pytest.mark.parametrize(
    ("form_class", "kwargs"), EDIT_FORMS, ids=lambda v: getattr(v, "__name__", "")
)
def test_an_edit_form_carries_the_opened_version_and_a_reason_marked_required(form_class, kwargs):
    assert issubclass(form_class, AuditedEditForm)
    form = form_class(**kwargs)
    names = list(form.fields)
    assert set(names[-2:]) == {"version", "reason"}  # after the record's own fields
    assert form.fields["version"].widget.is_hidden
    reason = form.fields["reason"]
    assert reason.label == "Reason for change"
    assert reason.widget.attrs["required"] is True  # the label shows the required marker


def test_an_edit_without_a_version_is_refused_by_the_form():
    form = patient_forms.PatientEditForm(
        data={
            "screening_number": "S-1",
            "screening_date": "2026-01-05",
            "year_of_birth": "1960",
            "sex": "F",
            "reason": "Typo",
        }
    )
    assert not form.is_valid() and "version" in form.errors


def test_a_dose_entered_for_the_first_time_asks_neither_version_nor_reason():
    form = dosing_forms.PaclitaxelForm(editing=False)
    assert "version" not in form.fields and "reason" not in form.fields
