"""The lab questions services and pages ask, each one row of edc.access.roles.TABLE."""

from edc.access import roles


def can_import(user) -> bool:
    """Data managers (every site) and site staff (their sites); not monitors or statisticians."""
    return roles.role_can(user, roles.IMPORT_LABS)


def can_manage_reference_data(user) -> bool:
    return roles.role_can(user, roles.MANAGE_REFERENCE_DATA)
