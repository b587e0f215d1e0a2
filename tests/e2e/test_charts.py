"""The figures in real Chromium: the vendored vega-embed draws every chart of the dashboard
and of the lab pages under the strict Content-Security-Policy (expressions in
vega-interpreter, no eval, no injected style), each picture is an image named by its
figure's title, and pointing at a bar shows that patient's values.
Screenshots go to test-artifacts/e2e/<test>/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from edc.dashboard.figures import PLOTS

from .test_csp import WATCH, Watcher, log_in, problems_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def watched(page: Page) -> tuple[Page, Watcher]:
    page.context.add_init_script(WATCH)
    return page, Watcher(page)


def charts_drawn(page: Page, expected: int) -> None:
    """Every chart box of the page holds a drawn SVG; none fell back to its message."""
    expect(page.locator("[data-spec]")).to_have_count(expected)
    expect(page.locator("[data-spec].chart-drawn")).to_have_count(expected, timeout=20_000)
    expect(page.locator("[data-spec].chart-failed")).to_have_count(0)
    assert page.locator("[data-spec] .chart-canvas svg").count() == expected
    expect(page.locator(".chart-fallback").first).to_be_hidden()


def test_the_dashboard_draws_every_figure_under_the_policy(watched, shot, statistician, trial):
    page, watcher = watched
    log_in(page, statistician)
    watcher.take()
    page.goto("/dashboard/")
    charts_drawn(page, len(PLOTS))
    spider = page.get_by_role("img", name=re.compile(r"^Spider plot: change in tumour size"))
    expect(spider).to_be_visible()
    expect(spider.locator("svg text", has_text="Weeks since C1D1")).to_have_count(1)
    waterfall = page.locator("#chart-waterfall")
    waterfall.scroll_into_view_if_needed()
    waterfall.locator(".mark-rect path").first.hover()
    tooltip = page.locator("#vg-tooltip-element.visible")
    expect(tooltip).to_contain_text(trial["patient"].subject_id)
    expect(tooltip).to_contain_text("best change")
    shot("waterfall-tooltip")
    page.screenshot(path="/tmp/h2_dashboard.png", full_page=True)
    problems = problems_of(page, watcher)
    assert not problems, "\n".join(problems)


def test_the_lab_pages_draw_their_charts_under_the_policy(
    watched, shot, investigator, statistician, trial
):
    page, watcher = watched
    log_in(page, investigator)
    watcher.take()
    page.goto(f"/labs/patients/{trial['patient'].pk}/trend/")
    charts_drawn(page, 2)
    expect(page.get_by_role("img", name=re.compile(r"^Absolute neutrophil count"))).to_be_visible()
    shot("trend", full_page=True)
    page.screenshot(path="/tmp/h2_lab_trend.png", full_page=True)
    problems = problems_of(page, watcher)
    assert not problems, "\n".join(problems)
