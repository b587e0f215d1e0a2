"""Refusals and errors are pages of the product, in plain words (issue 19 §3)."""

from django.test import override_settings
from django.urls import reverse
from django.views.defaults import server_error

from edc.access import roles


def test_a_refused_page_says_why_with_the_site_navigation(web, monitor):
    response = web(monitor).get(reverse("patients:screen"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "You cannot open this page" in page
    assert roles.refusal(roles.ENTER_DATA) in page  # "Only site staff can enter or change…"
    assert 'class="topbar"' in page and reverse("home") in page
    assert "Traceback" not in page and "PermissionDenied" not in page


def test_an_unknown_or_other_site_record_is_a_plain_404_page(web, investigator):
    response = web(investigator).get(reverse("patients:detail", args=[999_999]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and 'class="topbar"' in page
    assert "Http404" not in page and "No Patient matches" not in page


@override_settings(DEBUG=False)
def test_the_server_error_page_stands_alone_and_says_nothing_was_half_saved(rf):
    response = server_error(rf.get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "half-saved" in page and "css/edc.css" in page
