"""Training per trial role (21 CFR 11.10(i)): which guide a role's users must have read.

The training material of a role is its user guide, the same page the header's Help link opens
(``docs/guide-*.md``, served at ``/help/``). Each guide has an explicit version here, read by
users and auditors as "Investigator and study coordinator guide v1 (2026-12-06)".

**When a guide changes in a way that changes how people work, raise its version and date
here**: from then on a role that enters or signs data can be given (or its rights widened) only
to users who acknowledged the new version on their "My training" page. Users keep the rights
they already hold; the user list shows their training as out of date until they acknowledge it.
Each acknowledgement also stores the SHA-256 of the guide file as it was read.

A role that can enter data or sign (``edc.access.roles.ENTER_DATA`` / ``SIGN``) requires its
training before it is assigned; the other roles' guides can be acknowledged too (recorded the
same way), but do not gate anything.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import roles
from .constants import Role

# The guide each role reads: its training material, and the page the header's Help link opens
# (served by edc.help, which reads this table; the guides are docs/<slug>.md).
GUIDES_DIR = Path(settings.BASE_DIR) / "docs"
GUIDE_INDEX = "index"
GUIDE_OF_ROLE = {
    Role.INVESTIGATOR: "guide-investigator",
    Role.COORDINATOR: "guide-investigator",
    Role.MONITOR: "guide-monitor",
    Role.STATISTICIAN: "guide-statistician",
    Role.DATA_MANAGER: "guide-data-manager",
}


def guide_for_role(role: str | None) -> str:
    """The slug of the guide written for ``role`` (the guides' index without a role)."""
    return GUIDE_OF_ROLE.get(role, GUIDE_INDEX)


@dataclass(frozen=True)
class Training:
    role: str
    guide: str  # the guide's slug (docs/<slug>.md, served by edc.help)
    title: str
    version: str
    issued: dt.date

    @property
    def label(self) -> str:
        """What the user acknowledges and the training record keeps, e.g.
        "Investigator and study coordinator guide v1 (2026-12-06)"."""
        return f"{self.title} v{self.version} ({self.issued.isoformat()})"

    @property
    def role_label(self) -> str:
        """The role's name in the reader's language."""
        return str(Role(self.role).label)

    @property
    def statement(self) -> str:
        """What the training record keeps: always English, whatever the reader's language."""
        with translation.override("en"):
            role = str(Role(self.role).label).lower()
        return STATEMENT.format(guide=self.label, role=role)

    @property
    def statement_display(self) -> str:
        """The same statement in the reader's language (the guide keeps its English title)."""
        return _(STATEMENT).format(guide=self.label, role=self.role_label.lower())


# The statement a user acknowledges. The guide's label (title, version, date) is the version
# a record keeps and compares: it is never translated.
STATEMENT = gettext_noop(
    "I have read and understood the {guide} and will work as it describes in my role of {role}."
)


SITE_STAFF_GUIDE = ("Investigator and study coordinator guide", "1", dt.date(2026, 12, 6))
TITLES_VERSIONS = {
    Role.INVESTIGATOR: SITE_STAFF_GUIDE,
    Role.COORDINATOR: SITE_STAFF_GUIDE,
    Role.MONITOR: ("Monitor guide", "1", dt.date(2026, 12, 6)),
    Role.STATISTICIAN: ("Statistician guide", "1", dt.date(2026, 12, 6)),
    Role.DATA_MANAGER: ("Data manager guide", "1", dt.date(2026, 12, 6)),
}

TRAININGS: dict[str, Training] = {
    role: Training(role, GUIDE_OF_ROLE[role], title, version, issued)
    for role, (title, version, issued) in TITLES_VERSIONS.items()
}


def training_for(role: str) -> Training:
    return TRAININGS[role]


def current_version(role: str) -> str:
    """The label of the guide version a user of ``role`` must have acknowledged."""
    return TRAININGS[role].label


def requires_training(role: str | None) -> bool:
    """Roles that enter or sign data are assigned only to users trained for them."""
    if not role:
        return False
    return roles.role_allows(role, roles.ENTER_DATA) or roles.role_allows(role, roles.SIGN)


def guide_sha256(role: str) -> str:
    """SHA-256 of the role's guide file as served now ("" when the file is not installed)."""
    path = GUIDES_DIR / f"{TRAININGS[role].guide}.md"
    if not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()
