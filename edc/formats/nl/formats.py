"""The site's one date style in this language: "06 déc. 2026" / "06 dec 2026" (``edc.formats``).

``N`` is the language's own abbreviated month (French "juin" and "juil.", never the ambiguous
three letters); dates typed in that style are read back by ``edc.formats.normalise``.
"""

from edc.formats import (  # noqa: F401
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    FIRST_DAY_OF_WEEK,
    TIME_FORMAT,
)

DATE_FORMAT = "d N Y"
DATETIME_FORMAT = "d N Y H:i"
SHORT_DATE_FORMAT = "d N Y"
SHORT_DATETIME_FORMAT = "d N Y H:i"
