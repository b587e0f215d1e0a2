"""``frozen_value``: the engine's values stay immutable dataclasses while built faster."""

import dataclasses
from decimal import Decimal

import pytest

from assessments import recist
from assessments.course import MeasurementFacts
from assessments.values import frozen_value


def test_a_value_is_a_frozen_dataclass_with_defaults_equality_hash_and_replace():
    m = MeasurementFacts("7", Decimal("12.0"))
    assert (m.lesion_key, m.diameter_mm, m.too_small, m.not_evaluable) == (
        "7", Decimal("12.0"), False, False,
    )  # fmt: skip
    assert m == MeasurementFacts("7", Decimal("12"), False, False)
    assert hash(m) == hash(MeasurementFacts("7", Decimal("12")))
    assert m != MeasurementFacts("7", Decimal("12"), too_small=False, not_evaluable=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.diameter_mm = Decimal("1")
    assert dataclasses.replace(m, diameter_mm=None, too_small=True).too_small is True
    assert (
        repr(m) == "MeasurementFacts(lesion_key='7', diameter_mm=Decimal('12.0'), "
        "too_small=False, not_evaluable=False)"
    )


def test_a_value_still_validates_and_normalises_in_post_init():
    with pytest.raises(ValueError):
        recist.TargetMeasurement("L1", False, Decimal("-1"))
    with pytest.raises(ValueError):
        recist.TargetMeasurement("L1", False, Decimal("3"), too_small=True)
    measured = recist.TargetMeasurement("L1", False, 12)
    assert measured.diameter_mm == Decimal("12") and type(measured.diameter_mm) is Decimal
    point = recist.Timepoint(
        assessment_date=None, targets=[measured], non_target=None, new_lesions=False
    )
    assert point.targets == (measured,)  # a list given is kept as a tuple


def test_a_value_refuses_fields_it_cannot_build():
    with pytest.raises(TypeError):

        @frozen_value
        class _Listed:
            items: list = dataclasses.field(default_factory=list)
