"""Unit conversion and physiological-limit checks for lab values. Pure: no ORM (Django only to
translate the messages).

Units are matched after normalisation (``unit_key``): case-insensitive, whitespace ignored,
``µ``/``μ``/``u`` equivalent, ``×``/``x`` equivalent, ``10e9``/``10*9``/``10**9`` read as
``10^9``, a leading ``x`` before ``10^`` dropped, superscripts read as powers (``10⁹`` =
``10^9``, ``mm³`` = ``mm3``). Matching is per analyte, so ``G/L`` means 10^9/L for a cell
count and grams per litre for haemoglobin — each analyte accepts only one meaning of a spelling.

Rounding: a value in the standard unit, or in an equivalent one (10^3/µL for 10^9/L, /mm3 for
cells/µL), is returned exactly as entered (the lab's own precision is kept). A converted value
is rounded half-up to ``Analyte.decimals`` places, one or more places finer than laboratories
report, so conversion never adds spurious precision and only loses what the source unit could
not express (e.g. Hgb 7.5 mmol/L -> 12.09 g/dL).
"""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from labs.catalogue import Analyte, LabValueError, UnitConversion, UnknownAnalyteError, analyte

UNKNOWN_UNIT_MESSAGE = _("Unit “{unit}” is not accepted for {name}; use one of: {accepted}.")
NOT_A_NUMBER_MESSAGE = _("{name}: “{value}” is not a number.")
PHYSIOLOGICAL_LIMIT_MESSAGE = _(
    "{name} {value} {unit} is outside physiological limits ({low} to {high} {unit}); "
    "check the value and its unit."
)


class UnitError(LabValueError):
    """Unknown analyte, a unit the analyte does not accept, or a value that is not a number."""


class PhysiologicalLimitError(LabValueError):
    """A value no living patient can have: refused, not flagged."""


_SUPERSCRIPTS = str.maketrans({c: f"^{d}" for d, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")})


def unit_key(raw: str) -> str:
    """Normalise a unit spelling for matching (see the module docstring)."""
    key = raw.translate(_SUPERSCRIPTS)
    key = unicodedata.normalize("NFKC", key).casefold()
    key = "".join(key.split())
    key = key.replace("μ", "u").replace("µ", "u").replace("×", "x")
    key = key.replace("**", "^").replace("*", "^").replace("10e", "10^")
    key = key.replace("mm^3", "mm3")
    if key.startswith("x10^"):
        key = key[1:]
    return key


def _analyte(code: str) -> Analyte:
    try:
        return analyte(code)
    except UnknownAnalyteError as exc:
        raise UnitError(str(exc)) from exc


def unit_lookup(analyte_obj: Analyte) -> dict[str, str]:
    """Normalised spelling -> canonical unit label, for every unit the analyte accepts."""
    lookup = {unit_key(s): analyte_obj.unit for s in (analyte_obj.unit, *analyte_obj.unit_aliases)}
    for alt in analyte_obj.alternative_units:
        for spelling in (alt.unit, *alt.aliases):
            lookup[unit_key(spelling)] = alt.unit
    return lookup


def canonical_unit(analyte_code: str, unit: str) -> str:
    """The catalogue's label for ``unit`` (e.g. ``"x10e9 /l"`` -> ``"10^9/L"``)."""
    a = _analyte(analyte_code)
    try:
        return unit_lookup(a)[unit_key(unit)]
    except KeyError:
        raise UnitError(
            UNKNOWN_UNIT_MESSAGE.format(unit=unit, name=a.label, accepted=", ".join(a.units))
        ) from None


def _conversion(a: Analyte, canonical: str) -> UnitConversion | None:
    if canonical == a.unit:
        return None
    return next(alt for alt in a.alternative_units if alt.unit == canonical)


def _as_decimal(a: Analyte, value: Decimal | int | str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise UnitError(NOT_A_NUMBER_MESSAGE.format(name=a.label, value=value)) from None
    if not number.is_finite():
        raise UnitError(NOT_A_NUMBER_MESSAGE.format(name=a.label, value=value))
    return number


def _round(a: Analyte, value: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-a.decimals), rounding=ROUND_HALF_UP)


def to_standard(analyte_code: str, value: Decimal, unit: str) -> Decimal:
    """``value`` expressed in ``unit``, converted to the analyte's standard unit.

    Raises ``UnitError`` for an unknown analyte or unit, or a value that is not a finite number.
    """
    a = _analyte(analyte_code)
    canonical = canonical_unit(analyte_code, unit)
    number = _as_decimal(a, value)
    conversion = _conversion(a, canonical)
    if conversion is None or conversion.multiply_by == conversion.divide_by:
        return number
    return _round(a, number * conversion.multiply_by / conversion.divide_by)


def check_physiological(analyte_code: str, standard_value: Decimal) -> None:
    """Refuse a value (in the standard unit) outside the analyte's physiological limits.

    The limits are inclusive; see ``labs.catalogue`` for why each was chosen.
    """
    a = _analyte(analyte_code)
    number = _as_decimal(a, standard_value)
    if not a.physiological_min <= number <= a.physiological_max:
        raise PhysiologicalLimitError(
            PHYSIOLOGICAL_LIMIT_MESSAGE.format(
                name=a.label,
                value=number,
                unit=a.unit,
                low=a.physiological_min,
                high=a.physiological_max,
            )
        )
