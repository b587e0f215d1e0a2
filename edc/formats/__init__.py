"""How the site prints and reads dates (``FORMAT_MODULE_PATH``): one way, unambiguous for every
site — the clinical DD MMM YYYY convention, "06 Dec 2026" and "06 Dec 2026 14:30" — whatever
the browser's locale. ISO dates ("2026-12-06", "2026-12-06T14:30") are read too, for scripted
entry. The form widgets are in ``edc.widgets``.
"""

DATE_FORMAT = "d M Y"
DATETIME_FORMAT = "d M Y H:i"
SHORT_DATE_FORMAT = "d M Y"
SHORT_DATETIME_FORMAT = "d M Y H:i"
TIME_FORMAT = "H:i"

# Python strptime formats (%b: English month abbreviations, the C locale the server runs in).
DATE_INPUT = "%d %b %Y"
DATETIME_INPUT = "%d %b %Y %H:%M"
DATE_INPUT_FORMATS = [DATE_INPUT, "%d %B %Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    DATETIME_INPUT,
    "%d %B %Y %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d %b %Y",
    "%Y-%m-%d",
]
FIRST_DAY_OF_WEEK = 1
