"""``@frozen_value``: the RECIST engine's immutable values.

``frozen_value`` is ``dataclass(frozen=True, slots=True)``, nothing more: assigning a field
afterwards raises ``FrozenInstanceError``; equality, hashing, ``repr`` and
``dataclasses.replace`` are the dataclass's own (tests/assessments/test_recist.py and
test_values.py hold them). Fields are plain (a default at most, no factories, no keyword-only
or non-init fields), so a value is exactly its constructor's arguments.

Until issue 20 the ``__init__`` was generated with ``exec`` to store each field through its
slot's own setter; measured on 2 vCPU (Python 3.11), the dataclass's own ``__init__`` costs
about 0.45 µs more for a ten-field value (1.05 against 0.6 µs) and a generic Python
``__init__`` looping over the slot setters was no faster once it binds keywords and defaults.
A patient's course builds some forty values, so that is ~15 µs a course; the export benchmark
(bench/RESULTS.md, "Exports") shows its effect on TU/TR/RS.
"""

from __future__ import annotations

import dataclasses


def frozen_value(cls: type) -> type:
    cls = dataclasses.dataclass(frozen=True, slots=True)(cls)
    for field in dataclasses.fields(cls):
        if field.default_factory is not dataclasses.MISSING or field.kw_only or not field.init:
            raise TypeError(f"{cls.__name__}.{field.name}: only plain fields and defaults")
    return cls
