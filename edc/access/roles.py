"""The one authorization table: which trial role may take which action (issue 18 §1).

Every page, API endpoint, service and the generated access-matrix test ask ``role_can``:

* a page declares the action it needs (``edc.web.TrialRoleRequiredMixin.action`` and
  ``post_action``; function views ``@requires(action)``);
* an API view declares it per viewset action (``edc.access.api.RolePermission``:
  ``read_action``, ``write_action``, ``action_permissions``);
* the write path (``edc.audit.services``) refuses a human write outside the writer's sites;
* ``manage.py sync_roles`` derives each role's Django group permissions from this table, so
  the permissions the admin shows cannot drift from what the product enforces;
* ``tests/edc/test_access_matrix.py`` walks the URL conf and checks every route against this
  table for every role, and fails on a route that declares no action.

Site scoping is the second half: ``role_can(user, action, record)`` also refuses a record of a
site the user does not belong to, and the selectors scope every queryset the same way.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .constants import SITE_STAFF, Role
from .models import Site
from .selectors import user_role, user_site_ids

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Permission:
    label: str  # what the user may do, in the words of the access-matrix page and docs
    roles: frozenset
    refusal: str  # the message a refused user reads (English; ``refusal()`` translates it)


# Actions (the keys of the table). Strings so views, tests and docs name them the same way.
READ = "read"
SEE_IDENTIFIERS = "see_identifiers"
ENTER_DATA = "enter_data"
OPEN_COHORT = "open_cohort"
REVIEW_DEVIATIONS = "review_deviations"
IMPORT_LABS = "import_labs"
MANAGE_REFERENCE_DATA = "manage_reference_data"
RAISE_QUERY = "raise_query"
ANSWER_QUERY = "answer_query"
VERIFY_SOURCE = "verify_source"
SIGN = "sign"
LOCK = "lock"
EXPORT = "export"
SEE_ALL_EXPORTS = "see_all_exports"
MANAGE_USERS = "manage_users"
AMEND_PROTOCOL = "amend_protocol"
VIEW_SIGN_IN_LOG = "view_sign_in_log"
ACKNOWLEDGE_SAE = "acknowledge_sae"
DOWNLOAD_CASEBOOK = "download_casebook"
ARCHIVE_CASEBOOKS = "archive_casebooks"
VIEW_SITE_RISK = "view_site_risk"
ACT_ON_SITE_RISK = "act_on_site_risk"

TABLE: dict[str, Permission] = {
    READ: Permission(
        "Open the trial's pages and read its data (own sites for site staff and monitors)",
        ALL_ROLES,
        gettext_noop("You have no role in this trial."),
    ),
    SEE_IDENTIFIERS: Permission(
        "See screening numbers, initials, year of birth and user names",
        ALL_ROLES - {Role.STATISTICIAN},
        gettext_noop("Your role reads de-identified data only."),
    ),
    ENTER_DATA: Permission(
        "Enter and correct clinical data (screening, visits, doses, assessments, labs)",
        SITE_STAFF,
        gettext_noop("Only site staff can enter or change clinical data."),
    ),
    OPEN_COHORT: Permission(
        "Open the next dose cohort",
        frozenset({Role.DATA_MANAGER}),
        gettext_noop("Only data managers open cohorts."),
    ),
    REVIEW_DEVIATIONS: Permission(
        "Acknowledge and resolve protocol deviations",
        SITE_STAFF | {Role.DATA_MANAGER},
        gettext_noop("Your role cannot review deviations."),
    ),
    IMPORT_LABS: Permission(
        "Import central-laboratory result files",
        SITE_STAFF | {Role.DATA_MANAGER},
        gettext_noop("Only data managers and site staff import laboratory results."),
    ),
    MANAGE_REFERENCE_DATA: Permission(
        "Keep laboratories and normal ranges",
        frozenset({Role.DATA_MANAGER}),
        gettext_noop("Only data managers keep laboratories and normal ranges."),
    ),
    RAISE_QUERY: Permission(
        "Raise, close and reopen data queries",
        frozenset({Role.MONITOR, Role.DATA_MANAGER}),
        gettext_noop("Only monitors and data managers raise and close queries."),
    ),
    ANSWER_QUERY: Permission(
        "Answer data queries",
        SITE_STAFF,
        gettext_noop("Only the site's investigators and coordinators answer queries."),
    ),
    VERIFY_SOURCE: Permission(
        "Mark source-data verification",
        frozenset({Role.MONITOR}),
        gettext_noop("Only monitors mark source-data verification."),
    ),
    SIGN: Permission(
        "Sign a patient's casebook (electronic signature)",
        frozenset({Role.INVESTIGATOR}),
        gettext_noop("Only an investigator of the patient's site can sign."),
    ),
    LOCK: Permission(
        "Lock and unlock data",
        frozenset({Role.DATA_MANAGER}),
        gettext_noop("Only data managers lock and unlock data."),
    ),
    EXPORT: Permission(
        "Download datasets, ODM and the audit trail (each download is logged)",
        ALL_ROLES,
        gettext_noop("Your role cannot export data."),
    ),
    SEE_ALL_EXPORTS: Permission(
        "See every user's exports in the export log",
        frozenset({Role.DATA_MANAGER}),
        gettext_noop("Only data managers see other users' exports."),
    ),
    MANAGE_USERS: Permission(
        "Create users, assign roles, sites and training, deactivate accounts",
        frozenset({Role.DATA_MANAGER}),
        gettext_noop("Only data managers manage user accounts."),
    ),
    AMEND_PROTOCOL: Permission(
        "Apply a protocol amendment to the enrolled patients' calendars",
        frozenset({Role.DATA_MANAGER}),
        gettext_noop("Only data managers apply protocol amendments."),
    ),
    VIEW_SIGN_IN_LOG: Permission(
        "Read the sign-in log",
        frozenset({Role.DATA_MANAGER}),
        gettext_noop("Only data managers see the sign-in log."),
    ),
    ACKNOWLEDGE_SAE: Permission(
        "Follow the SAE reports of every site and acknowledge them for the sponsor's safety desk",
        frozenset({Role.DATA_MANAGER}),
        gettext_noop("Only data managers (the sponsor's safety desk) acknowledge SAE reports."),
    ),
    DOWNLOAD_CASEBOOK: Permission(
        "Download a patient's PDF casebook and the blank annotated CRF (each download is logged)",
        SITE_STAFF | {Role.MONITOR, Role.DATA_MANAGER},
        gettext_noop("Your role reads de-identified data and cannot download casebooks."),
    ),
    ARCHIVE_CASEBOOKS: Permission(
        "Build and download the PDF casebooks of a site (data managers: of the whole trial)",
        frozenset({Role.MONITOR, Role.DATA_MANAGER}),
        gettext_noop("Only monitors and data managers build casebook archives."),
    ),
    VIEW_SITE_RISK: Permission(
        "See the central-monitoring indicators and checks of a site (monitors: own sites)",
        frozenset({Role.MONITOR, Role.DATA_MANAGER}),
        gettext_noop("Only monitors and data managers see the site-risk indicators."),
    ),
    ACT_ON_SITE_RISK: Permission(
        "Refresh the site-risk indicators, note on a site, schedule a monitoring visit",
        frozenset({Role.MONITOR, Role.DATA_MANAGER}),
        gettext_noop("Only monitors and data managers act on site risk."),
    ),
}

# Routes open without a trial role (sign-in, the session timer, the API root and schema).
PUBLIC = "public"
# Routes for any signed-in account, with or without a trial role (help, password, 2-step).
SIGNED_IN = "signed_in"


# Routes served by Django, DRF or drf-spectacular views, which cannot carry a declaration:
# their action, by URL name. Every other route's view declares its own (see the module doc).
LIBRARY_ROUTES: dict[str, str] = {
    "login": PUBLIC,
    "logout": PUBLIC,
    "api-root": READ,
    "schema": READ,
    "api-docs": READ,
}


def _site_of(record) -> int | None:
    """The site a record belongs to, or None when it is not site-bound (e.g. a cohort)."""
    if isinstance(record, Site):
        return record.pk
    lookup = getattr(type(record), "SITE_LOOKUP", None)
    if lookup:
        value = record
        for part in lookup.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return getattr(value, "pk", value)
    if getattr(record, "site_id", None) is not None:
        return record.site_id
    patient = getattr(record, "patient", None)
    return getattr(patient, "site_id", None)


def role_allows(role: str | None, action: str) -> bool:
    """The table itself: may ``role`` take ``action`` (anywhere)?"""
    if action == PUBLIC:
        return True
    if action == SIGNED_IN:
        return True
    return role is not None and role in TABLE[action].roles


def role_can(user, action: str, record=None) -> bool:
    """May ``user`` take ``action`` (on ``record``, which must be of one of the user's sites)?"""
    if action == PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if action == SIGNED_IN:
        return True
    if not role_allows(user_role(user), action):
        return False
    if record is None:
        return True
    site_id = _site_of(record)
    if site_id is None:
        return True
    ids = user_site_ids(user)
    return ids is None or site_id in ids


def refusal(action: str) -> str:
    """The message a user refused ``action`` reads, in their language."""
    if action in TABLE:
        return _(TABLE[action].refusal)
    return _("You are not allowed to do this.")


def require(user, action: str, record=None) -> None:
    """Raise PermissionDenied (403, with the table's message) unless ``role_can``."""
    if not role_can(user, action, record):
        raise PermissionDenied(refusal(action))


def roles_for(action: str) -> frozenset:
    return TABLE[action].roles


# --- Django group permissions, derived from the table (``manage.py sync_roles``) -------------
CLINICAL_APPS = ("patients", "dosing", "assessments", "labs")
VIEW = frozenset({"view"})
ENTER = frozenset({"view", "add", "change"})


def _model_permissions(role: str) -> dict[str, frozenset[str]]:
    clinical = ENTER if role_allows(role, ENTER_DATA) else VIEW
    perms = dict.fromkeys(CLINICAL_APPS, clinical)
    if role_allows(role, MANAGE_USERS):
        perms["access"] = ENTER
    return perms


ROLE_PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    role: _model_permissions(role) for role in Role
}

# Custom permissions (declared in models' Meta.permissions) granted per role.
ROLE_EXTRA_PERMISSIONS: dict[str, frozenset[str]] = {
    role: frozenset({"patients.open_cohort"}) if role_allows(role, OPEN_COHORT) else frozenset()
    for role in Role
}


def group_name(role: str) -> str:
    return f"role:{role}"


# --- Named questions the pages ask often (each one row of the table) ------------------------
def can_enter_data(user) -> bool:
    return role_can(user, ENTER_DATA)


def is_deidentified(user) -> bool:
    """Statisticians read de-identified data (no identifiers, no user names)."""
    return user_role(user) is not None and not role_can(user, SEE_IDENTIFIERS)
