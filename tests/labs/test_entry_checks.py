"""Lab entry reports every error at once: the collection time and each value together."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from labs import constants as msg
from labs import services
from labs.models import LabResult

UNITS = {"ANC": "10^9/L", "PLT": "10^9/L", "HGB": "g/dL", "WBC": "10^9/L", "LYM": "10^9/L"}
ANC_500 = (
    "Absolute neutrophil count 500 10^9/L is outside physiological limits (0 to 300 10^9/L); "
    "check the value and its unit."
)
PLT_ABC = "Platelets: “abc” is not a number."


def panel(lab, collected_at: str, **values) -> dict:
    data = {"lab": lab.pk, "collected_at": collected_at}
    data |= {f"{code}_unit": unit for code, unit in UNITS.items()}
    data |= {f"{code}_value": value for code, value in values.items()}
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("when", ["", "future"])
def test_the_lab_form_shows_the_date_and_every_value_error_at_once_with_a_summary(
    enrolled, lab, web, investigator, when
):
    patient = enrolled()
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    collected = tomorrow.strftime("%Y-%m-%dT%H:%M") if when else ""
    url = reverse("labs:panel_enter", args=[patient.pk, "haematology"])
    response = web(investigator).post(url, panel(lab, collected, ANC="500", PLT="abc"))
    errors = response.context["form"].errors
    assert errors["ANC_value"] == [ANC_500]
    assert errors["PLT_value"] == [PLT_ABC]
    assert "collected_at" in errors
    if when:
        assert errors["collected_at"] == [msg.COLLECTED_IN_FUTURE]
    html = response.content.decode()
    summary = re.search(r'data-testid="error-summary".*?</div>', html, re.S).group(0)
    assert re.findall(r'href="#(id_\w+)"', summary) == [
        "id_collected_at",
        "id_ANC_value",
        "id_PLT_value",
    ]
    assert not LabResult.objects.exists()


@pytest.mark.django_db
def test_the_service_collects_the_time_and_the_value_errors_of_a_panel(enrolled, lab, investigator):
    patient = enrolled()
    with pytest.raises(ValidationError) as exc:
        services.lab_panel_record(
            user=investigator,
            patient=patient,
            lab=lab,
            panel="haematology",
            collected_at=timezone.now() + dt.timedelta(days=1),
            values={"ANC": ("500", "10^9/L"), "PLT": ("abc", "10^9/L")},
        )
    assert exc.value.message_dict == {
        "collected_at": [msg.COLLECTED_IN_FUTURE],
        "ANC_value": [ANC_500],
        "PLT_value": [PLT_ABC],
    }


@pytest.mark.django_db
def test_a_correction_checks_its_value_with_the_other_fields(enrolled, lab, web, investigator):
    patient = enrolled()
    collected = timezone.localtime() - dt.timedelta(days=1)
    result = services.lab_result_create(
        user=investigator,
        patient=patient,
        lab=lab,
        analyte="ANC",
        collected_at=collected,
        value=Decimal("2.0"),
        unit="10^9/L",
    )
    response = web(investigator).post(
        reverse("labs:result_edit", args=[result.pk]),
        {"collected_at": "", "value": "500", "unit": "10^9/L", "version": "1", "reason": ""},
    )
    errors = response.context["form"].errors
    assert errors["value"] == [ANC_500] and "collected_at" in errors
