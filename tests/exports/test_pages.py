"""The /exports/ page: domains with CSV/JSON links, the as-of field, the package button, the
ODM link; and the export log page."""

import pytest
from django.utils import timezone

from edc.exports.domains import DOMAINS

from .conftest import content


@pytest.mark.django_db
def test_the_exports_page_lists_every_domain_with_its_download_links(statistician, web):
    page = web(statistician).get("/exports/").content.decode()
    for domain in DOMAINS:
        for fmt in ("csv", "json", "jsonl"):
            assert f'href="/exports/{domain.code.lower()}.{fmt}"' in page
    assert 'href="/exports/odm.xml"' in page and 'action="/exports/jobs/"' in page
    assert 'name="as_of"' in page and "de-identified" in page


@pytest.mark.django_db
def test_an_as_of_time_is_carried_by_every_link_and_the_package_button(statistician, web):
    moment = (timezone.localtime() - timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = web(statistician).get("/exports/", {"as_of": moment}).content.decode()
    assert "/exports/dm.csv?as_of=" in page and "/exports/odm.xml?as_of=" in page
    assert f'name="as_of" value="{moment}"' in page


@pytest.mark.django_db
def test_a_bad_as_of_time_is_explained_on_the_page(statistician, web):
    page = web(statistician).get("/exports/", {"as_of": "last tuesday"}).content.decode()
    assert 'role="alert"' in page and "ISO 8601" in page


@pytest.mark.django_db
def test_the_export_log_page_lists_exports(trial, statistician, data_manager, web):
    content(web(statistician).get("/exports/dm.csv"))
    page = web(data_manager).get("/exports/log/").content.decode()
    assert "stat" in page and "DM" in page and "Every export of every user" in page
    assert web(data_manager).get("/exports/nope.csv").status_code == 404
