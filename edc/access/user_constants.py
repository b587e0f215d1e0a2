"""Messages of user management and training (edc.access.services); tests import them."""

REASON_REQUIRED = "Give the reason for this change; it is kept in the audit trail."
OWN_ACCOUNT = (
    "Nobody changes their own account: ask another data manager to change your role, sites or "
    "activation."
)
UNKNOWN_ROLE = "Choose one of the trial roles."
SITES_REQUIRED = "The role of {role} works at given sites: choose at least one site."
NO_SITES_FOR_ALL_SITES_ROLE = "The role of {role} sees every site: leave the sites empty."
NO_SITES_WITHOUT_ROLE = "An account without a role has no sites: choose a role or no site."
TRAINING_REQUIRED = (
    "{person} has not acknowledged the {training} yet. They acknowledge it on their "
    "“My training” page (signed in, with their password); then they can be given the role "
    "of {role}."
)
TRAINING_REQUIRED_NEW_ACCOUNT = (
    "A new account cannot be given the role of {role}: it needs its training first. Create the "
    "account without a role; once its user has acknowledged the {training} on their "
    "“My training” page, give them the role."
)
NOTHING_CHANGED = "Nothing to change: this account already has this role and these sites."
ALREADY_INACTIVE = "This account is already deactivated."
ALREADY_ACTIVE = "This account is already active."
USERNAME_REQUIRED = "Give the username the person will sign in with."
USERNAME_TAKEN = "This username is already taken (usernames are compared ignoring case)."
FULL_NAME_REQUIRED = "Give the person's first and last name."
EMAIL_REQUIRED = "Give the person's work e-mail address."
EMAIL_TAKEN = "Another account already has this e-mail address."
INACTIVE_CANNOT_TRAIN = "A deactivated account cannot acknowledge training."
GUIDE_CHANGED = (
    "The guide has a new version ({current}) since you opened this page: read it again and "
    "acknowledge the new version."
)
ALREADY_ACKNOWLEDGED = "You have already acknowledged the {training}."
READ_CONFIRMATION = "I have read and understood this guide"
READ_CONFIRMATION_REQUIRED = "Tick the box to confirm you read and understood the guide."
TEMPORARY_PASSWORD_NOTE = (
    "Give this temporary password to {person} in person or by telephone, never in the same "
    "e-mail as the username. It is shown only once; at first sign-in they must replace it."
)
PASSWORD_CHANGE_FIRST = "Please replace the temporary password you were given before going on."
NO_ROLE_YET = (
    "Your account has no trial role yet. Acknowledge the training your data manager asked for; "
    "they will then give you your role."
)
