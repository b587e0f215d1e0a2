"""Exports are exchange files: a French or Dutch reader gets the English bytes (issue 23)."""

import re

import pytest

from edc.access.language import language_set

from .conftest import content

pytestmark = pytest.mark.django_db

# Datasets whose terms and decodes come from labels the pages translate (statuses, reasons,
# relations, roles), the data dictionary, the codelists and the ODM and Define-XML documents.
DOWNLOADS = (
    "/exports/dm.csv",
    "/exports/ds.csv",
    "/exports/ae.csv",
    "/exports/ex.json",
    "/exports/dv.csv",
    "/exports/define.csv",
    "/exports/codelists.csv",
    "/exports/odm.xml",
    "/exports/define.xml",
)
# What differs between two downloads by design: creation times and file OIDs.
MOMENTS = re.compile(rb'(CreationDateTime|AsOfDateTime|FileOID|ODMVersion)="[^"]*"')


def _bytes(client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, path
    return MOMENTS.sub(rb'\1=""', content(response))


def test_a_french_or_dutch_statistician_downloads_the_english_files(trial, statistician, web):
    client = web(statistician)
    english = {path: _bytes(client, path) for path in DOWNLOADS}
    for language in ("fr", "nl"):
        language_set(user=statistician, language=language)
        page = client.get("/exports/").content.decode()
        assert f'<html lang="{language}">' in page  # the page itself is translated
        for path in DOWNLOADS:
            assert _bytes(client, path) == english[path], (language, path)
