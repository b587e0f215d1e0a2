"""VS — Vital Signs: weight, height, blood pressure, pulse, temperature and ECOG performance
status, one row per test (screening and each cycle day 1).

ECOG is kept here beside the visit's vitals (it is entered on the same form); SDTMIG 3.3 would
put it in RS with RSCAT = "ECOG".
"""

from assessments.models import VitalSigns
from patients.models import Patient

from ..codelists import visit_term
from ..spec import (
    DATE,
    FLOAT,
    INTEGER,
    TEXT,
    Domain,
    Part,
    Stream,
    Unpivot,
    Variable,
    col,
    identifiers,
    origin,
)

V = VitalSigns
# (VSTESTCD, VSTEST, model field, unit)
TESTS: tuple[tuple[str, str, str, str], ...] = (
    ("WEIGHT", "Weight", "weight_kg", "kg"),
    ("HEIGHT", "Height", "height_cm", "cm"),
    ("SYSBP", "Systolic Blood Pressure", "systolic_bp", "mmHg"),
    ("DIABP", "Diastolic Blood Pressure", "diastolic_bp", "mmHg"),
    ("PULSE", "Pulse Rate", "heart_rate", "beats/min"),
    ("TEMP", "Temperature", "temperature_c", "C"),
    ("ECOG", "ECOG Performance Status", "ecog", ""),
)


# One row of vital signs, one record per test measured (ECOG included), in test order.
STREAM = Stream(
    parts=(Part(V),),
    order_by=("measured_on", "id"),
    unpivot=Unpivot(
        value="value",
        items=tuple(
            ({"testcd": testcd, "test": test, "unit": unit or None}, field)
            for testcd, test, field, unit in TESTS
        ),
    ),
)


DOMAIN = Domain(
    code="VS",
    stream=STREAM,
    label="Vital Signs",
    description=(
        "Vital signs and ECOG performance status at screening and each cycle day 1 (one row "
        "per test); the original and standard units are the same."
    ),
    keys=("STUDYID", "USUBJID", "VSTESTCD", "VSDTC"),
    models=(Patient, VitalSigns),
    variables=(
        *identifiers("VS", "VSSEQ"),
        Variable(
            "VSSPID",
            "Sponsor-Defined Identifier (record id)",
            INTEGER,
            col("id"),
            origin=origin(V, "id"),
        ),
        Variable(
            "VSTESTCD", "Vital Signs Test Short Name", TEXT, col("testcd"), codelist="VSTESTCD"
        ),
        Variable("VSTEST", "Vital Signs Test Name", TEXT, col("test")),
        Variable(
            "VSORRES",
            "Result or Finding in Original Units",
            TEXT,
            col("value"),
            origin="assessments.vitalsigns (one field per test)",
        ),
        Variable("VSORRESU", "Original Units", TEXT, col("unit"), codelist="VSUNIT"),
        Variable(
            "VSSTRESN",
            "Numeric Result/Finding in Standard Units",
            FLOAT,
            col("value"),
            origin="assessments.vitalsigns (one field per test)",
        ),
        Variable("VSSTRESU", "Standard Units", TEXT, col("unit"), codelist="VSUNIT"),
        Variable(
            "VISIT",
            "Visit Name",
            TEXT,
            visit_term("visit"),
            codelist="VISIT",
            origin=origin(V, "visit"),
        ),
        Variable(
            "VSDTC",
            "Date/Time of Measurements",
            DATE,
            col("measured_on"),
            origin=origin(V, "measured_on"),
        ),
    ),
    codelists={
        "VSTESTCD": tuple((testcd, test) for testcd, test, _field, _unit in TESTS),
        "VSUNIT": tuple((unit, unit) for _t, _n, _f, unit in TESTS if unit),
    },
)
