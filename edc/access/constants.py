from django.db import models


class Role(models.TextChoices):
    INVESTIGATOR = "investigator", "Investigator"
    COORDINATOR = "coordinator", "Study coordinator"
    MONITOR = "monitor", "Monitor"
    STATISTICIAN = "statistician", "Statistician"
    DATA_MANAGER = "data_manager", "Data manager"


SITE_STAFF = frozenset({Role.INVESTIGATOR, Role.COORDINATOR})
# Roles whose view is limited to the sites they are assigned to.
SITE_SCOPED = frozenset({Role.INVESTIGATOR, Role.COORDINATOR, Role.MONITOR})
ALL_SITES = frozenset({Role.STATISTICIAN, Role.DATA_MANAGER})


class AuthEventKind(models.TextChoices):
    """What happened at the door (edc.access.models.AuthEvent)."""

    LOGIN = "login", "Signed in"
    LOGOUT = "logout", "Signed out"
    LOGIN_FAILED = "login_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Account locked"
    UNLOCKED = "unlocked", "Account unlocked"
    SESSION_EXPIRED = "session_expired", "Session expired"
    TOKEN_ISSUED = "token_issued", "API token issued"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    # Two-step sign-in (edc.access.mfa) and password change.
    MFA_ENROLLED = "mfa_enrolled", "Two-step sign-in set up"
    MFA_VERIFIED = "mfa_verified", "Two-step code accepted"
    MFA_FAILED = "mfa_failed", "Wrong two-step code"
    RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
    MFA_RESET = "mfa_reset", "Two-step sign-in reset"
    PASSWORD_CHANGED = "password_changed", "Password changed"


# Channels an authentication event came through.
WEB = "web"
API = "api"
COMMAND = "command"

# Messages users read (tests import them). Formatted with the settings' values.
ACCOUNT_LOCKED = (
    "This account is locked after {limit} failed sign-ins. Try again in {minutes} minutes "
    "or ask the data manager to unlock it."
)
ACCOUNT_LOCKED_NO_COOLOFF = (
    "This account is locked after {limit} failed sign-ins. Ask the data manager to unlock it."
)
SESSION_IDLE_EXPIRED = "You were signed out after {minutes} minutes without activity."
SESSION_LIFETIME_EXPIRED = (
    "You were signed out because your session reached its maximum length of {hours} hours. "
    "Please sign in again."
)
TOKEN_EXPIRED = "This API token has expired; request a new one."
TOKEN_INVALID = "This API token is not valid (it was revoked or never issued); request a new one."
TOKEN_REVOKED_BY_OWNER = "Revoked by its owner through the API."


class AttemptOutcome(models.TextChoices):
    """One re-entry of a user's password to sign or acknowledge (edc.access.credentials)."""

    SUCCESS = "success", "Signed"
    WRONG_CREDENTIALS = "wrong_credentials", "Wrong user ID or password"
    LOCKED_OUT = "locked_out", "Refused: signing locked"
