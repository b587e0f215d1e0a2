"""Helpers the end-to-end tests share (the fixtures live in conftest.py)."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.utils import formats, timezone, translation
from playwright.sync_api import Locator, Page, expect

from labs import services as lab_services

PASSWORD = "pw-for-tests-1"  # tests/factories.py UserFactory


def shown(day: dt.date) -> str:
    """A date as the pages display it (the site's locale, e.g. "5 Jun 2025")."""
    with translation.override("en-gb"):
        return formats.date_format(day)


def field(page: Page, name: str) -> Locator:
    """The row of one form field (label, input, help, messages) in templates/form.html."""
    return page.locator("div.field").filter(has=page.locator(f"#id_{name}"))


def flash(page: Page) -> Locator:
    """The confirmation messages shown after a save."""
    return page.locator("ul.messages")


def tab_to(page: Page, selector: str, *, limit: int = 120) -> None:
    """Press Tab until the element matching ``selector`` has the focus, as a keyboard user."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def type_date(page: Page, day: dt.date) -> None:
    """Type a date into the focused date input as the site reads it: "06 Dec 2026"."""
    page.keyboard.type(f"{day:%d %b %Y}")


@contextmanager
def preview_loaded(page: Page) -> Iterator[None]:
    """Wait for the dose form's first BSA preview, so it cannot overwrite a later one."""
    with page.expect_response(lambda response: "/preview/" in response.url):
        yield


def open_first_dose(page: Page, patient) -> None:
    """From the casebook, open the form of the first paclitaxel dose (C1D1)."""
    page.goto(f"/patients/{patient.pk}/")
    with preview_loaded(page):
        page.locator("tr[data-code='PAC-C1D1']").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(patient.subject_id)


def fill_first_dose(page: Page, *, weight: str = "70", actual: str | None = "145.6") -> None:
    """Date, status given, height 170 cm, weight and (unless None) the actual dose given."""
    page.locator("#id_administration_date").fill(timezone.localdate().isoformat())
    page.locator("#id_status").select_option("given")
    page.get_by_label("Height (cm, baseline)").fill("170")
    page.get_by_label("Weight (kg, this visit)").fill(weight)
    if actual is not None:
        page.get_by_label("Actual dose given (mg)").fill(actual)


def record_blood_counts(*, patient, user, anc: str, platelets: str) -> None:
    """Yesterday's ANC and platelets (10⁹/L) from the site's laboratory, via the lab services."""
    lab = lab_services.laboratory_create(
        user=user, site=patient.site, code=f"{patient.site.code}-LAB", name="Site laboratory"
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    collected = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(8, 0)))
    for analyte, low, high, value in (("ANC", "1.8", "7.5", anc), ("PLT", "150", "400", platelets)):
        lab_services.reference_range_create(
            user=user,
            lab=lab,
            analyte=analyte,
            sex="",
            low=Decimal(low),
            high=Decimal(high),
            effective_from=dt.date(2000, 1, 1),
        )
        lab_services.lab_result_create(
            user=user,
            patient=patient,
            lab=lab,
            analyte=analyte,
            collected_at=collected,
            value=Decimal(value),
            unit="10^9/L",
        )


@contextmanager
def before_the_known_defect() -> Iterator[None]:
    """Steps of an ``xfail(raises=AssertionError)`` test that must pass to reach the defect.

    A failure here is a real failure (RuntimeError), not the expected one.
    """
    try:
        yield
    except AssertionError as exc:
        raise RuntimeError(f"failed before reaching the known defect: {exc}") from exc
