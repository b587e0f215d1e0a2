"""The date and date-time inputs of every form: typed and shown one unambiguous way.

Day, month as a word, year — "06 Dec 2026 14:30", "06 déc. 2026 14:30", "06 dec 2026 14:30" —
in the language of the page, whatever the browser's locale: a browser date picker would show
12/06/2026 to one site and 06/12/2026 to the next. The input shows the format it expects
(placeholder and tooltip) and the value it holds in the page's format (``DATE_FORMAT`` of
``edc.formats``); what a person types is read with any month word of the interface's languages
(``edc.formats.normalise``), and ISO dates ("2026-12-06", "2026-12-06T14:30") are accepted
too, for scripted entry.
"""

import datetime as dt

from django import forms
from django.utils import formats
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy

from edc.formats import normalise

EXAMPLE = dt.datetime(2026, 12, 6, 14, 30)
# Translators: the pattern of a typed date: day (2 digits), month as a short word, year.
DATE_HINT = gettext_lazy("DD Mon YYYY")
# Translators: the pattern of a typed date and time (24-hour clock).
DATETIME_HINT = gettext_lazy("DD Mon YYYY HH:MM")


def _example(kind: str) -> str:
    return formats.date_format(EXAMPLE, kind)


def _date_invalid() -> str:
    return gettext("Enter the date as %(pattern)s, for example %(example)s.") % {
        "pattern": DATE_HINT,
        "example": _example("DATE_FORMAT"),
    }


def _datetime_invalid() -> str:
    return gettext("Enter the date and time as %(pattern)s, for example %(example)s.") % {
        "pattern": DATETIME_HINT,
        "example": _example("DATETIME_FORMAT"),
    }


def _date_title() -> str:
    return gettext("Date as %(pattern)s, e.g. %(example)s") % {
        "pattern": DATE_HINT,
        "example": _example("DATE_FORMAT"),
    }


def _datetime_title() -> str:
    return gettext("Date and time as %(pattern)s, e.g. %(example)s") % {
        "pattern": DATETIME_HINT,
        "example": _example("DATETIME_FORMAT"),
    }


# Lazy: each message is built in the language of the page that shows it.
DATE_INVALID = lazy(_date_invalid, str)()
DATETIME_INVALID = lazy(_datetime_invalid, str)()


class _WordMonthInput:
    """Shows the value in the page's date format (the fields read it back, see the end)."""

    format_name = "DATE_FORMAT"

    def format_value(self, value):
        if isinstance(value, dt.date | dt.datetime):
            return formats.date_format(value, self.format_name)
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # Placeholder and tooltip in the page's language (widgets are built once, at import).
        widget_attrs = context["widget"]["attrs"]
        widget_attrs.setdefault("placeholder", str(self.hint))
        widget_attrs.setdefault("title", self.title())
        return context


class DateInput(_WordMonthInput, forms.DateInput):
    format_name = "DATE_FORMAT"
    hint = DATE_HINT
    title = staticmethod(_date_title)

    def __init__(self, attrs=None):
        base = {
            "type": "text",
            "autocomplete": "off",
            "spellcheck": "false",
            "size": 12,
            "class": "date-input",
        }
        super().__init__(attrs=base | (attrs or {}))


class DateTimeInput(_WordMonthInput, forms.DateTimeInput):
    format_name = "DATETIME_FORMAT"
    hint = DATETIME_HINT
    title = staticmethod(_datetime_title)

    def __init__(self, attrs=None):
        base = {
            "type": "text",
            "autocomplete": "off",
            "spellcheck": "false",
            "size": 18,
            "class": "date-input",
        }
        super().__init__(attrs=base | (attrs or {}))


DATE = DateInput()
DATETIME = DateTimeInput()


def _reading_month_words(strptime):
    def read(self, value, format):
        return strptime(self, normalise(value), format)

    return read


# Every date field reads the month words of the interface's languages ("6 déc. 2026"); what
# the person typed stays in the field as typed if the form is shown again.
forms.DateField.strptime = _reading_month_words(forms.DateField.strptime)
forms.DateTimeField.strptime = _reading_month_words(forms.DateTimeField.strptime)
# A date the field cannot read is refused with the format it expects, on every form.
forms.DateField.default_error_messages = {"invalid": DATE_INVALID}
forms.DateTimeField.default_error_messages = {
    **forms.DateTimeField.default_error_messages,
    "invalid": DATETIME_INVALID,
}


def _reading_decimal_commas(to_python):
    def read(self, value):
        # "72,5" on a French or Dutch page is 72.5 (the page's decimal separator); English pages
        # keep the comma as a thousands separator, which a clinical value never carries.
        if isinstance(value, str) and not self.localize:
            value = formats.sanitize_separators(value.strip())
        return to_python(self, value)

    return read


# Every number field reads the decimal separator of the page's language too.
forms.DecimalField.to_python = _reading_decimal_commas(forms.DecimalField.to_python)
forms.FloatField.to_python = _reading_decimal_commas(forms.FloatField.to_python)
