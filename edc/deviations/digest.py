"""The daily e-mail digest per site: new deviations and overdue (missed) visits.

Four queries whatever the number of sites: new deviations, active missed-visit deviations,
site staff with their sites (and interface language); then one message per site and
language with something to report, in that language (``language_of``).
"""

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edc.access.constants import SITE_STAFF
from edc.access.language import language_of
from edc.access.models import StaffProfile

from .constants import ACTIVE
from .models import Deviation


def site_digests(*, since: dt.datetime | None = None) -> dict[str, dict]:
    """Per site code: new deviations, overdue visits, and the site staff to tell — ``to``
    (every address) and ``to_by_language`` (the addresses per reader's language)."""
    since = since or timezone.now() - dt.timedelta(days=1)
    digests: dict[str, dict] = defaultdict(
        lambda: {"new": [], "overdue": [], "to": set(), "to_by_language": defaultdict(set)}
    )
    for d in Deviation.objects.filter(detected_at__gte=since).select_related("patient__site"):
        digests[d.patient.site.code]["new"].append(d)
    for d in Deviation.objects.filter(rule="missed_visit", status__in=ACTIVE).select_related(
        "patient__site"
    ):
        digests[d.patient.site.code]["overdue"].append(d)
    staff = (
        StaffProfile.objects.filter(role__in=SITE_STAFF)
        .exclude(user__email="")
        .select_related("user")
        .prefetch_related("sites")
    )
    for profile in staff:
        language = language_of(profile.user)
        for site in profile.sites.all():
            if site.code in digests:
                digests[site.code]["to"].add(profile.user.email)
                digests[site.code]["to_by_language"][language].add(profile.user.email)
    return dict(digests)


def digest_message(code: str, digest: dict, *, to: list[str]) -> EmailMessage:
    """One site's digest, in the active language (the caller chooses the readers')."""
    new, overdue = digest["new"], digest["overdue"]
    lines = [
        _("Site %(site)s — daily digest") % {"site": code},
        "",
        _("New deviations (%(count)s):") % {"count": len(new)},
    ]
    lines += [f"  {d.patient} {d.rule}: {d.summary}" for d in new]
    lines += ["", _("Overdue visits (%(count)s):") % {"count": len(overdue)}]
    lines += [f"  {d.patient}: {d.summary}" for d in overdue]
    new_text = ngettext("%(count)s new deviation", "%(count)s new deviations", len(new)) % {
        "count": len(new)
    }
    overdue_text = ngettext("%(count)s overdue visit", "%(count)s overdue visits", len(overdue)) % {
        "count": len(overdue)
    }
    return EmailMessage(
        # Translators: e-mail subject, e.g. "[EDC FR01] 2 new deviations, 1 overdue visit"
        subject=_("[EDC %(site)s] %(new)s, %(overdue)s")
        % {"site": code, "new": new_text, "overdue": overdue_text},
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )


def send_site_digests(*, since: dt.datetime | None = None) -> int:
    """One e-mail per site and language, each in its readers' interface language."""
    messages = []
    for code, digest in sorted(site_digests(since=since).items()):
        for language, emails in sorted(digest["to_by_language"].items()):
            with translation.override(language):
                messages.append(digest_message(code, digest, to=sorted(emails)))
    if messages:
        get_connection().send_messages(messages)
    return len(messages)
