"""The blank annotated CRF (aCRF) a submission package carries: every casebook form with its
fields, type, unit, limits and the SDTM variables each field feeds.

Nothing here is kept by hand: the forms are the casebook's (``sections.form_sections``), the
fields and their limits the models' (validators, lengths, digits, choices) and the entry forms'
physiological limits (``edc.validators.Limit``), and the SDTM annotation is read from the
export domain specs — each ``Variable.origin`` names the model field it comes from
(``edc.exports.spec.origin``), so the map cannot drift from the datasets.

The aCRF is a regulatory submission document annotating SDTM: it is always in English, whatever
the language of the user who downloads it (so its text is not marked for translation).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.core import validators as dj
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import capfirst

from assessments.services import VITALS_LIMITS
from edc import validators as limits
from edc.audit.records import data_fields
from edc.exports.domains import DOMAINS
from labs.catalogue import ANALYTES

from .render import html_to_pdf, trial_context
from .sections import FormSection, form_sections

# "app.model.field" inside an origin ("labs.labresult.original_value", or several joined by
# " / " or ", " when a variable reads more than one field).
_ORIGIN = re.compile(r"\b([a-z_]+)\.([a-z0-9_]+)\.([a-z0-9_]+)\b")
# A unit written in the field's label, e.g. "dose (mg)", "ANC at the hold check (10⁹/L)".
_UNIT = re.compile(r"\(([^()]*[A-Za-z%°²³⁹/][^()]*)\)\s*$")
# Physiological limits the entry forms check, by field name (declared in edc.validators).
FIELD_LIMITS: dict[str, limits.Limit] = {
    "weight_kg": limits.WEIGHT_KG,
    "height_cm": limits.HEIGHT_CM,
    "diameter_mm": limits.LESION_DIAMETER_MM,
    **VITALS_LIMITS,
}
_NO_REAL_BOUND = 10**9  # the database's own integer bounds are not a CRF limit
_TYPES = {
    models.DateTimeField: "Date and time (DD Mon YYYY HH:MM)",
    models.DateField: "Date (DD Mon YYYY)",
    models.TimeField: "Time (HH:MM)",
    models.BooleanField: "Yes / No",
    models.DecimalField: "Number",
    models.IntegerField: "Whole number",
    models.JSONField: "List",
    models.TextField: "Text (free)",
    models.CharField: "Text",
    models.ForeignKey: "Link to a record",
}


@cache
def sdtm_map() -> dict[tuple[str, str], tuple[str, ...]]:
    """(model label, field name) → ("DOMAIN.VARIABLE", …), from the domains' origins."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for domain in DOMAINS:
        for variable in domain.variables:
            for app_label, model_name, field_name in _ORIGIN.findall(variable.origin or ""):
                try:
                    model = apps.get_model(app_label, model_name)
                    model._meta.get_field(field_name)
                except (LookupError, FieldDoesNotExist):
                    continue
                annotation = f"{domain.code}.{variable.name}"
                key = (model._meta.label_lower, field_name)
                if annotation not in found[key]:
                    found[key].append(annotation)
        for key, annotation in _unpivoted(domain):
            if annotation not in found[key]:
                found[key].append(annotation)
    return {key: tuple(values) for key, values in found.items()}


def _unpivoted(domain):
    """A domain whose rows carry one record per test (VS): each test's field feeds the result
    variables for that test code (``VS.VSORRES where VSTESTCD = WEIGHT``)."""
    stream = domain.stream
    if stream is None or stream.unpivot is None:
        return
    columns = {getattr(v.source, "column", None): v.name for v in domain.variables}
    results = [
        v.name
        for v in domain.variables
        if getattr(v.source, "column", None) == stream.unpivot.value
    ]
    testcd = columns.get("testcd")
    for part in stream.parts:
        for constants, field_name in stream.unpivot.items:
            where = (
                f" where {testcd} = {constants['testcd']}"
                if testcd and "testcd" in constants
                else ""
            )
            for name in results:
                yield (part.model._meta.label_lower, field_name), f"{domain.code}.{name}{where}"


@dataclass(frozen=True)
class FieldRow:
    label: str
    kind: str
    unit: str
    limits: str
    sdtm: str


@dataclass(frozen=True)
class FormSheet:
    title: str
    visits: str
    fields: tuple[FieldRow, ...]


def _kind(field: models.Field) -> str:
    if field.choices:
        return "One of: " + "; ".join(str(label) for _value, label in field.flatchoices)
    for model_field, text in _TYPES.items():
        if isinstance(field, model_field):
            return text
    return "Text"


def _unit(field: models.Field) -> str:
    limit = FIELD_LIMITS.get(field.name)
    if limit is not None:
        return limit.unit
    match = _UNIT.search(str(field.verbose_name))
    return match.group(1) if match else ""


def _limits(field: models.Field) -> str:
    parts = []
    limit = FIELD_LIMITS.get(field.name)
    if limit is not None:
        parts.append(f"{limit.low} to {limit.high} {limit.unit} (refused outside)")
    low = high = None
    for v in field.validators:
        if isinstance(v, dj.MinValueValidator) and abs(v.limit_value) < _NO_REAL_BOUND:
            low = v.limit_value
        if isinstance(v, dj.MaxValueValidator) and abs(v.limit_value) < _NO_REAL_BOUND:
            high = v.limit_value
    if limit is None and low is not None and high is not None:
        parts.append(f"{low} to {high}")
    elif limit is None and low is not None and low != 0:
        parts.append(f"at least {low}")
    elif limit is None and high is not None:
        parts.append(f"at most {high}")
    if isinstance(field, models.DecimalField) and field.decimal_places is not None:
        parts.append(f"{field.decimal_places} decimal places")
    if isinstance(field, models.CharField) and not field.choices and field.max_length:
        parts.append(f"up to {field.max_length} characters")
    if not field.blank and not isinstance(field, models.BooleanField):
        parts.append("required")
    return "; ".join(parts)


def _annotations(section: FormSection, field: models.Field, sdtm) -> tuple[str, ...]:
    """The field's own variables; for a link, those read from the record it links to."""
    direct = sdtm.get((section.label, field.name), ())
    if direct or not (field.is_relation and field.related_model is not None):
        return direct
    related = field.related_model._meta.label_lower
    return tuple(
        dict.fromkeys(a for (label, _f), found in sdtm.items() if label == related for a in found)
    )


def _field_row(section: FormSection, field: models.Field, sdtm) -> FieldRow:
    return FieldRow(
        label=capfirst(str(field.verbose_name)),
        kind=_kind(field),
        unit=_unit(field),
        limits=_limits(field),
        sdtm=", ".join(_annotations(section, field, sdtm)) or "Not submitted",
    )


def acrf_sheets() -> list[FormSheet]:
    sdtm = sdtm_map()
    return [
        FormSheet(
            title=section.title,
            visits="At each scheduled visit of its kind"
            if section.per_visit
            else "Once or as needed",
            fields=tuple(
                _field_row(section, f, sdtm)
                for f in data_fields(section.model)
                if f.name != "patient"
            ),
        )
        for section in form_sections()
    ]


def acrf_html(*, pdf: bool) -> str:
    """The aCRF page, in English (a submission document), whatever the active language."""
    with translation.override("en"):
        return _acrf_html(pdf=pdf)


def _acrf_html(*, pdf: bool) -> str:
    return render_to_string(
        "archive/acrf.html",
        {
            "pdf": pdf,
            "sheets": acrf_sheets(),
            "analytes": ANALYTES,
            "generated_at": timezone.now(),
            **trial_context(),
        },
    )


def build_acrf_pdf() -> bytes:
    """The blank annotated CRF as a PDF (acrf.pdf of the submission package)."""
    return html_to_pdf(acrf_html(pdf=True))


@cache
def package_acrf_pdf() -> bytes:
    """The aCRF every statisticians' package carries. A blank CRF depends only on the release's
    forms, catalogue and export specs, never on data, so each process renders it once."""
    return build_acrf_pdf()
