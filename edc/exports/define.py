"""CDISC Define-XML 2.1 of the statisticians' datasets, and its HTML rendering.

Generated from the same declarative domain specs the datasets are written from (read through
``edc.exports.tabular``), so the metadata and the data cannot drift:

* one ``ItemGroupDef`` per domain (``IG.<DOMAIN>``) with its keys (``KeySequence``), class,
  structure and a ``def:leaf`` to its dataset file in the package (``dm.xpt`` …);
* one ``ItemDef`` per variable the reader receives (``IT.<DOMAIN>.<NAME>``): data type,
  length (the longest value of the export, measured by ``tabular.profile``), significant
  digits, label (at most 40 characters; a longer spec label is kept in a ``def:CommentDef``),
  unit, codelist and origin — *Collected* (a CRF field; with a ``def:DocumentRef`` to the
  annotated CRF when the package carries one), *Derived* (with its ``MethodDef``),
  *Assigned* (sponsor-defined constants and controlled terms) or *Protocol*;
* a ``CodeList`` for every controlled term a variable of the export uses;
* ``MethodDef``s for the derivations: the RECIST 1.1 responses and sums, the Mosteller BSA,
  the CTCAE v5.0 laboratory grades, the reference-range indicator and each variable whose
  spec says ``derived: …``;
* ``def:AnnotatedCRF`` pointing to ``acrf.pdf`` only when ``annotated_crf`` is given.

``validate`` checks a document against the vendored ODM 1.3.2 schema (Define-XML 2.1 extends
ODM 1.3.2: the ``def:`` elements and attributes are removed first, what remains must be valid
ODM) and the Define-XML rules ``def_errors`` checks. ``render_html`` applies CDISC's own
stylesheet (``schema/define-xml-2.1/define2-1.xsl``, MIT).
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils import timezone
from lxml import etree

from edc import protocol

from . import tabular
from .context import ExportContext, in_read_transaction
from .spec import Domain, Variable

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NS = "http://www.cdisc.org/ns/def/v2.1"
XLINK_NS = "http://www.w3.org/1999/xlink"
NSMAP = {None: ODM_NS, "def": DEF_NS, "xlink": XLINK_NS}
DEFINE_VERSION = "2.1.0"
SDTMIG = ("SDTMIG", "3.3")
STUDY_OID = protocol.TRIAL_ID
MDV_OID = f"MDV.SDTM.{protocol.PROTOCOL_VERSION}"
STANDARD_OID = "STD.SDTMIG.3.3"
ACRF_FILE = "acrf.pdf"
ACRF_LEAF = "LF.ACRF"
DEFINE_FILE = "define.xml"
DEFINE_HTML_FILE = "define.html"
LABEL_MAX = 40

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
STYLESHEET = SCHEMA_DIR / "define-xml-2.1" / "define2-1.xsl"
ODM_XSD = SCHEMA_DIR / "odm-1.3.2" / "ODM1-3-2.xsd"

# Origins (Define-XML 2.1 def:Origin/@Type) and their sources.
COLLECTED, DERIVED, ASSIGNED, PROTOCOL = "Collected", "Derived", "Assigned", "Protocol"
ORIGIN_TYPES = (COLLECTED, DERIVED, ASSIGNED, PROTOCOL, "Predecessor", "Not Available")
ORIGIN_SOURCES = ("Investigator", "Sponsor", "Subject", "Vendor")

# SDTM observation classes (SDTMIG 3.3).
CLASSES = {
    "DM": "SPECIAL PURPOSE",
    "SV": "SPECIAL PURPOSE",
    "EX": "INTERVENTIONS",
    "AE": "EVENTS",
    "DS": "EVENTS",
    "DV": "EVENTS",
    "LB": "FINDINGS",
    "VS": "FINDINGS",
    "TU": "FINDINGS",
    "TR": "FINDINGS",
    "RS": "FINDINGS",
}
DATA_TYPES = {
    tabular.TEXT: "text",
    tabular.INTEGER: "integer",
    tabular.FLOAT: "float",
    tabular.DATE: "date",
    tabular.DATETIME: "datetime",
}

# Derivations worth naming (method OID suffix, name, description), by (domain, variable).
RECIST_METHOD = (
    "RECIST",
    "RECIST 1.1 response",
    "Timepoint response computed by the EDC's RECIST 1.1 engine (assessments.recist) from the "
    "stored lesions: sum of target diameters (short axis for lymph nodes), percent change "
    "from baseline and from the nadir, non-target status and new lesions; best overall "
    "response with confirmation of CR/PR at least 4 weeks later.",
)
NAMED_METHODS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("EX", "EXBSA"): (
        "BSA",
        "Body surface area (Mosteller)",
        "BSA (m2) = square root of (height in cm x weight in kg / 3600), rounded to 2 "
        "decimals, computed from the latest height and weight when the dose was entered and "
        "stored with the administration as shown at entry (dosing.rules.bsa_mosteller).",
    ),
    ("LB", "LBTOXGR"): (
        "CTCAELAB",
        "CTCAE v5.0 laboratory grade",
        "Grade 0-4 of the result in standard units against the analyte's NCI CTCAE v5.0 "
        "thresholds (multiples of the upper or lower limit of normal of the laboratory's "
        "range valid on the collection date, or absolute values), computed when the result "
        "is stored (labs.grading.ctcae_grade).",
    ),
    ("LB", "LBNRIND"): (
        "NRIND",
        "Reference range indicator",
        "LOW when the standard result is below the normal range's lower limit, HIGH when "
        "above its upper limit, NORMAL otherwise, using the laboratory's range valid on the "
        "collection date.",
    ),
    ("RS", "RSORRES"): RECIST_METHOD,
    ("RS", "RSSTRESC"): RECIST_METHOD,
    ("TR", "TRSTRESN"): (
        "RECISTSUM",
        "RECIST 1.1 sums and changes",
        "Each target lesion's diameter (short axis for lymph nodes); PCBSD/PCNSD rows: sum of "
        "diameters and percent change from baseline and from the nadir, computed by the "
        "EDC's RECIST 1.1 engine (assessments.recist).",
    ),
}


@dataclass(frozen=True)
class Origin:
    type: str
    source: str
    description: str = ""
    method: tuple[str, str, str] | None = None  # (OID, name, description)


def item_group_oid(domain: Domain) -> str:
    return f"IG.{domain.code}"


def item_oid(domain: Domain, variable: Variable) -> str:
    return f"IT.{domain.code}.{variable.name}"


def codelist_oid(name: str) -> str:
    return f"CL.{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}"


_ASCII = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "…": "..."})


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return text.encode("ascii", "ignore").decode("ascii")


def sas_label(label: str) -> str:
    """The label in at most 40 ASCII characters (SAS V5 transport, SDTM): typographic quotes
    and dashes as plain ones, a parenthesis dropped first when too long."""
    label = _ascii(label)
    if len(label) <= LABEL_MAX:
        return label
    short = re.sub(r"\s*\([^)]*\)", "", label).strip()
    if len(short) <= LABEL_MAX and short:
        return short
    return label[:LABEL_MAX].rstrip()


NOT_CRF = ("edc.", "labs.catalogue", "assessments/data")


def _is_crf_field(text: str) -> bool:
    """``app.model.field`` or ``app.model`` first (how ``spec.origin`` names CRF fields)."""
    first = text.split(" ")[0].rstrip(",;")
    return not text.startswith(NOT_CRF) and bool(
        re.fullmatch(r"[a-z_]+\.[a-z0-9_]+(\.[a-z0-9_]+)?", first)
    )


def origin_of(domain: Domain, variable: Variable) -> Origin:
    """The Define-XML origin of a variable, read from its spec's ``origin`` text."""
    text = variable.origin.strip()
    named = NAMED_METHODS.get((domain.code, variable.name))
    if named is not None:
        oid, name, description = named
        return Origin(DERIVED, "Sponsor", text, (f"MT.{oid}", name, description))
    if text == "derived: constant":
        return Origin(ASSIGNED, "Sponsor", "The same value on every record")
    if text.startswith("derived"):
        rule = text.partition(":")[2].strip() or f"Derived by the EDC: {variable.label}."
        oid = f"MT.{domain.code}.{variable.name}"
        return Origin(DERIVED, "Sponsor", "", (oid, f"Derivation of {variable.name}", rule))
    if "recist" in text.lower():
        oid, name, description = RECIST_METHOD
        return Origin(DERIVED, "Sponsor", text, (f"MT.{oid}", name, description))
    if text.startswith("edc.protocol"):
        return Origin(PROTOCOL, "Sponsor", f"Study protocol ({text})")
    if _is_crf_field(text):
        return Origin(COLLECTED, "Investigator", f"CRF field {text}")
    if text.startswith("audit:"):
        return Origin(COLLECTED, "Investigator", f"Audit trail ({text[6:].strip()})")
    if text:
        return Origin(ASSIGNED, "Sponsor", text)
    return Origin(ASSIGNED, "Sponsor", "Assigned by the sponsor (constant or controlled term)")


@dataclass(frozen=True)
class DomainMeta:
    """What Define-XML says of one dataset of the export."""

    domain: Domain
    variables: tuple[Variable, ...]
    profile: tabular.Profile


def profiles(ctx: ExportContext, domains: Iterable[Domain] | None = None) -> list[DomainMeta]:
    """Measure every domain of ``ctx``'s export (one pass each, in one read transaction)."""

    def measure():
        for domain in domains if domains is not None else tabular.domains():
            yield DomainMeta(domain, tabular.variables(domain, ctx), tabular.profile(domain, ctx))

    return list(in_read_transaction(measure()))


def _text(parent, tag: str, text: str, **attrs):
    element = etree.SubElement(parent, tag, **attrs)
    translated = etree.SubElement(element, f"{{{ODM_NS}}}TranslatedText")
    translated.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    translated.text = text
    return element


def _o(tag: str) -> str:
    return f"{{{ODM_NS}}}{tag}"


def _d(tag: str) -> str:
    return f"{{{DEF_NS}}}{tag}"


def define_tree(
    metas: list[DomainMeta],
    *,
    dataset_ext: str = "xpt",
    annotated_crf: str | None = None,
    as_of=None,
) -> etree._ElementTree:
    """The Define-XML 2.1 document of the measured datasets (``profiles``).

    ``dataset_ext``: the package's dataset files the ``def:leaf``s point to;
    ``annotated_crf``: the aCRF's file name in the package (``acrf.pdf``) when there is one.
    """
    now = timezone.localtime().replace(microsecond=0)
    root = etree.Element(
        _o("ODM"),
        nsmap=NSMAP,
        FileOID=f"{protocol.TRIAL_ID}.DEFINE.{now:%Y%m%dT%H%M%S}",
        FileType="Snapshot",
        CreationDateTime=now.isoformat(),
        ODMVersion="1.3.2",
        Originator=f"{protocol.TRIAL_ID} EDC",
        SourceSystem="EDC",
        SourceSystemVersion=protocol.PROTOCOL_VERSION,
    )
    if as_of is not None:
        root.set("AsOfDateTime", timezone.localtime(as_of).replace(microsecond=0).isoformat())
    root.set(_d("Context"), "Submission")
    study = etree.SubElement(root, _o("Study"), OID=STUDY_OID)
    variables_ = etree.SubElement(study, _o("GlobalVariables"))
    etree.SubElement(variables_, _o("StudyName")).text = protocol.TRIAL_ID
    etree.SubElement(variables_, _o("StudyDescription")).text = protocol.TRIAL_TITLE
    etree.SubElement(variables_, _o("ProtocolName")).text = protocol.TRIAL_ID
    mdv = etree.SubElement(
        study,
        _o("MetaDataVersion"),
        OID=MDV_OID,
        Name=f"{protocol.TRIAL_ID} SDTM-like datasets, protocol version "
        f"{protocol.PROTOCOL_VERSION}",
        Description="Datasets of the statisticians' package, generated by the EDC from the "
        "same domain specifications as the data.",
    )
    mdv.set(_d("DefineVersion"), DEFINE_VERSION)
    standards = etree.SubElement(mdv, _d("Standards"))
    etree.SubElement(
        standards,
        _d("Standard"),
        OID=STANDARD_OID,
        Name=SDTMIG[0],
        Type="IG",
        Version=SDTMIG[1],
        Status="Final",
    )
    if annotated_crf:
        acrf = etree.SubElement(mdv, _d("AnnotatedCRF"))
        etree.SubElement(acrf, _d("DocumentRef"), leafID=ACRF_LEAF)

    lists = tabular.codelists(m.domain for m in metas)
    used_lists: dict[str, str] = {}  # name → data type of the first variable using it
    methods: dict[str, tuple[str, str]] = {}
    method_of_rule: dict[str, str] = {}  # one MethodDef per rule (USUBJID, --SEQ…)
    comments: dict[str, str] = {}
    items = []
    for meta in metas:
        domain = meta.domain
        group = etree.SubElement(
            mdv,
            _o("ItemGroupDef"),
            OID=item_group_oid(domain),
            Domain=domain.code,
            Name=domain.code,
            SASDatasetName=domain.code,
            Repeating="No" if domain.code == "DM" else "Yes",
            IsReferenceData="No",
            Purpose="Tabulation",
        )
        group.set(_d("Structure"), _structure(domain))
        group.set(_d("StandardOID"), STANDARD_OID)
        group.set(_d("ArchiveLocationID"), f"LF.{domain.code}")
        _text(group, _o("Description"), sas_label(domain.label))
        keys = tabular.keys(domain)
        for order, variable in enumerate(meta.variables, start=1):
            origin = origin_of(domain, variable)
            ref = etree.SubElement(
                group,
                _o("ItemRef"),
                ItemOID=item_oid(domain, variable),
                OrderNumber=str(order),
                Mandatory="Yes" if variable.name in keys or order <= 3 else "No",
            )
            if variable.name in keys:
                ref.set("KeySequence", str(keys.index(variable.name) + 1))
            if origin.method is not None:
                oid, name, description = origin.method
                oid = method_of_rule.setdefault(description, oid)
                ref.set("MethodOID", oid)
                methods.setdefault(oid, (name, description))
            if variable.codelist and variable.codelist in lists:
                used_lists.setdefault(variable.codelist, DATA_TYPES[variable.type])
            items.append((domain, variable, origin, meta.profile))
        etree.SubElement(group, _d("Class"), Name=CLASSES.get(domain.code, "FINDINGS"))
        leaf = etree.SubElement(group, _d("leaf"), ID=f"LF.{domain.code}")
        leaf.set(f"{{{XLINK_NS}}}href", f"{domain.filename_stem}.{dataset_ext}")
        etree.SubElement(leaf, _d("title")).text = f"{domain.filename_stem}.{dataset_ext}"

    for domain, variable, origin, profile in items:
        kind = DATA_TYPES[variable.type]
        item = etree.SubElement(
            mdv,
            _o("ItemDef"),
            OID=item_oid(domain, variable),
            Name=variable.name,
            DataType=kind,
        )
        if kind in ("text", "integer", "float"):
            item.set("Length", str(profile.length(variable.name)))
        if kind == "float":
            item.set("SignificantDigits", str(profile.decimals.get(variable.name, 0)))
        item.set("SASFieldName", variable.name)
        label = sas_label(variable.label)
        if label != variable.label:
            comment_oid = f"COM.{domain.code}.{variable.name}"
            comments[comment_oid] = f"Full label: {variable.label}"
            item.set(_d("CommentOID"), comment_oid)
        _text(item, _o("Description"), label)
        if variable.codelist and variable.codelist in lists:
            etree.SubElement(item, _o("CodeListRef"), CodeListOID=codelist_oid(variable.codelist))
        element = etree.SubElement(item, _d("Origin"), Type=origin.type, Source=origin.source)
        if origin.description:
            _text(element, _o("Description"), origin.description)
        if origin.type == COLLECTED and annotated_crf:
            etree.SubElement(element, _d("DocumentRef"), leafID=ACRF_LEAF)

    for name in sorted(used_lists):
        codelist = etree.SubElement(
            mdv, _o("CodeList"), OID=codelist_oid(name), Name=name, DataType=used_lists[name]
        )
        terms = dict(reversed(lists[name]))  # a code listed twice: its first decode
        for rank, code in enumerate(dict.fromkeys(c for c, _d in lists[name]), start=1):
            decode = terms[code]
            entry = etree.SubElement(
                codelist, _o("CodeListItem"), CodedValue=str(code), Rank=str(rank)
            )
            _text(entry, _o("Decode"), str(decode))
    for oid in sorted(methods):
        name, description = methods[oid]
        method = etree.SubElement(mdv, _o("MethodDef"), OID=oid, Name=name, Type="Computation")
        _text(method, _o("Description"), description)
    for oid in sorted(comments):
        comment = etree.SubElement(mdv, _d("CommentDef"), OID=oid)
        _text(comment, _o("Description"), comments[oid])
    if annotated_crf:
        leaf = etree.SubElement(mdv, _d("leaf"), ID=ACRF_LEAF)
        leaf.set(f"{{{XLINK_NS}}}href", annotated_crf)
        etree.SubElement(leaf, _d("title")).text = "Annotated Case Report Form"
    return etree.ElementTree(root)


def _structure(domain: Domain) -> str:
    keys = [k for k in tabular.keys(domain) if k not in ("STUDYID", "USUBJID", "DOMAIN")]
    if domain.code == "DM":
        return "One record per subject"
    return "One record per subject" + (" per " + " per ".join(keys) if keys else "")


def define_bytes(tree: etree._ElementTree) -> bytes:
    document = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    # The browser renders a define.xml beside define2-1.xsl with CDISC's stylesheet.
    head, _, rest = document.partition(b"\n")
    return head + b'\n<?xml-stylesheet type="text/xsl" href="define2-1.xsl"?>\n' + rest


def define_document(
    ctx: ExportContext,
    *,
    metas: list[DomainMeta] | None = None,
    dataset_ext: str = "xpt",
    annotated_crf: str | None = None,
) -> bytes:
    """define.xml of ``ctx``'s export (measured now unless ``metas`` are given)."""
    metas = metas if metas is not None else profiles(ctx)
    tree = define_tree(metas, dataset_ext=dataset_ext, annotated_crf=annotated_crf, as_of=ctx.as_of)
    return define_bytes(tree)


@cache
def _stylesheet() -> etree.XSLT:
    return etree.XSLT(etree.parse(str(STYLESHEET)))


def render_html(document: bytes) -> bytes:
    """define.html: the document through CDISC's define2-1.xsl."""
    result = _stylesheet()(etree.fromstring(document))
    return bytes(result)


@cache
def _odm_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(ODM_XSD)))


def odm_core(document: bytes | etree._ElementTree) -> etree._ElementTree:
    """The document without its Define-XML extensions (``def:`` and ``xlink:`` elements and
    attributes): plain ODM 1.3.2."""
    tree = (
        etree.ElementTree(etree.fromstring(document))
        if isinstance(document, bytes)
        else copy.deepcopy(document)
    )
    for element in list(tree.iter()):
        if not isinstance(element.tag, str):
            continue
        if element.tag.startswith(f"{{{DEF_NS}}}"):
            element.getparent().remove(element)
            continue
        for name in list(element.attrib):
            if name.startswith((f"{{{DEF_NS}}}", f"{{{XLINK_NS}}}")):
                del element.attrib[name]
    etree.cleanup_namespaces(tree)
    return tree


def validate(document: bytes) -> list[str]:
    """Schema errors of the ODM 1.3.2 core of the document (empty when valid)."""
    schema = _odm_schema()
    if schema.validate(odm_core(document)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
