"""The analytes this trial measures, declared once as plain, frozen data.

Protocol "Laboratory and immune monitoring": haematology (ANC, platelets, haemoglobin, WBC,
lymphocytes) before each paclitaxel dose, chemistry (bilirubin, ALT, AST, creatinine) each D1,
and the immune-monitoring panel (absolute counts and % of monocytes, myeloid and plasmacytoid
dendritic cells, NK cells, CD8 T cells, effector-memory CD8 T cells, plus activation markers on
monocytes/DC). Unit conversion (``labs.units``), CTCAE grading (``labs.grading``), forms and
exports read these declarations; adding an analyte or accepting a new unit is one edit here.

Every value is stored and graded in the analyte's *standard unit*:

- cell counts in haematology: 10^9/L (the unit CTCAE v5.0 states its cut-offs in);
- haemoglobin: **g/dL**, because CTCAE v5.0 "Anemia" and the protocol's eligibility criterion
  (haemoglobin >= 9 g/dL) are written in g/dL, so a reviewer checks thresholds without converting;
- bilirubin and creatinine: µmol/L (SI); ALT/AST: U/L (their CTCAE grades are multiples of ULN,
  so the unit only has to match the normal range);
- immune-panel absolute counts: cells/µL (dendritic cells are tens per µL; 10^9/L would make
  them 0.0xx); percentages: %.

An alternative unit converts as ``standard = value * multiply_by / divide_by``.

Physiological limits (standard units, inclusive) bound what a human blood sample can contain;
a value outside them is a typing or unit error and is refused. They are deliberately generous —
well beyond the most extreme values reported in the literature (hyperleukocytosis in leukaemia,
extreme thrombocytosis, acute liver failure, end-stage renal disease) — so they never refuse a
true result, only impossible ones (a negative count, Hgb 120 g/dL typed into a g/dL field, a
percentage above 100). The *normal range* is a different thing: it comes from each site's
laboratory with the result and only produces an L/H flag.

This module imports nothing of ours and touches no ORM (only Django's lazy translation).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

HAEMATOLOGY = "haematology"
CHEMISTRY = "chemistry"
IMMUNE = "immune"
PANELS: tuple[str, ...] = (HAEMATOLOGY, CHEMISTRY, IMMUNE)

# Canonical unit labels (what forms offer and exports print).
G_PER_L_CELLS = "10^9/L"
K_PER_UL = "10^3/µL"
CELLS_PER_UL = "cells/µL"
PER_MM3 = "/mm3"
G_PER_DL = "g/dL"
G_PER_L = "g/L"
MMOL_PER_L = "mmol/L"
UMOL_PER_L = "µmol/L"
MG_PER_DL = "mg/dL"
U_PER_L = "U/L"
UKAT_PER_L = "µkat/L"
PERCENT = "%"

# CTCAE v5.0 terms graded from a lab value (exact spelling of the NCI workbook).
CTCAE_NEUTROPHIL_COUNT_DECREASED = "Neutrophil count decreased"
CTCAE_PLATELET_COUNT_DECREASED = "Platelet count decreased"
CTCAE_ANEMIA = "Anemia"
CTCAE_WBC_DECREASED = "White blood cell decreased"
CTCAE_LYMPHOCYTE_COUNT_DECREASED = "Lymphocyte count decreased"
CTCAE_BILIRUBIN_INCREASED = "Blood bilirubin increased"
CTCAE_ALT_INCREASED = "Alanine aminotransferase increased"
CTCAE_AST_INCREASED = "Aspartate aminotransferase increased"
CTCAE_CREATININE_INCREASED = "Creatinine increased"

UNKNOWN_ANALYTE_MESSAGE = _("Unknown analyte code {code!r}.")


class LabValueError(ValueError):
    """Base class for a lab value the system cannot accept (unknown analyte, unit, range)."""


class UnknownAnalyteError(LabValueError):
    pass


@dataclass(frozen=True)
class UnitConversion:
    """An accepted alternative unit: ``standard = value * multiply_by / divide_by``."""

    unit: str
    multiply_by: Decimal = Decimal(1)
    divide_by: Decimal = Decimal(1)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Analyte:
    code: str
    name: str
    panel: str
    unit: str  # standard unit: storage, normal ranges, grading
    physiological_min: Decimal
    physiological_max: Decimal
    # Converted values are rounded to this many decimal places (see ``labs.units``).
    decimals: int
    unit_aliases: tuple[str, ...] = ()  # spellings of the standard unit
    alternative_units: tuple[UnitConversion, ...] = ()
    ctcae_term: str | None = None

    @property
    def label(self) -> str:
        """The name shown on pages, in the user's language (``name`` stays the English test
        name that exports print)."""
        return ANALYTE_LABELS.get(self.code, self.name)

    @property
    def units(self) -> tuple[str, ...]:
        """Every accepted unit, standard first."""
        return (self.unit, *(alt.unit for alt in self.alternative_units))


# --- Unit families --------------------------------------------------------------------------
# 1 µL = 1 mm3; 10^9/L = 10^3/µL = 1000 cells/µL.
_BLOOD_COUNT_ALIASES = ("x10^9/L", "x 10^9/L", "10e9/L", "x10e9/L", "G/L", "Giga/L", "10^9 cells/L")
_BLOOD_COUNT_ALTERNATIVES = (
    UnitConversion(K_PER_UL, aliases=("x10^3/µL", "10e3/µL", "K/µL", "10^3/mm3", "x10^3/mm3")),
    UnitConversion(CELLS_PER_UL, divide_by=Decimal(1000), aliases=("/µL", "cells/mcL", "/mcL")),
    UnitConversion(PER_MM3, divide_by=Decimal(1000), aliases=("cells/mm3", "/mm^3")),
)
_IMMUNE_COUNT_ALIASES = ("/µL", "cells/mcL", "/mcL")
_IMMUNE_COUNT_ALTERNATIVES = (
    UnitConversion(PER_MM3, aliases=("cells/mm3", "/mm^3")),
    UnitConversion(G_PER_L_CELLS, multiply_by=Decimal(1000), aliases=("x10^9/L", "10e9/L", "G/L")),
)
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


def _blood_count(code: str, name: str, maximum: str, ctcae_term: str) -> Analyte:
    return Analyte(
        code=code,
        name=name,
        panel=HAEMATOLOGY,
        unit=G_PER_L_CELLS,
        unit_aliases=_BLOOD_COUNT_ALIASES,
        alternative_units=_BLOOD_COUNT_ALTERNATIVES,
        physiological_min=_ZERO,
        physiological_max=Decimal(maximum),
        decimals=3,
        ctcae_term=ctcae_term,
    )


def _immune_count(code: str, name: str, maximum: str) -> Analyte:
    return Analyte(
        code=code,
        name=name,
        panel=IMMUNE,
        unit=CELLS_PER_UL,
        unit_aliases=_IMMUNE_COUNT_ALIASES,
        alternative_units=_IMMUNE_COUNT_ALTERNATIVES,
        physiological_min=_ZERO,
        physiological_max=Decimal(maximum),
        decimals=1,
    )


def _immune_percent(code: str, name: str) -> Analyte:
    return Analyte(
        code=code,
        name=name,
        panel=IMMUNE,
        unit=PERCENT,
        unit_aliases=("pct", "percent"),
        physiological_min=_ZERO,
        physiological_max=_HUNDRED,
        decimals=2,
    )


ANALYTES: tuple[Analyte, ...] = (
    # --- Haematology (before each paclitaxel dose) ---
    # Upper limits: hyperleukocytosis in acute/chronic leukaemia rarely exceeds 300-500 x 10^9/L;
    # extreme reactive/essential thrombocytosis stays below ~5000 x 10^9/L.
    _blood_count("ANC", "Absolute neutrophil count", "300", CTCAE_NEUTROPHIL_COUNT_DECREASED),
    _blood_count("PLT", "Platelets", "5000", CTCAE_PLATELET_COUNT_DECREASED),
    Analyte(
        code="HGB",
        name="Haemoglobin",
        panel=HAEMATOLOGY,
        unit=G_PER_DL,
        unit_aliases=("g/100mL", "g%"),
        alternative_units=(
            UnitConversion(G_PER_L, divide_by=Decimal(10)),
            # 1 g/dL = 0.6206 mmol/L (haemoglobin monomer, 16.11 kDa).
            UnitConversion(MMOL_PER_L, divide_by=Decimal("0.6206"), aliases=("mM",)),
        ),
        # Survival has been reported around 1.5-2 g/dL and polycythaemia near 25 g/dL.
        physiological_min=Decimal(1),
        physiological_max=Decimal(25),
        decimals=2,
        ctcae_term=CTCAE_ANEMIA,
    ),
    _blood_count("WBC", "White blood cells", "500", CTCAE_WBC_DECREASED),
    _blood_count("LYM", "Lymphocytes", "400", CTCAE_LYMPHOCYTE_COUNT_DECREASED),
    # --- Chemistry (each D1) ---
    Analyte(
        code="BILI",
        name="Total bilirubin",
        panel=CHEMISTRY,
        unit=UMOL_PER_L,
        unit_aliases=("umol/L", "mcmol/L"),
        # 1 mg/dL = 17.1 µmol/L (bilirubin 584.7 g/mol).
        alternative_units=(UnitConversion(MG_PER_DL, multiply_by=Decimal("17.1")),),
        physiological_min=_ZERO,
        physiological_max=Decimal(1000),  # ~58 mg/dL, beyond fulminant hepatic failure
        decimals=2,
        ctcae_term=CTCAE_BILIRUBIN_INCREASED,
    ),
    Analyte(
        code="ALT",
        name="Alanine aminotransferase",
        panel=CHEMISTRY,
        unit=U_PER_L,
        unit_aliases=("IU/L", "UI/L"),
        # 1 µkat/L = 60 U/L (1 U = 1 µmol/min = 1/60 µkat).
        alternative_units=(UnitConversion(UKAT_PER_L, multiply_by=Decimal(60)),),
        physiological_min=_ZERO,
        physiological_max=Decimal(30000),  # ischaemic/toxic hepatitis reaches ~10-20 000 U/L
        decimals=2,
        ctcae_term=CTCAE_ALT_INCREASED,
    ),
    Analyte(
        code="AST",
        name="Aspartate aminotransferase",
        panel=CHEMISTRY,
        unit=U_PER_L,
        unit_aliases=("IU/L", "UI/L"),
        alternative_units=(UnitConversion(UKAT_PER_L, multiply_by=Decimal(60)),),
        physiological_min=_ZERO,
        physiological_max=Decimal(30000),
        decimals=2,
        ctcae_term=CTCAE_AST_INCREASED,
    ),
    Analyte(
        code="CREAT",
        name="Creatinine",
        panel=CHEMISTRY,
        unit=UMOL_PER_L,
        unit_aliases=("umol/L", "mcmol/L"),
        # 1 mg/dL = 88.4 µmol/L (creatinine 113.12 g/mol).
        alternative_units=(UnitConversion(MG_PER_DL, multiply_by=Decimal("88.4")),),
        # Creatinine is never zero in a living adult; untreated end-stage renal disease and
        # rhabdomyolysis stay below ~3000 µmol/L (34 mg/dL).
        physiological_min=Decimal(5),
        physiological_max=Decimal(5000),
        decimals=2,
        ctcae_term=CTCAE_CREATININE_INCREASED,
    ),
    # --- Immune monitoring (baseline, 13 days after the 6th and 12th IMP321 injection) ---
    # Absolute counts by flow cytometry; upper limits allow for leukaemic expansions
    # (monocytic/NK/T-LGL leukaemias) and are far above any normal count.
    _immune_count("MONO", "Monocytes", "100000"),
    _immune_percent("MONO_PCT", "Monocytes (% of leukocytes)"),
    _immune_count("MDC", "Myeloid dendritic cells", "10000"),
    _immune_percent("MDC_PCT", "Myeloid dendritic cells (% of leukocytes)"),
    _immune_count("PDC", "Plasmacytoid dendritic cells", "10000"),
    _immune_percent("PDC_PCT", "Plasmacytoid dendritic cells (% of leukocytes)"),
    _immune_count("NK", "NK cells", "100000"),
    _immune_percent("NK_PCT", "NK cells (% of lymphocytes)"),
    _immune_count("CD8", "CD8 T cells", "100000"),
    _immune_percent("CD8_PCT", "CD8 T cells (% of lymphocytes)"),
    _immune_count("CD8_EM", "Effector-memory CD8 T cells", "100000"),
    _immune_percent("CD8_EM_PCT", "Effector-memory CD8 T cells (% of CD8 T cells)"),
    # Activation markers: % of the parent population expressing the marker.
    _immune_percent("MONO_CD80_PCT", "% CD80+ monocytes"),
    _immune_percent("MONO_CD86_PCT", "% CD86+ monocytes"),
    _immune_percent("MDC_CD80_PCT", "% CD80+ mDC"),
    _immune_percent("MDC_CD83_PCT", "% CD83+ mDC"),
    _immune_percent("MDC_CD86_PCT", "% CD86+ mDC"),
    _immune_percent("PDC_CD86_PCT", "% CD86+ pDC"),
)
ANALYTES_BY_CODE: dict[str, Analyte] = {a.code: a for a in ANALYTES}

# The names users read on forms and pages (units and codes are never translated).
ANALYTE_LABELS = {
    "ANC": _("Absolute neutrophil count"),
    "PLT": _("Platelets"),
    "HGB": _("Haemoglobin"),
    "WBC": _("White blood cells"),
    "LYM": _("Lymphocytes"),
    "BILI": _("Total bilirubin"),
    "ALT": _("Alanine aminotransferase"),
    "AST": _("Aspartate aminotransferase"),
    "CREAT": _("Creatinine"),
    "MONO": _("Monocytes"),
    # xgettext:no-python-format
    "MONO_PCT": _("Monocytes (% of leukocytes)"),
    "MDC": _("Myeloid dendritic cells"),
    # xgettext:no-python-format
    "MDC_PCT": _("Myeloid dendritic cells (% of leukocytes)"),
    "PDC": _("Plasmacytoid dendritic cells"),
    # xgettext:no-python-format
    "PDC_PCT": _("Plasmacytoid dendritic cells (% of leukocytes)"),
    "NK": _("NK cells"),
    # xgettext:no-python-format
    "NK_PCT": _("NK cells (% of lymphocytes)"),
    "CD8": _("CD8 T cells"),
    # xgettext:no-python-format
    "CD8_PCT": _("CD8 T cells (% of lymphocytes)"),
    "CD8_EM": _("Effector-memory CD8 T cells"),
    # xgettext:no-python-format
    "CD8_EM_PCT": _("Effector-memory CD8 T cells (% of CD8 T cells)"),
    "MONO_CD80_PCT": _("% CD80+ monocytes"),
    "MONO_CD86_PCT": _("% CD86+ monocytes"),
}


def analyte(code: str) -> Analyte:
    try:
        return ANALYTES_BY_CODE[code]
    except KeyError:
        raise UnknownAnalyteError(UNKNOWN_ANALYTE_MESSAGE.format(code=code)) from None


def analytes_for_panel(panel: str) -> tuple[Analyte, ...]:
    return tuple(a for a in ANALYTES if a.panel == panel)
