"""The monitoring questions services and pages ask, each one row of edc.access.roles.TABLE.

Site scoping is the selectors' job; who may take which monitoring action is the table's.
"""

from edc.access import roles


def can_raise_query(user) -> bool:
    return roles.role_can(user, roles.RAISE_QUERY)


def can_answer_query(user) -> bool:
    return roles.role_can(user, roles.ANSWER_QUERY)


def can_close_query(user) -> bool:
    return roles.role_can(user, roles.RAISE_QUERY)


def can_verify(user) -> bool:
    return roles.role_can(user, roles.VERIFY_SOURCE)


def can_sign(user) -> bool:
    return roles.role_can(user, roles.SIGN)


def can_lock(user) -> bool:
    return roles.role_can(user, roles.LOCK)


def require_query_raiser(user) -> None:
    roles.require(user, roles.RAISE_QUERY)


def require_query_answerer(user) -> None:
    roles.require(user, roles.ANSWER_QUERY)


def require_verifier(user) -> None:
    roles.require(user, roles.VERIFY_SOURCE)


def require_locker(user) -> None:
    roles.require(user, roles.LOCK)
