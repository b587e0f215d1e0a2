"""The trial dashboard: every role opens it, sees only its sites, downloads each figure."""

import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from edc.charts import data_rows
from edc.dashboard.figures import PLOTS
from tests.factories import UserFactory

ROLES = ["investigator", "coordinator", "monitor", "statistician", "data_manager"]


@pytest.fixture
def users(investigator, coordinator, monitor, statistician, data_manager):
    return {
        "investigator": investigator,
        "coordinator": coordinator,
        "monitor": monitor,
        "statistician": statistician,
        "data_manager": data_manager,
    }


@pytest.fixture
def two_sites(tumour_patient, other_site, other_investigator):
    """A responder at FR01 and a patient with stable disease at FR02."""
    paris = tumour_patient()
    lyon = tumour_patient(factors=("0.9", "0.95"), site=other_site, user=other_investigator)
    return paris, lyon


def spec(html: str, plot: str) -> dict:
    """The Vega-Lite spec the page gives the browser for a figure."""
    found = re.search(
        rf'<script id="spec-{re.escape(plot)}" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, plot
    return json.loads(found.group(1))


def drawn_rows(spec: dict, mark: str, node: dict | None = None) -> list[dict]:
    """The data rows of every ``mark`` of a (layered) spec."""
    node = spec if node is None else node
    rows = []
    if "mark" in node:
        kind = node["mark"] if isinstance(node["mark"], str) else node["mark"]["type"]
        if kind == mark:
            rows += data_rows(spec, node)
    for layer in node.get("layer", []):
        rows += drawn_rows(spec, mark, layer)
    return rows


@pytest.mark.parametrize("role", ROLES)
def test_every_trial_role_opens_the_dashboard_with_every_figure(role, users, web, two_sites):
    response = web(users[role]).get(reverse("dashboard:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Trial dashboard</h1>" in html
    for plot in PLOTS:
        assert f'id="fig-{plot}"' in html
        for download in ("svg", "png", "csv"):
            assert f'href="{reverse(f"dashboard:{download}", args=[plot])}"' in html
        # The picture is an image named by the figure's title and described by its caption.
        assert f'role="img" aria-labelledby="{plot}-title" aria-describedby="{plot}-desc"' in html
        assert f'<strong id="{plot}-title">' in html and f'<span id="{plot}-desc">' in html
        assert spec(html, plot)["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert html.count("<figcaption>") == len(PLOTS)
    assert html.count('role="img"') == len(PLOTS)
    for script in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "charts.js"):
        assert re.search(rf'<script src="[^"]+/{re.escape(script)}" defer></script>', html)


def test_the_dashboard_needs_a_login_and_a_trial_role(client, db):
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get(reverse("dashboard:csv", args=["spider"])).status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse("dashboard:index")).status_code == 403
    assert client.get(reverse("dashboard:svg", args=["spider"])).status_code == 403


@pytest.mark.parametrize(
    ("role", "sees_lyon"),
    [("investigator", False), ("monitor", False), ("statistician", True), ("data_manager", True)],
)
def test_site_staff_and_monitors_see_their_sites_statisticians_and_dms_all(
    role, sees_lyon, users, web, two_sites
):
    paris, lyon = two_sites
    client = web(users[role])
    html = client.get(reverse("dashboard:index")).content.decode()
    spider = json.dumps(spec(html, "spider"))
    csv = client.get(reverse("dashboard:csv", args=["waterfall"])).content.decode()
    for text in (html, spider, csv):
        assert paris.subject_id in text
        assert (lyon.subject_id in text) is sees_lyon
    by_site = client.get(reverse("dashboard:svg", args=["enrolment-site"])).content.decode()
    assert f"{paris.site.code} (1)" in by_site
    assert (f"{lyon.site.code} (1)" in by_site) is sees_lyon
    overall = re.search(r'data-group="overall">.*?</tr>', html, re.S).group(0)
    assert f"<td>{2 if sees_lyon else 1}</td>" in overall  # patients in the denominator


def test_the_other_sites_investigator_sees_only_lyon(two_sites, other_investigator, web):
    paris, lyon = two_sites
    csv = web(other_investigator).get(reverse("dashboard:csv", args=["spider"])).content.decode()
    assert lyon.subject_id in csv and paris.subject_id not in csv


@pytest.mark.parametrize("plot", PLOTS)
def test_each_figure_downloads_as_svg_and_png_and_its_data_as_csv(
    plot, statistician, web, two_sites
):
    client = web(statistician)
    svg = client.get(reverse("dashboard:svg", args=[plot]))
    assert svg.status_code == 200
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert f'filename="nct00349934-{plot}.svg"' in svg["Content-Disposition"]
    body = svg.content.decode()
    assert body.startswith("<?xml") and 'xmlns="http://www.w3.org/2000/svg"' in body
    assert 'role="img"' in body and "<title" in body and "<desc" in body

    png = client.get(reverse("dashboard:png", args=[plot]))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert f'filename="nct00349934-{plot}.png"' in png["Content-Disposition"]
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")

    csv = client.get(reverse("dashboard:csv", args=[plot]))
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    assert f'filename="nct00349934-{plot}.csv"' in csv["Content-Disposition"]
    lines = csv.content.decode().splitlines()
    assert lines and "," in lines[0]


def test_spider_and_waterfall_downloads_hold_one_patient_each(statistician, web, two_sites):
    paris, lyon = two_sites
    client = web(statistician)
    html = client.get(reverse("dashboard:index")).content.decode()
    lines = drawn_rows(spec(html, "spider"), "line")
    assert {r["patient"] for r in lines} == {paris.subject_id, lyon.subject_id}
    bars = drawn_rows(spec(html, "waterfall"), "bar")
    assert [r["patient"] for r in bars] == [lyon.subject_id, paris.subject_id]
    rows = client.get(reverse("dashboard:csv", args=["waterfall"])).content.decode().splitlines()
    assert rows[0] == "rank,subject_id,cohort,best_pct_change_from_baseline,best_overall_response"
    assert rows[1:] == [f"1,{lyon.subject_id},A,-10.0,SD", f"2,{paris.subject_id},A,-50.0,PR"]


def test_above_the_limit_the_page_draws_cohort_summaries_and_the_csv_keeps_every_patient(
    statistician, web, two_sites, monkeypatch
):
    """A large trial's page carries a few points per cohort, not a mark per patient."""
    from edc.dashboard import charts

    paris, lyon = two_sites
    monkeypatch.setattr(charts, "PATIENT_MARKS_UP_TO", 1)
    cache.clear()
    client = web(statistician)
    html = client.get(reverse("dashboard:index")).content.decode()
    spider = spec(html, "spider")
    assert not any("patient" in r for r in drawn_rows(spider, "line"))
    assert "With 2 patients, more than 1, the figure shows for each cohort" in html
    assert not drawn_rows(spec(html, "waterfall"), "bar")
    assert {r["rank"] for r in drawn_rows(spec(html, "waterfall"), "line")} == set(range(101))
    assert "patient" not in json.dumps(drawn_rows(spec(html, "swimmer"), "line"))
    rows = client.get(reverse("dashboard:csv", args=["waterfall"])).content.decode().splitlines()
    assert rows[1:] == [f"1,{lyon.subject_id},A,-10.0,SD", f"2,{paris.subject_id},A,-50.0,PR"]


def test_an_unknown_plot_is_not_found(statistician, web):
    client = web(statistician)
    assert client.get("/dashboard/nothing.svg").status_code == 404
    assert client.get("/dashboard/nothing.csv").status_code == 404
    assert client.get("/dashboard/nothing.png").status_code == 404


def _count_queries(client, url: str) -> int:
    client.get(url)  # warm caches (content types, session) first
    cache.clear()  # the page computed, not served from the dashboard's cache (edc.caching)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["investigator", "statistician"])
def test_the_dashboard_costs_the_same_queries_for_one_patient_or_many(
    role, users, web, tumour_patient, django_assert_num_queries
):
    client = web(users[role])
    url = reverse("dashboard:index")
    tumour_patient()
    expected = _count_queries(client, url)
    for factors in (("0.9", "1.3"), ("0.5",), ("0.7", "0.65")):
        tumour_patient(factors=factors)
    cache.clear()
    with django_assert_num_queries(expected):
        client.get(url)
    for plot in ("spider", "swimmer", "enrolment-site", "immune-a"):
        download = reverse("dashboard:csv", args=[plot])
        assert _count_queries(client, download) <= expected


def test_objective_response_is_compared_with_the_historical_rate_beside_the_orr(
    statistician, web, two_sites
):
    """1 responder of 2: P(X >= 1 | 2, 0.25) = 1 - 0.75² = 0.4375, not above 25 %."""
    client = web(statistician)
    html = client.get(reverse("dashboard:index")).content.decode()
    overall = re.search(r'data-group="overall">.*?</tr>', html, re.S).group(0)
    assert "not different from the historical 25 %, p = 0.44" in overall
    summary = re.search(r'data-summary="overall">(.*?)</li>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", summary) == (
        "All cohorts: 1/2 responders, 50 % (95 % CI 1.3–98.7 %); "
        "not different from the historical 25 %, p = 0.44."
    )
    assert "exact one-sided binomial test" in html
    assert "two-sided 95 % exact (Clopper–Pearson)" in html
    rows = client.get(reverse("dashboard:csv", args=["endpoints"])).content.decode().splitlines()
    assert rows[0].endswith(",historical_rate,p_value_one_sided")
    orr = [r for r in rows if r.startswith("overall,Objective response rate,")]
    assert orr == ["overall,Objective response rate,1,2,0.5000,0.0126,0.9874,0.95,0.2500,0.4375"]
