"""CDISC ODM 1.3.2: study metadata, clinical data, audit records and signatures, streamed.

* **Study / MetaDataVersion** — built from ``edc.protocol`` (StudyEventDefs are the planned
  calendar events, plus screening, unscheduled and the AE / con-med / lab logs) and from the model
  fields of every form that holds patient data (``edc.audit.records.clinical_models``): one
  FormDef and ItemGroupDef per model, one ItemDef per data field (DataType, Length,
  SignificantDigits, unit), one CodeList per field with choices. A model another engineer
  adds tomorrow appears without an edit here.
* **AdminData** — Users (for a de-identified reader: one pseudo-user per trial role, never a
  name), Locations (the sites the reader sees, plus the trial itself) and SignatureDefs.
* **ClinicalData** — SubjectData → StudyEventData → FormData → ItemGroupData (one per record,
  ``ItemGroupRepeatKey`` = its id) → ItemData, always read from the history tables as of a
  time (now by default) so each ItemGroupData carries the AuditRecord of the write that
  produced the values shown (user, site, time, reason for change, ``SourceID`` = the
  historical row). Then ``AuditRecords`` (every ``AuditEntry`` the reader may review, up to
  that time) and ``Signatures`` (valid e-signatures of ``edc.monitoring``).

The document is written with ``lxml.etree.xmlfile`` one subject at a time: memory does not
grow with the trial. It validates against the official XSD (vendored with its MIT licence in
``schema/odm-1.3.2``; ``validate`` checks a file in one pass with ``iterparse``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from lxml import etree

from edc import protocol
from edc.access.constants import ALL_SITES, Role
from edc.access.selectors import sites_visible_to, user_site_ids
from edc.audit.chain import chain_head
from edc.audit.records import clinical_models, data_fields
from edc.audit.selectors import audit_entries_for_user
from edc.monitoring.constants import SIGNATURE_MEANINGS, SignatureStatus
from edc.operations.routers import read_alias

from .codelists import SCREENING, UNSCHEDULED, visit_of
from .context import ExportContext, Subject, merge_by_subject
from .deidentify import withheld_fields
from .domains.ex import IMP_VISITS
from .snapshots import patient_lookup
from .writers import decimal_text

NS = "http://www.cdisc.org/ns/odm/v1.3"
NSMAP = {None: NS}
ODM_VERSION = "1.3.2"
MDV_OID = f"MDV.{protocol.PROTOCOL_VERSION}"
STUDY_OID = protocol.TRIAL_ID
TRIAL_LOCATION = "LOC.TRIAL"
SYSTEM_USER = "USR.SYSTEM"
AE_LOG = "AE_LOG"
CM_LOG = "CM_LOG"
LAB_LOG = "LAB_LOG"
OTHER = "OTHER"
BUFFER_BYTES = 64 * 1024

SCHEMA_DIR = Path(__file__).resolve().parent / "schema" / "odm-1.3.2"
VENDORED_XSD = SCHEMA_DIR / "ODM1-3-2.xsd"


def shared_xsd(repo_root: Path | str | None = None) -> Path:
    """The official schema in the standards folder beside the repository (``../shared``)."""
    root = Path(repo_root) if repo_root is not None else Path(settings.BASE_DIR)
    return root.parent / "shared" / "standards" / "odm-1.3.2" / "ODM1-3-2.xsd"


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Text without the control characters XML 1.0 cannot carry."""
    return _INVALID_XML.sub("\ufffd", value)


def oid_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text).upper()


# --- Metadata ------------------------------------------------------------------------------------
def _reaches_patient(model: type[models.Model]) -> bool:
    """True when the model's ``PATIENT_LOOKUP`` is a path of relations to the patient."""
    lookup = getattr(model, "PATIENT_LOOKUP", None)
    if not lookup:
        return False
    if lookup == "pk":
        return True
    current = model
    try:
        for part in lookup.split("__"):
            field = current._meta.get_field(part)
            if not field.is_relation:
                return False
            current = field.related_model
    except FieldDoesNotExist:
        return False
    return True


def odm_models() -> list[type[models.Model]]:
    """Forms with patient data: every clinical model whose records belong to a patient."""
    return [m for m in clinical_models() if _reaches_patient(m)]


def form_oid(model) -> str:
    return f"F.{oid_part(model._meta.label_lower.replace('.', '_'))}"


def group_oid(model) -> str:
    return f"IG.{oid_part(model._meta.label_lower.replace('.', '_'))}"


def item_oid(model, field: models.Field) -> str:
    return f"IT.{oid_part(model._meta.model_name)}.{oid_part(field.name)}"


def codelist_oid(model, field: models.Field) -> str:
    return f"CL.{oid_part(model._meta.model_name)}.{oid_part(field.name)}"


def event_oid(code: str) -> str:
    return f"SE.{oid_part(code)}"


def item_fields(model, *, deidentified: bool) -> list[models.Field]:
    """The fields written as ItemData (no patient link: SubjectData names the patient)."""
    withheld = withheld_fields(model) if deidentified else frozenset()
    lookup = patient_lookup(model)
    return [
        f
        for f in data_fields(model)
        if f.name not in withheld and f.name != lookup and f.attname != lookup
    ]


def data_type(field: models.Field) -> str:
    if field.is_relation:
        return "integer"
    if isinstance(field, models.BooleanField):
        return "boolean"
    if isinstance(field, models.DecimalField | models.FloatField):
        return "float"
    if isinstance(field, models.IntegerField):
        return "integer"
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.TimeField):
        return "time"
    return "text"


# Units of numeric fields, by name (SI / UCUM-like symbols as the forms print them).
FIELD_UNITS: dict[str, str] = {
    "height_cm": "cm",
    "weight_kg": "kg",
    "bsa_m2": "m2",
    "dose_level_mg_m2": "mg/m2",
    "planned_dose_mg": "mg",
    "actual_dose_mg": "mg",
    "dose_mg": "mg",
    "diameter_mm": "mm",
    "computed_sum_mm": "mm",
    "systolic_bp": "mmHg",
    "diastolic_bp": "mmHg",
    "heart_rate": "beats/min",
    "temperature_c": "C",
    "processing_minutes": "min",
    "anc_at_check": "10^9/L",
    "platelets_at_check": "10^9/L",
}


def unit_oid(symbol: str) -> str:
    return f"MU.{oid_part(symbol.replace('/', '_PER_').replace('^', ''))}"


@cache
def _events() -> tuple[tuple[str, str, str, str], ...]:
    """(code, name, type, repeating) of every StudyEventDef, in protocol order."""
    planned = tuple((e.code, e.label, "Scheduled", "No") for e in protocol.PLANNED_EVENTS)
    return (
        (SCREENING, "Screening", "Scheduled", "No"),
        *planned,
        (UNSCHEDULED, "Unscheduled visits", "Unscheduled", "Yes"),
        (AE_LOG, "Adverse events", "Common", "No"),
        (CM_LOG, "Concomitant medications", "Common", "No"),
        (LAB_LOG, "Laboratory results (not an immune draw)", "Common", "No"),
        (OTHER, "Other records", "Common", "No"),
    )


def _codes_of(kind: str) -> tuple[str, ...]:
    return tuple(e.code for e in protocol.PLANNED_EVENTS if e.kind == kind)


def _form_events() -> dict[str, tuple[str, ...]]:
    tumour = (*_codes_of(protocol.TUMOUR), UNSCHEDULED)
    immune = _codes_of(protocol.IMMUNE)
    cycle_d1 = tuple(protocol.paclitaxel_code(c, 1) for c in range(1, protocol.CYCLE_COUNT + 1))
    return {
        "patients.patient": (SCREENING,),
        "patients.consent": (SCREENING,),
        "patients.eligibilityanswer": (SCREENING,),
        "patients.medicalhistory": (SCREENING,),
        "patients.priortherapy": (SCREENING,),
        "patients.calendarevent": tuple(e.code for e in protocol.PLANNED_EVENTS),
        "dosing.paclitaxeladministration": _codes_of(protocol.PACLITAXEL),
        "dosing.imp321injection": _codes_of(protocol.IMP321),
        "assessments.tumourassessment": tumour,
        "assessments.targetlesion": tumour,
        "assessments.nontargetlesion": tumour,
        "assessments.lesionmeasurement": tumour,
        "assessments.vitalsigns": (SCREENING, *cycle_d1, UNSCHEDULED),
        "assessments.adverseevent": (AE_LOG,),
        "assessments.concomitantmedication": (CM_LOG,),
        "labs.immunedraw": immune,
        "labs.labresult": (*immune, LAB_LOG),
    }


def _text_el(tag: str, text: str) -> etree._Element:
    el = etree.Element(q(tag))
    el.text = xml_text(text)
    return el


def _translated(parent: etree._Element, tag: str, text: str) -> None:
    holder = etree.SubElement(parent, q(tag))
    etree.SubElement(
        holder, q("TranslatedText"), {"{http://www.w3.org/XML/1998/namespace}lang": "en"}
    ).text = xml_text(text)


def study_element(*, deidentified: bool) -> etree._Element:
    """Study: GlobalVariables, BasicDefinitions (units) and the MetaDataVersion."""
    forms = odm_models()
    form_events = _form_events()
    study = etree.Element(q("Study"), {"OID": STUDY_OID}, nsmap=NSMAP)
    globals_ = etree.SubElement(study, q("GlobalVariables"))
    globals_.append(_text_el("StudyName", protocol.TRIAL_ID))
    globals_.append(_text_el("StudyDescription", protocol.TRIAL_TITLE))
    globals_.append(
        _text_el("ProtocolName", f"{protocol.TRIAL_ID} protocol {protocol.PROTOCOL_VERSION}")
    )

    fields_by_model = {m: item_fields(m, deidentified=deidentified) for m in forms}
    units = sorted(
        {
            FIELD_UNITS[f.name]
            for fs in fields_by_model.values()
            for f in fs
            if f.name in FIELD_UNITS
        }
    )
    if units:
        basic = etree.SubElement(study, q("BasicDefinitions"))
        for symbol in units:
            unit = etree.SubElement(
                basic, q("MeasurementUnit"), {"OID": unit_oid(symbol), "Name": symbol}
            )
            _translated(unit, "Symbol", symbol)

    mdv = etree.SubElement(
        study,
        q("MetaDataVersion"),
        {"OID": MDV_OID, "Name": f"Protocol {protocol.PROTOCOL_VERSION}"},
    )
    proto = etree.SubElement(mdv, q("Protocol"))
    for order, (code, _name, _type, _rep) in enumerate(_events(), start=1):
        etree.SubElement(
            proto,
            q("StudyEventRef"),
            {"StudyEventOID": event_oid(code), "OrderNumber": str(order), "Mandatory": "No"},
        )
    for code, name, type_, repeating in _events():
        sed = etree.SubElement(
            mdv,
            q("StudyEventDef"),
            {"OID": event_oid(code), "Name": name, "Repeating": repeating, "Type": type_},
        )
        order = 0
        for model in forms:
            events = form_events.get(model._meta.label_lower, (OTHER,))
            if code in events:
                order += 1
                etree.SubElement(
                    sed,
                    q("FormRef"),
                    {"FormOID": form_oid(model), "OrderNumber": str(order), "Mandatory": "No"},
                )
    for model in forms:
        form = etree.SubElement(
            mdv,
            q("FormDef"),
            {
                "OID": form_oid(model),
                "Name": str(model._meta.verbose_name).capitalize(),
                "Repeating": "Yes",
            },
        )
        etree.SubElement(
            form, q("ItemGroupRef"), {"ItemGroupOID": group_oid(model), "Mandatory": "Yes"}
        )
    for model in forms:
        group = etree.SubElement(
            mdv,
            q("ItemGroupDef"),
            {
                "OID": group_oid(model),
                "Name": model._meta.label_lower,
                "Repeating": "Yes",
                "Comment": model._meta.db_table,
            },
        )
        for order, field in enumerate(fields_by_model[model], start=1):
            etree.SubElement(
                group,
                q("ItemRef"),
                {
                    "ItemOID": item_oid(model, field),
                    "OrderNumber": str(order),
                    "Mandatory": "No" if field.null or field.blank else "Yes",
                },
            )
    codelists = []
    for model in forms:
        for field in fields_by_model[model]:
            attrs = {
                "OID": item_oid(model, field),
                "Name": field.name,
                "DataType": data_type(field),
            }
            if isinstance(field, models.CharField) and field.max_length:
                attrs["Length"] = str(field.max_length)
            if isinstance(field, models.DecimalField):
                attrs["Length"] = str(field.max_digits)
                attrs["SignificantDigits"] = str(field.decimal_places)
            item = etree.SubElement(mdv, q("ItemDef"), attrs)
            question = str(field.verbose_name)
            if field.is_relation:
                question += f" ({field.related_model._meta.verbose_name} record id)"
            _translated(item, "Question", question[:1].upper() + question[1:])
            if field.name in FIELD_UNITS:
                etree.SubElement(
                    item,
                    q("MeasurementUnitRef"),
                    {"MeasurementUnitOID": unit_oid(FIELD_UNITS[field.name])},
                )
            if field.choices and not field.is_relation:
                etree.SubElement(
                    item, q("CodeListRef"), {"CodeListOID": codelist_oid(model, field)}
                )
                codelists.append((model, field))
    for model, field in codelists:
        choices = list(field.flatchoices)
        numeric = all(
            isinstance(value, int) and not isinstance(value, bool) for value, _ in choices
        )
        codelist = etree.SubElement(
            mdv,
            q("CodeList"),
            {
                "OID": codelist_oid(model, field),
                "Name": f"{model._meta.model_name}.{field.name}",
                "DataType": "integer" if numeric else "text",
            },
        )
        for value, label in choices:
            item = etree.SubElement(
                codelist, q("CodeListItem"), {"CodedValue": xml_text(str(value)) or " "}
            )
            _translated(item, "Decode", str(label))
    return study


# --- Values --------------------------------------------------------------------------------------
def odm_value(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return xml_text(str(value))


def _stamp(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat()


class People:
    """UserRef OIDs and the AdminData Users: people, or only roles for de-identified readers."""

    def __init__(self, ctx: ExportContext):
        self.deidentified = ctx.deidentified
        users = get_user_model().objects.filter(staff_profile__isnull=False)
        ids = user_site_ids(ctx.user)
        if ids is not None:
            users = users.filter(
                Q(staff_profile__sites__in=ids) | Q(staff_profile__role__in=ALL_SITES)
            ).distinct()
        self.users = list(
            users.values_list(
                "id", "username", "first_name", "last_name", "staff_profile__role"
            ).order_by("id")
        )
        self.role_of = {pk: role for pk, _u, _f, _l, role in self.users}
        if self.deidentified:
            # Every user's role (one query), so a name is never needed to find one.
            self.role_of = dict(get_user_model().objects.values_list("id", "staff_profile__role"))

    def oid(self, user_id: int | None, role: str = "") -> str:
        if user_id is None:
            return SYSTEM_USER
        if self.deidentified:
            role = role or self.role_of.get(user_id) or ""
            return f"USR.ROLE.{oid_part(role)}" if role else SYSTEM_USER
        return f"USR.{user_id}"

    def elements(self) -> Iterator[etree._Element]:
        system = etree.Element(q("User"), {"OID": SYSTEM_USER, "UserType": "Other"})
        system.append(_text_el("FullName", "System (automatic process)"))
        yield system
        if self.deidentified:
            for role in Role:
                user = etree.Element(
                    q("User"), {"OID": f"USR.ROLE.{oid_part(role.value)}", "UserType": "Other"}
                )
                user.append(_text_el("DisplayName", role.value))
                user.append(_text_el("FullName", f"A user with the role {role.label}"))
                yield user
            return
        for pk, username, first, last, role in self.users:
            user_type = (
                "Investigator" if role in (Role.INVESTIGATOR, Role.COORDINATOR) else "Sponsor"
            )
            user = etree.Element(q("User"), {"OID": f"USR.{pk}", "UserType": user_type})
            user.append(_text_el("LoginName", username))
            user.append(_text_el("DisplayName", role or ""))
            full = f"{first} {last}".strip()
            if full:
                user.append(_text_el("FullName", full))
            if first:
                user.append(_text_el("FirstName", first))
            if last:
                user.append(_text_el("LastName", last))
            yield user


def location_oid(site_code: str | None) -> str:
    return f"LOC.{oid_part(site_code)}" if site_code else TRIAL_LOCATION


def signature_def_oid(meaning: str) -> str:
    try:
        return f"SD.{SIGNATURE_MEANINGS.index(meaning) + 1}"
    except ValueError:
        return f"SD.X{hashlib.sha256(meaning.encode()).hexdigest()[:10].upper()}"


def admin_element(ctx: ExportContext, people: People, meanings: list[str]) -> etree._Element:
    admin = etree.Element(q("AdminData"), {"StudyOID": STUDY_OID}, nsmap=NSMAP)
    for user in people.elements():
        admin.append(user)
    effective = dt.date(2000, 1, 1).isoformat()
    locations = [(TRIAL_LOCATION, protocol.TRIAL_TITLE[:200], "Sponsor")] + [
        (location_oid(code), f"{code} {name}", "Site")
        for code, name in sites_visible_to(ctx.user).order_by("code").values_list("code", "name")
    ]
    for oid, name, kind in locations:
        location = etree.SubElement(
            admin, q("Location"), {"OID": oid, "Name": xml_text(name), "LocationType": kind}
        )
        etree.SubElement(
            location,
            q("MetaDataVersionRef"),
            {"StudyOID": STUDY_OID, "MetaDataVersionOID": MDV_OID, "EffectiveDate": effective},
        )
    for meaning in dict.fromkeys([*SIGNATURE_MEANINGS, *meanings]):
        sig = etree.SubElement(
            admin,
            q("SignatureDef"),
            {"OID": signature_def_oid(meaning), "Methodology": "Electronic"},
        )
        sig.append(_text_el("Meaning", meaning))
        sig.append(_text_el("LegalReason", "21 CFR Part 11.50 electronic signature"))
    return admin


# --- Clinical data -------------------------------------------------------------------------------
HISTORY_FIELDS = ("history_id", "history_date", "history_user_id", "history_change_reason")
# Read to place a record in its study event, even when withheld from the items.
PLACEMENT_FIELDS = frozenset(
    {
        "code",
        "cycle",
        "day",
        "injection_number",
        "calendar_code",
        "assessment_id",
        "visit",
        "event_code",
        "immune_draw_id",
    }
)


def _event_for(label: str, row: dict, by_id: dict[str, dict[int, str]]) -> str:
    if label in (
        "patients.patient",
        "patients.consent",
        "patients.eligibilityanswer",
        "patients.medicalhistory",
        "patients.priortherapy",
    ):
        return SCREENING
    if label == "patients.calendarevent":
        return row["code"]
    if label == "dosing.paclitaxeladministration":
        return protocol.paclitaxel_code(row["cycle"], row["day"])
    if label == "dosing.imp321injection":
        return IMP_VISITS.get(row["injection_number"], OTHER)
    if label == "assessments.tumourassessment":
        return visit_of(row["calendar_code"])
    if label in (
        "assessments.targetlesion",
        "assessments.nontargetlesion",
        "assessments.lesionmeasurement",
    ):
        return by_id.get("assessments.tumourassessment", {}).get(row["assessment_id"], UNSCHEDULED)
    if label == "assessments.vitalsigns":
        return visit_of(row["visit"])
    if label == "assessments.adverseevent":
        return AE_LOG
    if label == "assessments.concomitantmedication":
        return CM_LOG
    if label == "labs.immunedraw":
        return row["event_code"]
    if label == "labs.labresult":
        draw = row.get("immune_draw_id")
        return by_id.get("labs.immunedraw", {}).get(draw, LAB_LOG) if draw else LAB_LOG
    return OTHER


class ClinicalWriter:
    def __init__(self, ctx: ExportContext, people: People):
        self.ctx = ctx
        self.people = people
        self.models = odm_models()
        self.fields = {m: item_fields(m, deidentified=ctx.deidentified) for m in self.models}
        self.event_order = {code: n for n, (code, *_rest) in enumerate(_events())}
        self.form_order = {m._meta.label_lower: n for n, m in enumerate(self.models)}

    def streams(self) -> dict[str, Iterator[dict]]:
        streams = {}
        for model in self.models:
            names = [f.attname for f in self.fields[model]]
            known = {f.attname for f in model._meta.concrete_fields}
            names += [n for n in sorted(PLACEMENT_FIELDS & known) if n not in names]
            streams[model._meta.label_lower] = self.ctx.stream(
                model, ("id", *names, *HISTORY_FIELDS), order_by=("id",)
            )
        return streams

    def subject_element(self, subject: Subject, groups: dict[str, list[dict]]) -> etree._Element:
        by_id: dict[str, dict[int, str]] = {}
        for label in ("assessments.tumourassessment", "labs.immunedraw"):
            by_id[label] = {
                row["id"]: _event_for(label, row, by_id) for row in groups.get(label, [])
            }
        records = []
        for model in self.models:
            label = model._meta.label_lower
            for row in groups[label]:
                event = _event_for(label, row, by_id)
                records.append(
                    (
                        self.event_order.get(event, len(self.event_order)),
                        event,
                        self.form_order[label],
                        row["id"],
                        model,
                        row,
                    )
                )
        records.sort(key=lambda r: r[:4])
        element = etree.Element(q("SubjectData"), {"SubjectKey": subject.usubjid}, nsmap=NSMAP)
        etree.SubElement(element, q("SiteRef"), {"LocationOID": location_oid(subject.siteid)})
        event_el = form_el = None
        current_event = current_form = None
        for _order, event, _form_order, pk, model, row in records:
            if event != current_event:
                event_el = etree.SubElement(
                    element, q("StudyEventData"), {"StudyEventOID": event_oid(event)}
                )
                current_event, current_form = event, None
            if model is not current_form:
                form_el = etree.SubElement(event_el, q("FormData"), {"FormOID": form_oid(model)})
                current_form = model
            group = etree.SubElement(
                form_el,
                q("ItemGroupData"),
                {"ItemGroupOID": group_oid(model), "ItemGroupRepeatKey": str(pk)},
            )
            group.append(self.audit_record(row, model, subject))
            for field in self.fields[model]:
                value = odm_value(row.get(field.attname))
                if value is not None:
                    etree.SubElement(
                        group, q("ItemData"), {"ItemOID": item_oid(model, field), "Value": value}
                    )
        return element

    def audit_record(self, row: dict, model, subject: Subject) -> etree._Element:
        record = etree.Element(q("AuditRecord"))
        etree.SubElement(record, q("UserRef"), {"UserOID": self.people.oid(row["history_user_id"])})
        etree.SubElement(record, q("LocationRef"), {"LocationOID": location_oid(subject.siteid)})
        record.append(_text_el("DateTimeStamp", _stamp(row["history_date"])))
        reason = row["history_change_reason"]
        if reason and not self.ctx.deidentified:
            record.append(_text_el("ReasonForChange", reason))
        record.append(
            _text_el("SourceID", f"{model._meta.label_lower} history {row['history_id']}")
        )
        return record


def _audit_records(
    ctx: ExportContext, people: People, sites: dict[int, str]
) -> Iterator[etree._Element]:
    entries = (
        audit_entries_for_user(ctx.user)
        .filter(at__lte=ctx.as_of)
        .values(
            "id",
            "at",
            "action",
            "model_label",
            "object_id",
            "version",
            "site_id",
            "user_id",
            "user_role",
            "reason",
        )
        .order_by("id")
        .iterator(chunk_size=ctx.chunk_size)
    )
    for entry in entries:
        record = etree.Element(q("AuditRecord"), {"ID": f"AR.{entry['id']}"}, nsmap=NSMAP)
        etree.SubElement(
            record, q("UserRef"), {"UserOID": people.oid(entry["user_id"], entry["user_role"])}
        )
        etree.SubElement(
            record, q("LocationRef"), {"LocationOID": location_oid(sites.get(entry["site_id"]))}
        )
        record.append(_text_el("DateTimeStamp", _stamp(entry["at"])))
        if entry["reason"] and not ctx.deidentified:
            record.append(_text_el("ReasonForChange", entry["reason"]))
        version = f" v{entry['version']}" if entry["version"] else ""
        record.append(
            _text_el(
                "SourceID",
                f"{entry['action']} {entry['model_label']} #{entry['object_id']}{version}",
            )
        )
        yield record


def _signature_rows(ctx: ExportContext):
    from edc.monitoring.models import Signature

    return (
        ctx.scoped(Signature)
        .filter(status=SignatureStatus.VALID)
        .values("id", "signer_id", "signed_at", "meaning", "patient__site__code")
        .order_by("id")
    )


class _Sink:
    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def odm_bytes(ctx: ExportContext, *, counter=None) -> Iterator[bytes]:
    """The ODM document as bytes pieces. ``ctx.as_of`` None means now (history as of now)."""
    moment = ctx.as_of or timezone.now()
    # Always from the history tables (as of now by default): each record's AuditRecord is the
    # historical row that wrote the values shown. ``updated_since`` selects subjects with a
    # change in any form.
    ctx = ExportContext(
        user=ctx.user, as_of=moment, updated_since=ctx.updated_since, chunk_size=ctx.chunk_size
    ).for_models(odm_models())
    people = People(ctx)
    # Signatures are few (one per casebook or visit signed): read before the document starts.
    signatures = list(_signature_rows(ctx))
    sites = dict(sites_visible_to(ctx.user).values_list("id", "code"))
    writer = ClinicalWriter(ctx, people)
    sink = _Sink()
    attrs = {
        "FileType": "Snapshot",
        "Granularity": "All",
        "FileOID": f"{STUDY_OID}.{moment:%Y%m%dT%H%M%S%f}",
        "CreationDateTime": timezone.localtime().isoformat(),
        "AsOfDateTime": _stamp(moment),
        "ODMVersion": ODM_VERSION,
        "Originator": "Trial EDC",
        "SourceSystem": "trial-edc",
    }
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(q("ODM"), attrs, nsmap=NSMAP):
            # ODM has no element for it: the audit trail's hash-chain head at export time, as a
            # comment, so a later verification can tell whether the trail was rewritten since.
            head = chain_head(using=read_alias())
            xf.write(etree.Comment(f" audit-chain-head sha256:{head.digest} "))
            xf.write(study_element(deidentified=ctx.deidentified))
            xf.write(admin_element(ctx, people, [s["meaning"] for s in signatures]))
            xf.flush()
            yield sink.drain()
            with xf.element(
                q("ClinicalData"), {"StudyOID": STUDY_OID, "MetaDataVersionOID": MDV_OID}
            ):
                for subject, groups in merge_by_subject(ctx.subjects(), **writer.streams()):
                    xf.write(writer.subject_element(subject, groups))
                    if counter is not None:
                        counter.rows += 1
                    if sink.size >= BUFFER_BYTES:
                        xf.flush()
                        yield sink.drain()
                with xf.element(q("AuditRecords")):
                    for record in _audit_records(ctx, people, sites):
                        xf.write(record)
                        if sink.size >= BUFFER_BYTES:
                            xf.flush()
                            yield sink.drain()
                if signatures:
                    with xf.element(q("Signatures")):
                        for row in signatures:
                            sig = etree.Element(
                                q("Signature"), {"ID": f"SG.{row['id']}"}, nsmap=NSMAP
                            )
                            etree.SubElement(
                                sig, q("UserRef"), {"UserOID": people.oid(row["signer_id"])}
                            )
                            etree.SubElement(
                                sig,
                                q("LocationRef"),
                                {"LocationOID": location_oid(row["patient__site__code"])},
                            )
                            etree.SubElement(
                                sig,
                                q("SignatureRef"),
                                {"SignatureOID": signature_def_oid(row["meaning"])},
                            )
                            sig.append(_text_el("DateTimeStamp", _stamp(row["signed_at"])))
                            xf.write(sig)
    yield sink.drain()


# --- Validation ----------------------------------------------------------------------------------
@cache
def schema(path: Path = VENDORED_XSD) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def validate(source, *, xsd: Path = VENDORED_XSD) -> list[str]:
    """Schema errors of an ODM file (a path or a binary file object); [] when valid.

    One pass with ``iterparse``: elements are dropped once read, so a large file is checked
    in constant memory.
    """
    try:
        for _event, element in etree.iterparse(source, events=("end",), schema=schema(Path(xsd))):
            element.clear(keep_tail=True)
    except etree.XMLSyntaxError as exc:
        return [str(exc)]
    return []
