"""Messages of user management and training (edc.access.services); tests import them.

Marked for translation only (``gettext_noop``): the code that shows one translates it,
``gettext(msg.SITES_REQUIRED).format(role=...)``, so the constants stay the English text.
"""

from django.utils.translation import gettext_noop

REASON_REQUIRED = gettext_noop("Give the reason for this change; it is kept in the audit trail.")
OWN_ACCOUNT = gettext_noop(
    "Nobody changes their own account: ask another data manager to change your role, sites or "
    "activation."
)
UNKNOWN_ROLE = gettext_noop("Choose one of the trial roles.")
SITES_REQUIRED = gettext_noop("The role of {role} works at given sites: choose at least one site.")
NO_SITES_FOR_ALL_SITES_ROLE = gettext_noop(
    "The role of {role} sees every site: leave the sites empty."
)
NO_SITES_WITHOUT_ROLE = gettext_noop(
    "An account without a role has no sites: choose a role or no site."
)
TRAINING_REQUIRED = gettext_noop(
    "{person} has not acknowledged the {training} yet. They acknowledge it on their "
    "“My training” page (signed in, with their password); then they can be given the role "
    "of {role}."
)
TRAINING_REQUIRED_NEW_ACCOUNT = gettext_noop(
    "A new account cannot be given the role of {role}: it needs its training first. Create the "
    "account without a role; once its user has acknowledged the {training} on their "
    "“My training” page, give them the role."
)
NOTHING_CHANGED = gettext_noop(
    "Nothing to change: this account already has this role, these sites and this language."
)
ALREADY_INACTIVE = gettext_noop("This account is already deactivated.")
ALREADY_ACTIVE = gettext_noop("This account is already active.")
USERNAME_REQUIRED = gettext_noop("Give the username the person will sign in with.")
USERNAME_TAKEN = gettext_noop(
    "This username is already taken (usernames are compared ignoring case)."
)
FULL_NAME_REQUIRED = gettext_noop("Give the person's first and last name.")
EMAIL_REQUIRED = gettext_noop("Give the person's work e-mail address.")
EMAIL_TAKEN = gettext_noop("Another account already has this e-mail address.")
INACTIVE_CANNOT_TRAIN = gettext_noop("A deactivated account cannot acknowledge training.")
GUIDE_CHANGED = gettext_noop(
    "The guide has a new version ({current}) since you opened this page: read it again and "
    "acknowledge the new version."
)
ALREADY_ACKNOWLEDGED = gettext_noop("You have already acknowledged the {training}.")
READ_CONFIRMATION = gettext_noop("I have read and understood this guide")
READ_CONFIRMATION_REQUIRED = gettext_noop(
    "Tick the box to confirm you read and understood the guide."
)
TEMPORARY_PASSWORD_NOTE = gettext_noop(
    "Give this temporary password to {person} in person or by telephone, never in the same "
    "e-mail as the username. It is shown only once; at first sign-in they must replace it."
)
PASSWORD_CHANGE_FIRST = gettext_noop(
    "Please replace the temporary password you were given before going on."
)
NO_ROLE_YET = gettext_noop(
    "Your account has no trial role yet. Acknowledge the training your data manager asked for; "
    "they will then give you your role."
)
UNKNOWN_LANGUAGE = gettext_noop("Choose one of the interface languages.")
