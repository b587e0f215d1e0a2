"""``@frozen_value``: the RECIST engine's immutable values, built at nearly the cost of plain
objects.

A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__``
(about 0.12 µs a field), and a patient's course builds some forty such values (facts,
measurements, time points, results): a large part of what an export of TR or RS spends in the
engine (bench/RESULTS.md, "Exports"). ``frozen_value`` is ``dataclass(frozen=True,
slots=True)`` whose ``__init__`` stores each field with its slot's own setter, then calls
``__post_init__``. Everything else is the dataclass's own: assigning a field afterwards raises
``FrozenInstanceError``; equality, hashing, ``repr`` and ``dataclasses.replace`` are unchanged
(tests/assessments/test_recist.py holds them).
"""

from __future__ import annotations

import dataclasses


def frozen_value(cls: type) -> type:
    cls = dataclasses.dataclass(frozen=True, slots=True)(cls)
    namespace: dict = {}
    params, sets = ["self"], []
    for field in dataclasses.fields(cls):
        if field.default_factory is not dataclasses.MISSING or field.kw_only or not field.init:
            raise TypeError(f"{cls.__name__}.{field.name}: only plain fields and defaults")
        name = field.name
        if field.default is dataclasses.MISSING:
            params.append(name)
        else:
            namespace[f"_default_{name}"] = field.default
            params.append(f"{name}=_default_{name}")
        namespace[f"_set_{name}"] = getattr(cls, name).__set__  # the slot's descriptor
        sets.append(f"    _set_{name}(self, {name})\n")
    post_init = "    self.__post_init__()\n" if hasattr(cls, "__post_init__") else ""
    source = f"def __init__({', '.join(params)}):\n" + "".join(sets) + post_init
    exec(source, namespace)  # noqa: S102
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
    return cls
