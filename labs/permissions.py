"""Who may do what with lab data, beyond the default "site staff write" rule."""

from edc.access.constants import SITE_STAFF, Role
from edc.access.selectors import user_role

# Central-lab import: data managers for every site, site staff for their own sites
# (subjects of other sites read as unknown). Monitors and statisticians cannot import.
IMPORT_ROLES = frozenset({Role.DATA_MANAGER, *SITE_STAFF})
# Laboratories and their normal ranges are trial reference data kept by data management.
REFERENCE_DATA_ROLES = frozenset({Role.DATA_MANAGER})


def can_import(user) -> bool:
    return user_role(user) in IMPORT_ROLES


def can_manage_reference_data(user) -> bool:
    return user_role(user) in REFERENCE_DATA_ROLES
