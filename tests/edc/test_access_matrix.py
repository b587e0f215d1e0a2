"""The access matrix, generated from the authorization table and the URL conf (issue 18 §1).

Every route of the product (pages and API, every HTTP method it answers) is requested by every
trial role and by a signed-in account without a role. What each route needs is what its view
declares (``action`` / ``post_action`` on pages, ``read_action`` / ``write_action`` /
``action_permissions`` on API views, ``@requires`` on function views, or
``edc.access.roles.LIBRARY_ROUTES`` for Django's and DRF's own views); whether a role may is
``edc.access.roles.TABLE``. A refused role must get 403 before any record is looked up (so ids
of records that do not exist are used: a refusal must not depend on, nor reveal, existence);
an allowed role must not. A route whose view declares nothing fails the first test, so a new
endpoint cannot be forgotten.
"""

import re

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from edc.access import roles
from edc.access.api import RolePermission
from edc.access.constants import Role
from tests.factories import UserFactory

MISSING = 999_999
# URL keyword → a value the route's converter accepts (records that do not exist).
KWARGS = {
    "pk": MISSING,
    "ct": MISSING,
    "assessment_pk": MISSING,
    "ae_pk": MISSING,
    "vitals_pk": MISSING,
    "history_pk": MISSING,
    "therapy_pk": MISSING,
    "conmed_pk": MISSING,
    "meddra_code": MISSING,
    "code": "dm",
    "fmt": "csv",
    "panel": "haematology",
    "plot": "enrolment",
    "slug": "investigator",
    "name": "missing.png",
}
NO_ROLE = "no role"
COLUMNS = [*Role, NO_ROLE]


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (namespace + p.name) if p.name else None, p.callback


def _methods(callback) -> list[tuple[str, str | None]]:
    """(HTTP method, DRF action name) pairs the route answers."""
    if getattr(callback, "actions", None):  # a DRF viewset route
        return [(m.upper(), a) for m, a in callback.actions.items()]
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return [("GET", None)]
    allowed = [m for m in ("get", "post") if m in view_class.http_method_names]
    return [(m.upper(), None) for m in allowed if hasattr(view_class, m)]


def _declared(name: str | None, callback, method: str, action_name: str | None) -> str | None:
    """The action the route's view declares for ``method``, or None when it declares none."""
    short = name.rsplit(":", 1)[-1] if name else None
    if short in roles.LIBRARY_ROUTES and name == short:
        return roles.LIBRARY_ROUTES[short]
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if getattr(callback, "actions", None) is not None or hasattr(view_class, "permission_classes"):
        if view_class is None:
            return None
        if RolePermission in view_class.permission_classes:
            return RolePermission.required_action(view_class, method, action_name)
        return getattr(view_class, "edc_action", None)
    if view_class is not None and hasattr(view_class, "required_action"):
        return view_class.required_action(method)
    return getattr(view_class, "edc_action", None) or getattr(callback, "edc_action", None)


def _routes():
    seen = set()
    for pattern, name, callback in _walk(get_resolver().url_patterns):
        if pattern.startswith("admin/") or "format>" in pattern or "drf_format_suffix" in pattern:
            continue  # admin: the tests at the end; a format suffix: the same view
        if name is None:
            continue  # the API's catch-all JSON 404
        for method, action_name in _methods(callback):
            key = (name, method)
            if key not in seen:
                seen.add(key)
                yield name, pattern, callback, method, action_name


ROUTES = list(_routes())


def _url(name: str, pattern: str) -> str:
    keys = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", pattern)
    kwargs = {a or b: KWARGS[a or b] for a, b in keys if (a or b) != "format"}
    return reverse(name, kwargs=kwargs)


def test_every_route_declares_the_action_it_needs():
    undeclared = [
        f"{name} {method}"
        for name, _pattern, callback, method, action_name in ROUTES
        if _declared(name, callback, method, action_name) is None
    ]
    assert undeclared == [], "Declare an action (edc.access.roles) on these views"


def test_every_declared_action_is_in_the_table():
    actions = {_declared(n, c, m, a) for n, _p, c, m, a in ROUTES}
    assert actions - {roles.PUBLIC, roles.SIGNED_IN} <= set(roles.TABLE)


def test_the_matrix_covers_the_product():
    """A sanity bound so a broken walk (e.g. everything skipped) cannot pass silently."""
    names = {name for name, *_ in ROUTES}
    assert len(ROUTES) > 150
    for expected in ("patients:screen", "monitoring:query_raise", "patient-list", "lock-unlock"):
        assert expected in names


@pytest.fixture
def people(make_user, site):
    users = {
        role: make_user(role, [site] if role in ("investigator", "coordinator", "monitor") else [])
        for role in Role
    }
    users[NO_ROLE] = UserFactory()
    return users


def _request(client, method: str, url: str, is_api: bool):
    if method == "GET":
        return client.get(url)
    body = {}
    if is_api:
        return getattr(client, method.lower())(url, body, content_type="application/json")
    return client.post(url, body)


@pytest.mark.parametrize(
    ("name", "pattern", "callback", "method", "action_name"),
    ROUTES,
    ids=[f"{r[0]} {r[3]}" for r in ROUTES],
)
def test_route_obeys_the_table_for_every_role(
    name, pattern, callback, method, action_name, people, client, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    action = _declared(name, callback, method, action_name)
    url = _url(name, pattern)
    is_api = url.startswith("/api/")
    outcome = {}
    for column in COLUMNS:
        client.logout()
        client.force_login(people[column])
        status = _request(client, method, url, is_api).status_code
        role = None if column == NO_ROLE else column
        allowed = action in (roles.PUBLIC, roles.SIGNED_IN) or roles.role_allows(role, action)
        outcome[column] = (allowed, status)
    wrong = {
        column: status
        for column, (allowed, status) in outcome.items()
        if (status == 403) == allowed or status >= 500
    }
    assert wrong == {}, f"{method} {url} needs {action}: {outcome}"


@pytest.mark.parametrize(
    ("name", "pattern", "callback", "method", "action_name"),
    [r for r in ROUTES if _declared(r[0], r[2], r[3], r[4]) != roles.PUBLIC],
    ids=[f"{r[0]} {r[3]}" for r in ROUTES if _declared(r[0], r[2], r[3], r[4]) != roles.PUBLIC],
)
def test_route_refuses_anonymous_users(name, pattern, callback, method, action_name, client, db):
    url = _url(name, pattern)
    response = _request(client, method, url, url.startswith("/api/"))
    if url.startswith("/api/"):
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302 and reverse("login") in response["Location"]


# --- the Django admin: read-only, and only for a break-glass superuser ----------------------


def test_admin_is_read_only_for_every_model(rf, db):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    request = rf.get("/admin/")
    request.user = superuser
    writable = [
        model._meta.label
        for model, model_admin in admin_site._registry.items()
        if model_admin.has_add_permission(request)
        or model_admin.has_change_permission(request)
        or model_admin.has_delete_permission(request)
    ]
    assert writable == []


@pytest.mark.parametrize("column", COLUMNS)
def test_admin_is_closed_to_trial_roles_even_as_staff(column, people, client):
    user = people[column]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_opens_read_only_for_a_superuser(client, db, investigator):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/admin/").status_code == 200
    page = client.get(f"/admin/auth/user/{investigator.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    response = client.post(
        f"/admin/auth/user/{investigator.pk}/change/", {"username": "renamed", "is_active": ""}
    )
    assert response.status_code == 403
    investigator.refresh_from_db()
    assert investigator.username == "inv_fr01" and investigator.is_active
