"""French and Dutch (issue 23): complete catalogues, the language a person reads, and dates
that read the same in every language."""

import datetime as dt

import pytest
from django import forms
from django.core.management import call_command
from django.urls import reverse
from django.utils import formats, translation

from edc.access.language import REASON_CHOSEN, language_of
from edc.access.models import StaffProfile
from edc.audit.models import AuditEntry
from edc.formats import ENGLISH_ABBREVIATIONS, month_words, normalise
from edc.widgets import DATE, DATETIME


def test_the_catalogues_hold_every_message_of_the_source_translated_and_compiled():
    """A new or changed message that is not translated in both catalogues fails CI (as does a
    fuzzy entry or a .mo file older than its .po): `make messages` adds it, a person writes it."""
    call_command("catalogues", check=True)


def test_no_typed_month_word_means_two_months_and_each_language_prints_its_own():
    words = month_words()
    assert "jui" not in words  # French "jui": juin or juillet? refused, never guessed
    for word in ("juin", "juil", "juillet", "janv", "fevr", "fev", "dec", "decembre", "mrt", "mei"):
        assert word in words, word
    shown = {}
    for language in ("en", "fr", "nl"):
        with translation.override(language):
            shown[language] = [
                formats.date_format(dt.date(2026, month, 6)) for month in range(1, 13)
            ]
    assert shown["en"][11] == "06 Dec 2026"
    assert shown["fr"][5:7] == ["06 juin 2026", "06 juil. 2026"]
    assert shown["fr"][11] == "06 déc. 2026"
    assert shown["nl"][2] == "06 mrt 2026"
    # Whatever a page prints reads back as the same date, in every language.
    for language, texts in shown.items():
        for month, text in enumerate(texts, start=1):
            english = normalise(text)
            assert english.split()[1] in ENGLISH_ABBREVIATIONS, (language, text)
            assert dt.datetime.strptime(english, "%d %b %Y").month == month


class VisitForm(forms.Form):
    on = forms.DateField(widget=DATE)
    at = forms.DateTimeField(widget=DATETIME)


@pytest.mark.parametrize(
    ("language", "typed_date", "typed_time"),
    [
        ("fr", "6 juil. 2026", "06 déc. 2026 14:30"),
        ("fr", "06 JUILLET 2026", "6 decembre 2026 14:30"),
        ("nl", "6 jul 2026", "06 dec 2026 14:30"),
        ("en", "06 Jul 2026", "2026-12-06T14:30"),
    ],
)
def test_a_date_typed_in_the_pages_language_is_read_as_that_date(language, typed_date, typed_time):
    with translation.override(language):
        form = VisitForm({"on": typed_date, "at": typed_time})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["on"] == dt.date(2026, 7, 6)
    assert form.cleaned_data["at"].date() == dt.date(2026, 12, 6)
    assert form.cleaned_data["at"].strftime("%H:%M") == "14:30"


def test_an_ambiguous_or_numeric_date_is_refused_with_the_pattern_in_the_pages_language():
    with translation.override("fr"):
        form = VisitForm({"on": "06/07/2026", "at": "6 jui 2026 10:00"})
        assert not form.is_valid()
        message = form.errors["on"][0]
        # The example is printed the way the page prints dates.
        assert "06 déc. 2026" in message
        assert form.errors["at"]
        # A refused value is shown again as typed, not rewritten.
        assert 'value="06/07/2026"' in str(form["on"])
    with translation.override("en"):
        assert VisitForm(initial={"on": dt.date(2026, 6, 6)})["on"].value() == dt.date(2026, 6, 6)
        assert 'value="06 Jun 2026"' in str(VisitForm(initial={"on": dt.date(2026, 6, 6)})["on"])
    with translation.override("fr"):
        assert 'value="06 juin 2026"' in str(VisitForm(initial={"on": dt.date(2026, 6, 6)})["on"])


@pytest.mark.django_db
def test_the_header_switch_stores_the_language_on_the_account_with_an_audit_entry(
    client, investigator
):
    client.force_login(investigator)
    home = reverse("home")
    response = client.post(reverse("language-switch"), {"language": "fr", "next": home})
    assert response.status_code == 302 and response.url == home
    profile = StaffProfile.objects.get(user=investigator)
    assert profile.language == "fr" and language_of(profile.user) == "fr"
    entry = AuditEntry.objects.filter(
        model_label="access.staffprofile", object_id=profile.pk
    ).latest("at")
    assert entry.reason == REASON_CHOSEN
    assert entry.user_id == investigator.pk
    # The stored choice wins over the browser's language, on every page.
    page = client.get(home, HTTP_ACCEPT_LANGUAGE="nl")
    assert '<html lang="fr">' in page.content.decode()
    assert page["Content-Language"] == "fr"
    # A link elsewhere is not followed.
    away = client.post(
        reverse("language-switch"), {"language": "nl", "next": "https://evil.example/"}
    )
    assert away.url == "/"
    assert StaffProfile.objects.get(user=investigator).language == "nl"
    # Not a language of the interface: nothing stored.
    client.post(reverse("language-switch"), {"language": "de", "next": home})
    assert StaffProfile.objects.get(user=investigator).language == "nl"


@pytest.mark.django_db
def test_before_signing_in_the_page_follows_the_browser_then_the_switch(client):
    login = reverse("login")
    assert (
        '<html lang="fr">'
        in client.get(login, HTTP_ACCEPT_LANGUAGE="fr-BE,fr;q=0.9").content.decode()
    )
    assert '<html lang="nl">' in client.get(login, HTTP_ACCEPT_LANGUAGE="nl-BE").content.decode()
    assert '<html lang="en' in client.get(login, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    client.post(reverse("language-switch"), {"language": "nl", "next": login})
    assert '<html lang="nl">' in client.get(login, HTTP_ACCEPT_LANGUAGE="fr").content.decode()


@pytest.mark.parametrize(
    ("model_path", "field", "stored", "french"),
    [
        (
            "patients.models.CalendarEvent",
            "label",
            "Baseline tumour assessment",
            "Évaluation tumorale initiale",
        ),
        (
            "patients.models.CalendarEvent",
            "label",
            "Tumour assessment week 8",
            "Évaluation tumorale semaine 8",
        ),
        (
            "edc.monitoring.models.Signature",
            "meaning",
            "I have reviewed the data of this visit and confirm they are complete and accurate.",
            "J",  # the French statement (checked below by its first letter and language)
        ),
    ],
)
def test_a_stored_english_value_shows_in_the_readers_language_and_exports_as_stored(
    model_path, field, stored, french
):
    """Calendar labels and kinds and signature meanings are stored (and exported) in English;
    the record page, the audit history and the casebook show them in the reader's language."""
    from importlib import import_module

    from edc.audit.display import value_text

    module, name = model_path.rsplit(".", 1)
    model = getattr(import_module(module), name)
    with translation.override("fr"):
        shown = value_text(model, field, stored)
        exported = value_text(model, field, stored, export=True)
    assert shown.startswith(french) and shown != stored
    assert exported == stored
    with translation.override("en"):
        assert value_text(model, field, "An amended label") == "An amended label"


def test_a_calendar_event_kind_shows_as_words_never_as_its_code():
    from edc.audit.display import value_text
    from patients.models import CalendarEvent

    with translation.override("fr"):
        assert value_text(CalendarEvent, "kind", "immune") == "Prélèvement de suivi immunologique"
    with translation.override("en"):
        assert value_text(CalendarEvent, "kind", "tumour") == "Tumour assessment"
