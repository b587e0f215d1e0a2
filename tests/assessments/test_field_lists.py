"""An adverse event or vital signs is entered with the same values in the browser and through
the API, because the form, the serializers and the service read one field list."""

from assessments import forms
from assessments.api import serializers
from assessments.services import AE_FIELDS, VITALS_FIELDS

AUDIT = {"version", "reason"}


def test_the_adverse_event_form_and_api_ask_exactly_the_values_the_service_saves():
    assert [f for f in forms.AdverseEventEditForm().fields if f not in AUDIT] == list(AE_FIELDS)
    assert list(serializers.AdverseEventWriteSerializer().fields) == list(AE_FIELDS)


def test_the_vital_signs_form_and_api_ask_exactly_the_values_the_service_saves():
    assert [f for f in forms.VitalSignsEditForm().fields if f not in AUDIT] == list(VITALS_FIELDS)
    assert list(serializers.VitalSignsWriteSerializer().fields) == list(VITALS_FIELDS)
    read = list(serializers.VitalSignsSerializer().fields)
    assert read[read.index("visit") : read.index("ecog") + 1] == list(VITALS_FIELDS)


def test_a_form_hands_the_service_every_value_of_its_list():
    form = forms.VitalSignsForm(
        data={
            "visit": "UNS",
            "measured_on": "2026-01-05",
            "weight_kg": "70.0",
            "systolic_bp": "120",
            "diastolic_bp": "80",
            "heart_rate": "70",
            "temperature_c": "36.8",
            "ecog": "1",
        }
    )
    assert form.is_valid(), form.errors
    kwargs = form.service_kwargs()
    assert list(kwargs) == list(VITALS_FIELDS)
    assert kwargs["height_cm"] is None and kwargs["ecog"] == 1
