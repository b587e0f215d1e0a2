"""Define-XML 2.1 of the package: valid ODM 1.3.2 underneath, the Define-XML rules we can
check, one ItemDef per exported column (and no other), the aCRF link only with an aCRF, and
CDISC's stylesheet rendering it for people.

The Define-XML 2.1 rules checked here (``def_rule_errors``), from the Define-XML 2.1
specification, besides the ODM 1.3.2 schema (the document without its ``def:`` extensions):

 1. ODM/@def:Context is "Submission" or "Other"; MetaDataVersion/@def:DefineVersion is 2.1.0.
 2. def:Standards lists at least one def:Standard (Name, Type, Version, Status); every
    ItemGroupDef's def:StandardOID names one of them.
 3. Every OID is unique, and every reference resolves: ItemRef/@ItemOID, ItemRef/@MethodOID,
    CodeListRef/@CodeListOID, @def:CommentOID, def:DocumentRef/@leafID,
    ItemGroupDef/@def:ArchiveLocationID.
 4. ItemGroupDef: Name = SASDatasetName = Domain, at most 8 characters; Purpose "Tabulation";
    a def:Structure; a def:Class with an SDTM class name; exactly one def:leaf, whose ID is
    the def:ArchiveLocationID and whose xlink:href names a file of the package; a Description;
    children in the order Description, ItemRef…, def:Class, def:leaf.
 5. ItemRef: OrderNumber 1…n in order; KeySequence 1…k without gaps; a key is Mandatory.
 6. ItemDef: Name = SASFieldName, at most 8 characters, letters/digits; a Description of at
    most 40 characters; Length (≥ 1) on text, integer and float, SignificantDigits only on
    float; exactly one def:Origin with an allowed Type and Source; a Derived origin's ItemRef
    has a MethodOID, and only a Derived one.
 7. CodeList: the DataType of every ItemDef referring to it; at least one item; no code twice.
 8. MethodDef: Type "Computation" or "Imputation" and a Description.
 9. def:AnnotatedCRF only when an aCRF is in the package: its DocumentRef points to a def:leaf
    whose xlink:href is acrf.pdf, and every Collected origin refers to it.
"""

import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from lxml import etree

from edc.exports import define, package
from edc.exports.context import ExportContext
from edc.exports.domains import DOMAINS
from edc.exports.tabular import variables
from tests.conftest import require_real_service

from .conftest import csv_rows

NS = {"odm": define.ODM_NS, "def": define.DEF_NS, "xlink": define.XLINK_NS}
SDTM_CLASSES = {"SPECIAL PURPOSE", "INTERVENTIONS", "EVENTS", "FINDINGS", "TRIAL DESIGN"}
DEF = f"{{{define.DEF_NS}}}"
HREF = f"{{{define.XLINK_NS}}}href"
ACRF = b"%PDF-1.4\n% blank annotated CRF for the test\n"


def build(user, **kwargs) -> zipfile.ZipFile:
    out = io.BytesIO()
    package.write_package(out, ctx=ExportContext(user=user), **kwargs)
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


def def_rule_errors(tree, members: set[str]) -> list[str]:  # noqa: C901 - one rule a block
    errors = []
    root = tree.getroot()
    mdv = root.find("odm:Study/odm:MetaDataVersion", NS)
    # 1
    if root.get(f"{DEF}Context") not in ("Submission", "Other"):
        errors.append("1: def:Context")
    if mdv.get(f"{DEF}DefineVersion") != "2.1.0":
        errors.append("1: def:DefineVersion")
    # 2
    standards = {s.get("OID"): s for s in mdv.findall("def:Standards/def:Standard", NS)}
    if not standards or any(
        not all(s.get(a) for a in ("Name", "Type", "Version", "Status")) for s in standards.values()
    ):
        errors.append("2: def:Standards")
    # 3
    oids = Counter(e.get("OID") for e in root.iter() if e.get("OID"))
    errors += [f"3: OID {oid} twice" for oid, n in oids.items() if n > 1]
    leaves = {e.get("ID"): e for e in mdv.iter(f"{DEF}leaf")}
    references = [
        *(e.get("ItemOID") for e in mdv.iterfind(".//odm:ItemRef", NS)),
        *(e.get("MethodOID") for e in mdv.iterfind(".//odm:ItemRef[@MethodOID]", NS)),
        *(e.get("CodeListOID") for e in mdv.iterfind(".//odm:CodeListRef", NS)),
        *(e.get(f"{DEF}CommentOID") for e in mdv.iter() if e.get(f"{DEF}CommentOID")),
    ]
    errors += [f"3: {ref} unresolved" for ref in references if ref not in oids]
    for ref in mdv.iterfind(".//def:DocumentRef", NS):
        if ref.get("leafID") not in leaves:
            errors.append(f"3: leaf {ref.get('leafID')} unresolved")
    item_defs = {e.get("OID"): e for e in mdv.findall("odm:ItemDef", NS)}
    # 4, 5
    method_refs = {}
    for group in mdv.findall("odm:ItemGroupDef", NS):
        name = group.get("Name")
        if not (name == group.get("SASDatasetName") == group.get("Domain") and len(name) <= 8):
            errors.append(f"4: {name} names")
        if group.get("Purpose") != "Tabulation" or not group.get(f"{DEF}Structure"):
            errors.append(f"4: {name} purpose/structure")
        if group.get(f"{DEF}StandardOID") not in standards:
            errors.append(f"2: {name} standard")
        classes = group.findall("def:Class", NS)
        if len(classes) != 1 or classes[0].get("Name") not in SDTM_CLASSES:
            errors.append(f"4: {name} class")
        group_leaves = group.findall("def:leaf", NS)
        if (
            len(group_leaves) != 1
            or group_leaves[0].get("ID") != group.get(f"{DEF}ArchiveLocationID")
            or group_leaves[0].get(HREF) not in members
        ):
            errors.append(f"4: {name} leaf")
        tags = [etree.QName(c).localname for c in group]
        expected = ["Description", *["ItemRef"] * tags.count("ItemRef"), "Class", "leaf"]
        if tags != expected:
            errors.append(f"4: {name} child order {tags}")
        refs = group.findall("odm:ItemRef", NS)
        if [int(r.get("OrderNumber")) for r in refs] != list(range(1, len(refs) + 1)):
            errors.append(f"5: {name} OrderNumber")
        keys = sorted(int(r.get("KeySequence")) for r in refs if r.get("KeySequence"))
        if keys != list(range(1, len(keys) + 1)):
            errors.append(f"5: {name} KeySequence")
        if any(r.get("KeySequence") and r.get("Mandatory") != "Yes" for r in refs):
            errors.append(f"5: {name} key not mandatory")
        for ref in refs:
            method_refs[ref.get("ItemOID")] = ref.get("MethodOID")
    # 6
    list_types: dict[str, set] = {}
    for oid, item in item_defs.items():
        name, kind = item.get("Name"), item.get("DataType")
        if name != item.get("SASFieldName") or not re.fullmatch(r"[A-Z][A-Z0-9_]{0,7}", name):
            errors.append(f"6: {oid} name")
        label = item.findtext("odm:Description/odm:TranslatedText", namespaces=NS)
        if not label or len(label) > 40:
            errors.append(f"6: {oid} label {label!r}")
        if kind in ("text", "integer", "float") and int(item.get("Length") or 0) < 1:
            errors.append(f"6: {oid} length")
        if (item.get("SignificantDigits") is not None) != (kind == "float"):
            errors.append(f"6: {oid} significant digits")
        origins = item.findall("def:Origin", NS)
        if len(origins) != 1 or origins[0].get("Type") not in define.ORIGIN_TYPES:
            errors.append(f"6: {oid} origin")
            continue
        if origins[0].get("Source") not in define.ORIGIN_SOURCES:
            errors.append(f"6: {oid} origin source")
        if (origins[0].get("Type") == "Derived") != bool(method_refs.get(oid)):
            errors.append(f"6: {oid} derived without method, or method without derivation")
        for ref in item.findall("odm:CodeListRef", NS):
            list_types.setdefault(ref.get("CodeListOID"), set()).add(kind)
    # 7
    for codelist in mdv.findall("odm:CodeList", NS):
        oid = codelist.get("OID")
        if list_types.get(oid, {codelist.get("DataType")}) != {codelist.get("DataType")}:
            errors.append(f"7: {oid} data type")
        codes = [i.get("CodedValue") for i in codelist.findall("odm:CodeListItem", NS)]
        if not codes or len(codes) != len(set(codes)):
            errors.append(f"7: {oid} items")
    # 8
    for method in mdv.findall("odm:MethodDef", NS):
        if method.get("Type") not in ("Computation", "Imputation") or not method.findtext(
            "odm:Description/odm:TranslatedText", namespaces=NS
        ):
            errors.append(f"8: {method.get('OID')}")
    # 9
    acrf = mdv.findall("def:AnnotatedCRF/def:DocumentRef", NS)
    if acrf:
        leaf = leaves.get(acrf[0].get("leafID"))
        if leaf is None or leaf.get(HREF) != define.ACRF_FILE or define.ACRF_FILE not in members:
            errors.append("9: aCRF leaf")
        for origin in mdv.iterfind("odm:ItemDef/def:Origin[@Type='Collected']", NS):
            if origin.find("def:DocumentRef", NS) is None:
                errors.append("9: collected origin without the aCRF")
    elif define.ACRF_FILE in members:
        errors.append("9: aCRF in the package but not linked")
    return errors


def item_columns(tree) -> dict[str, list[str]]:
    """Domain → its ItemDefs' names in ItemRef order."""
    mdv = tree.getroot().find("odm:Study/odm:MetaDataVersion", NS)
    names = {e.get("OID"): e.get("Name") for e in mdv.findall("odm:ItemDef", NS)}
    return {
        g.get("Name"): [names[r.get("ItemOID")] for r in g.findall("odm:ItemRef", NS)]
        for g in mdv.findall("odm:ItemGroupDef", NS)
    }


@pytest.mark.django_db
def test_the_package_define_xml_is_valid_odm_and_follows_the_define_xml_rules(trial, data_manager):
    archive = build(data_manager, annotated_crf=ACRF)
    members = set(archive.namelist())
    document = archive.read("define.xml")
    assert define.validate(document) == []
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["define_schema_valid"] is True
    tree = etree.ElementTree(etree.fromstring(document))
    assert def_rule_errors(tree, members) == []
    mdv = tree.getroot().find("odm:Study/odm:MetaDataVersion", NS)
    # The derivations a reviewer looks for are described by a method.
    methods = {m.get("OID"): m for m in mdv.findall("odm:MethodDef", NS)}
    assert {"MT.RECIST", "MT.BSA", "MT.CTCAELAB", "MT.RECISTSUM"} <= set(methods)
    refs = {r.get("ItemOID"): r for r in mdv.iterfind(".//odm:ItemRef", NS)}
    assert refs["IT.RS.RSORRES"].get("MethodOID") == "MT.RECIST"
    assert refs["IT.EX.EXBSA"].get("MethodOID") == "MT.BSA"
    assert refs["IT.LB.LBTOXGR"].get("MethodOID") == "MT.CTCAELAB"
    # Every controlled term a variable uses has its codelist, with the terms of the export.
    sex = mdv.find("odm:CodeList[@OID='CL.SEX']", NS)
    assert {i.get("CodedValue") for i in sex.findall("odm:CodeListItem", NS)} >= {"F"}
    assert (
        mdv.find("odm:ItemDef[@OID='IT.DM.SEX']/odm:CodeListRef", NS).get("CodeListOID") == "CL.SEX"
    )
    # Keys of the data dictionary, in order.
    ae_keys = sorted(
        (int(r.get("KeySequence")), r.get("ItemOID"))
        for r in mdv.findall("odm:ItemGroupDef[@OID='IG.AE']/odm:ItemRef", NS)
        if r.get("KeySequence")
    )
    assert [oid.split(".")[-1] for _n, oid in ae_keys] == list(DOMAINS[4].keys)
    # Lengths are those of the data: no value of the CSV is longer than its ItemDef says.
    lengths = {
        (e.get("OID")): int(e.get("Length"))
        for e in mdv.findall("odm:ItemDef[@DataType='text']", NS)
    }
    for domain in DOMAINS:
        for row in csv_rows(archive.read(f"{domain.filename_stem}.csv")):
            for name, value in row.items():
                limit = lengths.get(f"IT.{domain.code}.{name}")
                if limit is not None and value:
                    assert len(value.lstrip("'").encode()) <= limit, (domain.code, name)
    # The aCRF is in the package and linked.
    assert archive.read("acrf.pdf") == ACRF


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["data_manager", "statistician"])
def test_every_exported_variable_has_an_item_def_and_every_item_def_a_column(trial, role, request):
    user = request.getfixturevalue(role)
    archive = build(user)
    members = set(archive.namelist())
    tree = etree.ElementTree(etree.fromstring(archive.read("define.xml")))
    assert def_rule_errors(tree, members) == []
    columns = item_columns(tree)
    ctx = ExportContext(user=user)
    assert list(columns) == [d.code for d in DOMAINS]
    for domain in DOMAINS:
        stem = domain.filename_stem
        csv_header = archive.read(f"{stem}.csv").decode().splitlines()[0].split(",")
        dataset_json = json.loads(archive.read(f"dataset-json/{stem}.json"))
        assert columns[domain.code] == csv_header, domain.code
        assert columns[domain.code] == [v.name for v in variables(domain, ctx)]
        assert [c["name"] for c in dataset_json["columns"]] == csv_header
    if role == "statistician":  # identifying variables are in neither the data nor the define
        assert "BRTHDTC" not in columns["DM"] and "AECOMM" not in columns["AE"]
    # No aCRF given: no link to one.
    mdv = tree.getroot().find("odm:Study/odm:MetaDataVersion", NS)
    assert mdv.find("def:AnnotatedCRF", NS) is None and "acrf.pdf" not in members


@pytest.mark.django_db
def test_define_html_is_cdisc_stylesheet_rendering_of_the_define_xml(trial, data_manager):
    archive = build(data_manager)
    html = archive.read("define.html").decode("utf-8")
    assert html.lstrip().startswith("<!DOCTYPE html")
    for domain in DOMAINS:
        assert f"{domain.code} (" in html or f">{domain.code}<" in html, domain.code
    assert "Body surface area (Mosteller)" in html and "Adverse Events" in html
    # The stylesheet travels with define.xml, which names it.
    assert archive.read("define2-1.xsl") == define.STYLESHEET.read_bytes()
    assert b'href="define2-1.xsl"' in archive.read("define.xml")[:200]


@pytest.mark.django_db
def test_the_define_xml_of_an_as_of_package_describes_the_data_as_of_then(trial, data_manager):
    before = timezone.now()
    ctx = ExportContext(user=data_manager, as_of=before)
    document = define.define_document(ctx)
    root = etree.fromstring(document)
    assert root.get("AsOfDateTime")
    assert define.validate(document) == []


def test_the_vendored_stylesheet_is_byte_for_byte_cdisc_one():
    shared = Path(settings.BASE_DIR).parent / "shared" / "standards" / "define-xml-2.1"
    require_real_service(shared.exists(), f"the Define-XML 2.1 standards at {shared}")
    vendored = define.STYLESHEET.parent
    for name in ("define2-1.xsl", "LICENSE"):
        assert (vendored / name).read_bytes() == (shared / name).read_bytes(), name
