"""Data queries: raised on a field by a monitor, answered by the site, closed or re-opened."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from edc.audit.models import AuditEntry
from edc.monitoring import constants as msg
from edc.monitoring import selectors, services
from edc.monitoring.constants import MessageKind, QueryStatus
from edc.monitoring.exceptions import IllegalTransition
from edc.monitoring.models import DataQuery
from edc.monitoring.records import record_ref
from patients.models import CalendarEvent

from .conftest import record_path


def test_a_query_goes_open_answered_closed_with_a_thread_and_an_audit_trail(
    patient, raise_query, coordinator, monitor
):
    query = raise_query(patient, question="Year of birth differs from the ID card.")
    assert (query.status, query.waiting_on, query.field) == (
        QueryStatus.OPEN,
        "site",
        "year_of_birth",
    )
    assert query.patient == patient and query.site_id == patient.site_id
    query = services.query_answer(query=query, user=coordinator, text="Checked: correct.")
    assert (query.status, query.waiting_on, query.answered_by) == (
        QueryStatus.ANSWERED,
        "monitor",
        coordinator,
    )
    query = services.query_close(query=query, user=monitor, note="Source seen.")
    assert query.status == QueryStatus.CLOSED and query.closed_by == monitor
    assert query.waiting_on == "" and query.age_days == 0
    assert [m.kind for m in query.messages.all()] == [
        MessageKind.QUESTION,
        MessageKind.ANSWER,
        MessageKind.CLOSE,
    ]
    trail = AuditEntry.objects.filter(model_label="monitoring.dataquery", object_id=query.pk)
    statuses = [
        next((c["new"] for c in e.changes if c["field"] == "status"), None)
        for e in trail.order_by("at", "id")
    ]
    assert statuses == ["open", "answered", "closed"]


def test_a_reopened_query_goes_back_to_the_site_and_can_be_answered_again(
    patient, raise_query, coordinator, monitor
):
    query = raise_query(patient)
    services.query_answer(query=query, user=coordinator, text="See consent form.")
    query = services.query_reopen(query=query, user=monitor, reason="Not in the consent form.")
    assert query.status == QueryStatus.OPEN and query.reopened_by == monitor
    assert query.answer == ""
    query = services.query_answer(query=query, user=coordinator, text="Now checked in the note.")
    services.query_close(query=query, user=monitor)
    query = services.query_reopen(
        query=DataQuery.objects.get(pk=query.pk), user=monitor, reason="x"
    )
    assert query.status == QueryStatus.OPEN


@pytest.mark.parametrize(
    ("moves", "illegal"),
    [
        ([], "reopen"),  # an open query cannot be re-opened
        (["answer"], "answer"),  # an answered query cannot be answered again
        (["close"], "answer"),  # a closed query cannot be answered
        (["close"], "close"),  # nor closed twice
    ],
)
def test_illegal_query_moves_are_refused_and_change_nothing(
    moves, illegal, patient, raise_query, coordinator, monitor
):
    query = raise_query(patient)
    do = {
        "answer": lambda q: services.query_answer(query=q, user=coordinator, text="A"),
        "close": lambda q: services.query_close(query=q, user=monitor),
        "reopen": lambda q: services.query_reopen(query=q, user=monitor, reason="R"),
    }
    for move in moves:
        query = do[move](query)
    before = (query.status, query.version)
    with pytest.raises(IllegalTransition) as exc:
        do[illegal](query)
    assert "cannot be" in exc.value.message_dict["__all__"][0]
    query.refresh_from_db()
    assert (query.status, query.version) == before


def test_a_query_needs_a_question_and_a_real_field(patient, raise_query):
    with pytest.raises(ValidationError) as exc:
        raise_query(patient, question="  ")
    assert exc.value.message_dict == {"question": [msg.QUESTION_REQUIRED]}
    with pytest.raises(ValidationError) as exc:
        raise_query(patient, field="shoe_size")
    assert exc.value.message_dict == {"field": [msg.UNKNOWN_FIELD.format(field="shoe_size")]}


def test_only_monitors_and_data_managers_raise_and_only_site_staff_answer(
    patient, raise_query, investigator, statistician, data_manager, monitor
):
    for user in (investigator, statistician):
        with pytest.raises(PermissionDenied):
            raise_query(patient, user=user)
    query = raise_query(patient, user=data_manager)
    for user in (monitor, statistician, data_manager):
        with pytest.raises(PermissionDenied):
            services.query_answer(query=query, user=user, text="x")
    with pytest.raises(PermissionDenied):
        services.query_close(query=query, user=investigator)


def test_an_automatic_edit_check_query_is_raised_once_whatever_happens_to_it(patient, monitor):
    event = CalendarEvent.objects.filter(patient=patient).first()
    first = services.query_raise_automatic(
        instance=event, field="actual_date", question="Out of window.", auto_key=f"win:{event.pk}"
    )
    assert first.is_automatic and first.raised_by is None and first.status == QueryStatus.OPEN
    again = services.query_raise_automatic(
        instance=event, field="actual_date", question="Out of window!", auto_key=f"win:{event.pk}"
    )
    assert again.pk == first.pk
    services.query_close(query=first, user=monitor, note="Accepted deviation.")
    services.query_raise_automatic(
        instance=event, field="actual_date", question="Out of window.", auto_key=f"win:{event.pk}"
    )
    assert DataQuery.objects.filter(auto_key=f"win:{event.pk}").count() == 1
    assert DataQuery.objects.get(pk=first.pk).status == QueryStatus.CLOSED


def test_an_answer_with_a_correction_links_the_change_whose_reason_cites_the_query(
    patient, raise_query, coordinator, correct
):
    query = raise_query(patient)
    reason = services.query_change_reason(query=query, text="corrected from ID card")
    assert reason == f"Query #{query.pk}: corrected from ID card"
    with pytest.raises(ValidationError) as exc:
        services.query_answer(
            query=query, user=coordinator, text="Corrected.", linked_change_reason=reason
        )
    assert "linked_change_reason" in exc.value.message_dict  # no such change saved yet
    correct(patient, user=coordinator, reason=reason)
    query = services.query_answer(
        query=query,
        user=coordinator,
        text="Corrected.",
        linked_change_reason="corrected from ID card",
    )
    answer = query.messages.get(kind=MessageKind.ANSWER)
    assert answer.linked_change.reason == reason
    assert answer.linked_change.changes == [{"field": "year_of_birth", "old": 1970, "new": 1968}]
    assert list(selectors.query_linked_changes(query=query)) == [answer.linked_change]


def test_open_query_counts_per_site_and_form(
    patient, other_patient, raise_query, coordinator, data_manager, monitor
):
    raise_query(patient)
    answered = raise_query(patient, field="sex")
    services.query_answer(query=answered, user=coordinator, text="ok")
    closed = raise_query(patient, field="sex")
    services.query_close(query=closed, user=monitor)
    raise_query(other_patient, user=data_manager)
    by_site = {
        r["site__code"]: (r["open"], r["answered"])
        for r in selectors.query_counts_by_site(user=data_manager)
    }
    assert by_site == {"FR01": (1, 1), "FR02": (1, 0)}
    assert [(r["form"], r["open"]) for r in selectors.query_counts_by_form(user=data_manager)] == [
        ("Patient", 2)
    ]
    # The monitor of FR01 counts FR01 only.
    assert {r["site__code"] for r in selectors.query_counts_by_site(user=monitor)} == {"FR01"}


def test_the_monitor_raises_a_query_from_the_record_page_and_the_site_answers_in_the_browser(
    patient, monitor, coordinator, web
):
    client = web(monitor)
    page = client.get(record_path(patient, "query/") + "?field=sex")
    assert page.status_code == 200 and b'value="sex" selected' in page.content
    response = client.post(record_path(patient, "query/"), {"field": "sex", "question": "Sure?"})
    query = DataQuery.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "monitoring:query", args=[query.pk]
    )
    client = web(coordinator)
    detail = client.get(reverse("monitoring:query", args=[query.pk]))
    assert b"Send answer" in detail.content and b"Close query" not in detail.content
    empty = client.post(reverse("monitoring:query_answer", args=[query.pk]), {"text": ""})
    assert empty.status_code == 200 and b"This field is required" in empty.content
    client.post(reverse("monitoring:query_answer", args=[query.pk]), {"text": "Confirmed."})
    assert DataQuery.objects.get().status == QueryStatus.ANSWERED
    # The site cannot close; the monitor can.
    assert client.post(reverse("monitoring:query_close", args=[query.pk])).status_code == 403
    web(monitor).post(reverse("monitoring:query_close", args=[query.pk]), {"note": "ok"})
    assert DataQuery.objects.get().status == QueryStatus.CLOSED


def test_a_refused_move_in_the_browser_shows_the_reason(patient, raise_query, monitor, web):
    query = raise_query(patient)
    response = web(monitor).post(
        reverse("monitoring:query_reopen", args=[query.pk]), {"reason": "x"}
    )
    assert response.status_code == 200
    assert "A query that is open cannot be re-opened." in response.content.decode()


def test_query_api_lifecycle_and_illegal_move_is_a_400(patient, api, monitor, coordinator):
    body = {"form": "patients.patient", "object_id": patient.pk, "field": "sex", "question": "?"}
    created = api(monitor).post("/api/v1/queries/", body, format="json")
    assert created.status_code == 201, created.json()
    qid = created.json()["id"]
    assert (
        created.json()["waiting_on"] == "site"
        and created.json()["messages"][0]["kind"] == "question"
    )
    illegal = api(monitor).post(f"/api/v1/queries/{qid}/reopen/", {"reason": "x"}, format="json")
    assert illegal.status_code == 400 and "non_field_errors" in illegal.json()
    answered = api(coordinator).post(
        f"/api/v1/queries/{qid}/answer/", {"text": "Yes"}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    assert api(coordinator).post(f"/api/v1/queries/{qid}/close/", {}).status_code == 403
    closed = api(monitor).post(f"/api/v1/queries/{qid}/close/", {"note": "ok"}, format="json")
    assert closed.json()["status"] == "closed"
    listed = api(monitor).get("/api/v1/queries/?status=closed").json()["results"]
    assert [q["id"] for q in listed] == [qid]


def test_query_list_page_and_api_cost_a_constant_number_of_queries(
    patient,
    enrolled,
    raise_query,
    monitor,
    web,
    api,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    raise_query(patient)
    client, rest = web(monitor), api(monitor)
    client.get(reverse("monitoring:queries"))
    rest.get("/api/v1/queries/")  # warm the per-user caches of both clients
    with django_assert_max_num_queries(20) as page:
        client.get(reverse("monitoring:queries"))
    with django_assert_max_num_queries(20) as listing:
        rest.get("/api/v1/queries/")
    for n in range(3):
        other = enrolled(number=f"Q{n}")
        raise_query(other)
        raise_query(record_ref(other).instance, field="sex")
    with django_assert_num_queries(len(page.captured_queries)):
        response = client.get(reverse("monitoring:queries"))
    assert response.content.count(b"Please check.") == 7
    with django_assert_num_queries(len(listing.captured_queries)):
        assert len(rest.get("/api/v1/queries/").json()["results"]) == 7


def test_a_query_of_another_site_is_a_404(
    other_patient, raise_query, data_manager, monitor, web, api
):
    query = raise_query(other_patient, user=data_manager)
    assert web(monitor).get(reverse("monitoring:query", args=[query.pk])).status_code == 404
    assert api(monitor).get(f"/api/v1/queries/{query.pk}/").status_code == 404
    assert web(monitor).get(record_path(other_patient, "query/")).status_code == 404
