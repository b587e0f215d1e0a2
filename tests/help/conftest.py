"""The guide checks walk the pages of a trial that has data: the end-to-end tests' patient
(doses, tumour assessments, an adverse event, an open query, deviations)."""

from tests.e2e.conftest import trial  # noqa: F401  (a fixture, reused as it is)
