"""The daily e-mail digest per site: new deviations and overdue (missed) visits.

Three queries whatever the number of sites: new deviations, active missed-visit deviations,
site staff e-mails; then one message per site with something to report.
"""

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from edc.access.constants import SITE_STAFF
from edc.access.models import StaffProfile

from .constants import ACTIVE
from .models import Deviation


def site_digests(*, since: dt.datetime | None = None) -> dict[str, dict]:
    since = since or timezone.now() - dt.timedelta(days=1)
    digests: dict[str, dict] = defaultdict(lambda: {"new": [], "overdue": [], "to": set()})
    for d in Deviation.objects.filter(detected_at__gte=since).select_related("patient__site"):
        digests[d.patient.site.code]["new"].append(d)
    for d in Deviation.objects.filter(rule="missed_visit", status__in=ACTIVE).select_related(
        "patient__site"
    ):
        digests[d.patient.site.code]["overdue"].append(d)
    staff = StaffProfile.objects.filter(role__in=SITE_STAFF).exclude(user__email="")
    for code, email in staff.values_list("sites__code", "user__email"):
        if code in digests:
            digests[code]["to"].add(email)
    return dict(digests)


def send_site_digests(*, since: dt.datetime | None = None) -> int:
    messages = []
    for code, digest in sorted(site_digests(since=since).items()):
        if not digest["to"]:
            continue
        lines = [f"Site {code} — daily digest", "", f"New deviations ({len(digest['new'])}):"]
        lines += [f"  {d.patient} {d.rule}: {d.summary}" for d in digest["new"]]
        lines += ["", f"Overdue visits ({len(digest['overdue'])}):"]
        lines += [f"  {d.patient}: {d.summary}" for d in digest["overdue"]]
        messages.append(
            EmailMessage(
                subject=f"[EDC {code}] {len(digest['new'])} new deviations, "
                f"{len(digest['overdue'])} overdue visits",
                body="\n".join(lines),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=sorted(digest["to"]),
            )
        )
    if messages:
        get_connection().send_messages(messages)
    return len(messages)
