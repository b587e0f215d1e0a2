"""The demo trial's dashboard shows the paper's endpoints: ORR 50 %, CBR 90 %, 3 progressors."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from edc.access.constants import Role
from edc.access.models import StaffProfile

from .test_views import drawn_rows, spec


def _row(html: str, group: str) -> str:
    return re.search(rf'data-group="{group}">(.*?)</tr>', html, re.S).group(1)


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row)]


@pytest.mark.django_db
def test_demo_dashboard_shows_orr_15_of_30_benefit_27_of_30_and_3_progressors(client):
    call_command("load_demo")
    statistician = StaffProfile.objects.get(role=Role.STATISTICIAN).user
    client.force_login(statistician)
    html = client.get(reverse("dashboard:index")).content.decode()

    patients, orr, cbr, progressors, _unobserved = _cells(_row(html, "overall"))
    assert patients == "30"
    assert orr.startswith("15/30 · 50 %")
    assert cbr.startswith("27/30 · 90 %")
    assert progressors.startswith("3/30")
    assert "(31.3–68.7 %)" in orr  # exact 95 % interval of 15/30
    # Beside the ORR, the publication's comparison with its historical control (25 %):
    # P(X >= 15 | n = 30, p = 0.25) = 0.00275, exact one-sided binomial test.
    assert "above the historical 25 %, p = 0.0027" in orr
    summary = re.search(r'data-summary="overall">(.*?)</li>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", summary) == (
        "All cohorts: 15/30 responders, 50 % (95 % CI 31.3–68.7 %); "
        "above the historical 25 %, p = 0.0027."
    )
    assert "exact one-sided binomial test" in html and "Clopper–Pearson" in html
    # 5/10 per cohort is 50 % too, but P(X >= 5 | n = 10, p = 0.25) = 0.078: not shown above.
    for cohort in ("A", "B", "C"):
        text = re.search(rf'data-summary="{cohort}">(.*?)</li>', html, re.S).group(1)
        assert text.endswith(
            ": 5/10 responders, 50 % (95 % CI 18.7–81.3 %); "
            "not different from the historical 25 %, p = 0.078."
        )
    endpoints_csv = client.get(reverse("dashboard:csv", args=["endpoints"])).content.decode()
    assert "overall,Objective response rate,15,30,0.5000,0.3130,0.6870,0.95,0.2500,0.00274953" in (
        endpoints_csv.splitlines()
    )

    # The figures draw every treated patient the statistician can see: all 30.
    assert len({r["patient"] for r in drawn_rows(spec(html, "spider"), "line")}) == 30
    assert len(drawn_rows(spec(html, "swimmer"), "bar")) == 30
    swimmer = client.get(reverse("dashboard:svg", args=["swimmer"])).content.decode()
    assert len(set(re.findall(r">([A-Z]{2}\d{2}-\d{3})</text>", swimmer))) == 30  # lane labels
    enrolment = client.get(reverse("dashboard:csv", args=["enrolment-cohort"])).content.decode()
    assert len(enrolment.splitlines()) == 1 + 30

    # The monitor of FR01 and FR02 sees those two sites only.
    monitor = StaffProfile.objects.get(role=Role.MONITOR, user__username="monitor").user
    client.force_login(monitor)
    csv = client.get(reverse("dashboard:csv", args=["swimmer"])).content.decode()
    assert "BE01-" not in csv and "FR01-" in csv and "FR02-" in csv
