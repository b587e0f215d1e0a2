"""The /risk/ page's words follow the reader's language; what is stored (a note's indicator,
the findings) and what the API returns stay English (issue 23).

These hold before the French and Dutch catalogues exist: they check that the indicator words
are looked up when shown (lazy), not fixed at import, and what the API and a note store.
"""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from edc.risk import kri, views
from edc.risk.models import Level, SiteNote
from edc.risk.services import site_note_add


def test_indicator_names_and_explanations_are_looked_up_when_shown():
    for indicator in kri.INDICATORS:
        assert isinstance(indicator.label, Promise) and isinstance(indicator.definition, Promise)
    late = kri.INDICATORS_BY_CODE["late_entry_pct"]
    assert f"more than {settings.RISK_LATE_ENTRY_DAYS} days" in late.text
    assert isinstance(views.LEVEL_TEXT[Level.WATCH][1], Promise)


def test_the_page_texts_are_written_in_the_active_language(monkeypatch):
    seen = []
    real = views._

    def gettext(message):
        seen.append(translation.get_language())
        return real(message)

    monkeypatch.setattr(views, "_", gettext)
    with translation.override("fr"):
        views.threshold_text("late_entry_pct")
    assert seen == ["fr"]


@pytest.mark.django_db
def test_a_note_stores_the_indicator_in_english_whatever_the_language(monitor, site):
    with translation.override("fr"):
        site_note_add(user=monitor, site=site, text="Discussed.", indicator="late_entry_pct")
    assert SiteNote.objects.get().indicator == "Late entries"


def test_the_api_labels_indicators_in_english(monkeypatch):
    from edc.risk.api import views as api_views

    seen = []
    real = api_views.translation.override

    def override(language, *args, **kwargs):
        seen.append(language)
        return real(language, *args, **kwargs)

    monkeypatch.setattr(api_views.translation, "override", override)
    row = SimpleNamespace(values={}, levels={})
    with real("fr"):
        indicators = api_views.SiteRiskSerializer().get_indicators(row)
    assert seen == ["en"]
    assert all(type(i["label"]) is str and type(i["unit"]) is str for i in indicators)
    assert indicators[0]["label"] == "Data-entry lag"
