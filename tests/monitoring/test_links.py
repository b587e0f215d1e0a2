"""Any CRF page links to its record's history, queries and SDV with one template tag."""

from django.template import Context, Template
from django.test import RequestFactory

from .conftest import record_path

TEMPLATE = Template('{% load monitoring_tags %}{% monitoring_links record field="sex" %}')


def render(record, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return TEMPLATE.render(Context({"request": request, "record": record}))


def test_links_follow_the_role(patient, monitor, coordinator, data_manager):
    for_monitor = render(patient, monitor)
    assert record_path(patient) in for_monitor
    assert record_path(patient, "query/") + "?field=sex" in for_monitor
    assert record_path(patient, "verify/") + "?field=sex" in for_monitor
    for_site = render(patient, coordinator)
    assert "History" in for_site and "Raise query" not in for_site and "Verify" not in for_site
    assert "Raise query" in render(patient, data_manager)
    assert Template("{% load monitoring_tags %}{{ p|record_url }}").render(
        Context({"p": patient})
    ) == record_path(patient)
