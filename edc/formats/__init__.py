"""How the site prints and reads dates (``FORMAT_MODULE_PATH``): day, month as a word, year —
"06 Dec 2026", "06 déc. 2026", "06 dec 2026" — in the reader's language, never a numeric month
that one site reads as 12 June and the next as 6 December, whatever the browser's locale.

The month words are Django's own (its translated month names and abbreviations), so a page
prints a date and a form reads it back from one table: ``month_words`` maps every spelling a
person may type in any of the interface's languages (abbreviated or full, with or without the
dot or accents) to the English abbreviation that ``strptime("%b")`` reads. ISO dates
("2026-12-06", "2026-12-06T14:30") are read too, for scripted entry. The form widgets are in
``edc.widgets``; the per-language modules (``en``, ``en_GB``, ``fr``, ``nl``) only choose
the month style of that language.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

DATE_FORMAT = "d M Y"
DATETIME_FORMAT = "d M Y H:i"
SHORT_DATE_FORMAT = "d M Y"
SHORT_DATETIME_FORMAT = "d M Y H:i"
TIME_FORMAT = "H:i"

# Python strptime formats (%b: English month abbreviations, the C locale the server runs in);
# a typed month word in any language is turned into that abbreviation first (``normalise``).
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

ENGLISH_ABBREVIATIONS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+\.?")


def _plain(word: str) -> str:
    """Lower case, no accents, no final dot: "Déc." → "dec"."""
    decomposed = unicodedata.normalize("NFKD", word.strip().rstrip(".").casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# The usual written abbreviations that Django's tables lack (French "janv.", "févr.").
EXTRA_WORDS = {"janv": "Jan", "fevr": "Feb"}


@lru_cache(maxsize=1)
def month_words() -> dict[str, str]:
    """Every month word of every interface language → its English abbreviation ("déc" → "Dec").

    Read from Django's translated month names (the ones pages print), so input and display
    share one table. A word that could mean two months (French "jui", June or July?) is left
    out: such a date is refused, never guessed.
    """
    from django.conf import settings
    from django.utils import dateformat, translation

    months: dict[str, set[str]] = {word: {abbr} for word, abbr in EXTRA_WORDS.items()}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for month, english in enumerate(ENGLISH_ABBREVIATIONS, start=1):
                day = dt.date(2026, month, 6)
                for style in "bMNFE":
                    months.setdefault(_plain(dateformat.format(day, style)), set()).add(english)
    # French three-letter "jui" (juin and juillet) would be read as June by strptime's rules.
    months["jui"] = {"Jun", "Jul"}
    return {word: next(iter(abbrs)) for word, abbrs in months.items() if len(abbrs) == 1}


def normalise(text: str) -> str:
    """A typed date with its month word in English for ``strptime``: "6 déc. 2026" → "6 Dec 2026".

    Words that are not month names are left alone (the field then refuses the date with its
    usual message).
    """
    words = month_words()

    def english(match: re.Match) -> str:
        return words.get(_plain(match.group(0)), match.group(0))

    return _WORD.sub(english, text)
