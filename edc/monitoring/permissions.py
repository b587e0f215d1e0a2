"""Which trial role may take which monitoring action (site scoping is the selectors' job).

| action               | investigator | coordinator | monitor | statistician | data manager |
|----------------------|--------------|-------------|---------|--------------|--------------|
| raise / close query  |              |             | yes     |              | yes          |
| answer query         | yes          | yes         |         |              |              |
| mark SDV             |              |             | yes     |              |              |
| sign (e-signature)   | yes          |             |         |              |              |
| lock / unlock        |              |             |         |              | yes          |
| review audit trail   | own sites    | own sites   | own sites | de-identified | yes        |
"""

from django.core.exceptions import PermissionDenied

from edc.access.constants import SITE_STAFF, Role
from edc.access.selectors import user_role

from . import constants as msg

QUERY_RAISERS = frozenset({Role.MONITOR, Role.DATA_MANAGER})
QUERY_ANSWERERS = SITE_STAFF
SDV_VERIFIERS = frozenset({Role.MONITOR})
SIGNERS = frozenset({Role.INVESTIGATOR})
LOCKERS = frozenset({Role.DATA_MANAGER})


def can_raise_query(user) -> bool:
    return user_role(user) in QUERY_RAISERS


def can_answer_query(user) -> bool:
    return user_role(user) in QUERY_ANSWERERS


def can_close_query(user) -> bool:
    return user_role(user) in QUERY_RAISERS


def can_verify(user) -> bool:
    return user_role(user) in SDV_VERIFIERS


def can_sign(user) -> bool:
    return user_role(user) in SIGNERS


def can_lock(user) -> bool:
    return user_role(user) in LOCKERS


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def require_query_raiser(user) -> None:
    require(can_raise_query(user), msg.ONLY_MONITORS_RAISE)


def require_query_answerer(user) -> None:
    require(can_answer_query(user), msg.ONLY_SITE_STAFF_ANSWER)


def require_verifier(user) -> None:
    require(can_verify(user), msg.ONLY_MONITORS_VERIFY)


def require_locker(user) -> None:
    require(can_lock(user), msg.ONLY_DATA_MANAGERS_LOCK)
