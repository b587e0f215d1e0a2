from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class Role(models.TextChoices):
    INVESTIGATOR = "investigator", _("Investigator")
    COORDINATOR = "coordinator", _("Study coordinator")
    MONITOR = "monitor", _("Monitor")
    STATISTICIAN = "statistician", _("Statistician")
    DATA_MANAGER = "data_manager", _("Data manager")


SITE_STAFF = frozenset({Role.INVESTIGATOR, Role.COORDINATOR})
# Roles whose view is limited to the sites they are assigned to.
SITE_SCOPED = frozenset({Role.INVESTIGATOR, Role.COORDINATOR, Role.MONITOR})
ALL_SITES = frozenset({Role.STATISTICIAN, Role.DATA_MANAGER})


class AuthEventKind(models.TextChoices):
    """What happened at the door (edc.access.models.AuthEvent)."""

    LOGIN = "login", _("Signed in")
    LOGOUT = "logout", _("Signed out")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOCKED_OUT = "locked_out", _("Account locked")
    UNLOCKED = "unlocked", _("Account unlocked")
    SESSION_EXPIRED = "session_expired", _("Session expired")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    # Two-step sign-in (edc.access.mfa) and password change.
    MFA_ENROLLED = "mfa_enrolled", _("Two-step sign-in set up")
    MFA_VERIFIED = "mfa_verified", _("Two-step code accepted")
    MFA_FAILED = "mfa_failed", _("Wrong two-step code")
    RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
    MFA_RESET = "mfa_reset", _("Two-step sign-in reset")
    PASSWORD_CHANGED = "password_changed", _("Password changed")


# Channels an authentication event came through.
WEB = "web"
API = "api"
COMMAND = "command"

# Messages users read (tests import them, in English). Marked for translation only: the code
# that shows one translates it (``gettext(ACCOUNT_LOCKED).format(...)``), while the English
# text is what an audited event keeps as its reason.
ACCOUNT_LOCKED = gettext_noop(
    "This account is locked after {limit} failed sign-ins. Try again in {minutes} minutes "
    "or ask the data manager to unlock it."
)
ACCOUNT_LOCKED_NO_COOLOFF = gettext_noop(
    "This account is locked after {limit} failed sign-ins. Ask the data manager to unlock it."
)
SESSION_IDLE_EXPIRED = gettext_noop("You were signed out after {minutes} minutes without activity.")
SESSION_LIFETIME_EXPIRED = gettext_noop(
    "You were signed out because your session reached its maximum length of {hours} hours. "
    "Please sign in again."
)
TOKEN_EXPIRED = gettext_noop("This API token has expired; request a new one.")
TOKEN_INVALID = gettext_noop(
    "This API token is not valid (it was revoked or never issued); request a new one."
)
# Kept in the audit trail (an event's reason): English, not translated.
TOKEN_REVOKED_BY_OWNER = "Revoked by its owner through the API."


class AttemptOutcome(models.TextChoices):
    """One re-entry of a user's password to sign or acknowledge (edc.access.credentials)."""

    SUCCESS = "success", _("Signed")
    WRONG_CREDENTIALS = "wrong_credentials", _("Wrong user ID or password")
    LOCKED_OUT = "locked_out", _("Refused: signing locked")
