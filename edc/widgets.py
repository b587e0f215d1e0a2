"""The date and date-time inputs of every form: typed and shown one unambiguous way.

"06 Dec 2026" and "06 Dec 2026 14:30" (the clinical DD MMM YYYY convention), whatever the
browser's locale — a browser date picker would show 12/06/2026 to one site and 06/12/2026 to
the next. The input shows the format it expects (placeholder and tooltip); ISO dates
("2026-12-06", "2026-12-06T14:30") are accepted too, for scripted entry. The accepted formats
are ``edc.formats.DATE_INPUT_FORMATS`` / ``DATETIME_INPUT_FORMATS``; pages print dates with the
same ``DATE_FORMAT``.
"""

from django import forms

from edc.formats import DATE_INPUT, DATETIME_INPUT

DATE_HINT = "DD Mon YYYY"
DATETIME_HINT = "DD Mon YYYY HH:MM"
DATE_INVALID = "Enter the date as DD Mon YYYY, for example 06 Dec 2026."
DATETIME_INVALID = "Enter the date and time as DD Mon YYYY HH:MM, for example 06 Dec 2026 14:30."


class DateInput(forms.DateInput):
    def __init__(self, attrs=None):
        base = {
            "type": "text",
            "placeholder": DATE_HINT,
            "title": f"Date as {DATE_HINT}, e.g. 06 Dec 2026",
            "autocomplete": "off",
            "spellcheck": "false",
            "size": 12,
            "class": "date-input",
        }
        super().__init__(attrs=base | (attrs or {}), format=DATE_INPUT)


class DateTimeInput(forms.DateTimeInput):
    def __init__(self, attrs=None):
        base = {
            "type": "text",
            "placeholder": DATETIME_HINT,
            "title": f"Date and time as {DATETIME_HINT}, e.g. 06 Dec 2026 14:30",
            "autocomplete": "off",
            "spellcheck": "false",
            "size": 18,
            "class": "date-input",
        }
        super().__init__(attrs=base | (attrs or {}), format=DATETIME_INPUT)


DATE = DateInput()
DATETIME = DateTimeInput()

# A date the field cannot read is refused with the format it expects, on every form.
forms.DateField.default_error_messages = {"invalid": DATE_INVALID}
forms.DateTimeField.default_error_messages = {
    **forms.DateTimeField.default_error_messages,
    "invalid": DATETIME_INVALID,
}
