"""The one role → permission table (clinicedc's auths.py idea), synced by `manage.py sync_roles`.

Each role maps app labels to the model actions it may perform on every model of that app, plus
extra custom permissions by full codename. Site scoping is not a permission: selectors scope
every queryset by the user's sites (see selectors.py).
"""

from .constants import Role

CLINICAL_APPS = ("patients", "dosing", "assessments", "labs")
VIEW = frozenset({"view"})
ENTER = frozenset({"view", "add", "change"})

ROLE_PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Role.INVESTIGATOR: dict.fromkeys(CLINICAL_APPS, ENTER),
    Role.COORDINATOR: dict.fromkeys(CLINICAL_APPS, ENTER),
    Role.MONITOR: dict.fromkeys(CLINICAL_APPS, VIEW),
    Role.STATISTICIAN: dict.fromkeys(CLINICAL_APPS, VIEW),
    Role.DATA_MANAGER: {
        **dict.fromkeys(CLINICAL_APPS, VIEW),
        "access": frozenset({"view", "add", "change"}),
    },
}

# Custom permissions (declared in models' Meta.permissions) granted per role.
ROLE_EXTRA_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.INVESTIGATOR: frozenset(),
    Role.COORDINATOR: frozenset(),
    Role.MONITOR: frozenset(),
    Role.STATISTICIAN: frozenset(),
    Role.DATA_MANAGER: frozenset({"patients.open_cohort"}),
}


def group_name(role: str) -> str:
    return f"role:{role}"
