"""The blank annotated CRF: every casebook form with its fields, units, limits and the SDTM
variables each field feeds — the annotations read from the export domains' origins."""

import re

import pytest
from django.apps import apps
from django.urls import reverse

from edc.archive.acrf import acrf_sheets, build_acrf_pdf, sdtm_map
from edc.archive.models import ArchiveDownload
from edc.archive.sections import form_sections
from edc.exports.domains import DOMAINS

from .conftest import pdf_text


def _names_a_model(origin: str) -> bool:
    app_label, model_name, _field = origin.split(".")
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return False  # e.g. "assessments.recist.…": a computation, not a form field
    return True


def test_every_origin_naming_a_model_field_is_an_annotation():
    annotations = sdtm_map()
    named = {
        f"{d.code}.{v.name}"
        for d in DOMAINS
        for v in d.variables
        # exactly what edc.exports.spec.origin(model, field) writes
        if re.fullmatch(r"(patients|dosing|assessments|labs)\.[a-z0-9]+\.[a-z0-9_]+", v.origin)
        and _names_a_model(v.origin)
    }
    found = {a.split(" where ")[0] for values in annotations.values() for a in values}
    assert found <= {f"{d.code}.{v.name}" for d in DOMAINS for v in d.variables}
    assert named <= found
    # A test of a one-record-per-test domain (VS) is annotated with its test code.
    assert (
        "VS.VSORRES where VSTESTCD = WEIGHT" in annotations[("assessments.vitalsigns", "weight_kg")]
    )
    assert "AE.AETOXGR" in annotations[("assessments.adverseevent", "grade")]


def test_every_casebook_form_has_a_sheet_with_units_and_limits():
    sheets = {s.title: s for s in acrf_sheets()}
    assert set(sheets) == {s.title for s in form_sections()}
    vitals = {f.label: f for f in sheets["Vital signs"].fields}
    weight = next(f for label, f in vitals.items() if label.startswith("Weight"))
    assert weight.unit == "kg" and "30 to 250 kg" in weight.limits
    grade = {f.label: f for f in sheets["Adverse event"].fields}["CTCAE grade"]
    assert "1 to 5" in grade.limits and "AE.AETOXGR" in grade.sdtm


@pytest.mark.django_db
def test_the_acrf_pdf_names_forms_fields_and_sdtm_variables():
    reader, text = pdf_text(build_acrf_pdf())
    pages = len(reader.pages)
    assert pages > 5
    assert f"Page 1 of {pages}" in reader.pages[0].extract_text()
    for words in ("Registry data", "Adverse event", "Vital signs", "AE.AETOXGR", "DM.SEX"):
        assert words in text
    titles = {item.title for item in reader.outline if not isinstance(item, list)}
    assert {"Adverse event", "Vital signs", "Laboratory analytes"} <= titles
    assert "_" not in " ".join(titles)  # no code names


@pytest.mark.django_db
def test_the_acrf_download_is_logged(web, monitor, statistician):
    response = web(monitor).get(reverse("archive:acrf"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert ArchiveDownload.objects.get().filename == "acrf.pdf"
    assert web(statistician).get(reverse("archive:acrf")).status_code == 403
