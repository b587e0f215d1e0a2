"""The exports' small trial (two sites, every kind of record, written through the services)."""

import io

import pytest
from pypdf import PdfReader

from tests.exports.conftest import trial  # noqa: F401 (the fixture)


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def read_pdf():
    return pdf_text
