"""Notifications: who is told what, at once or in the daily digest; each message sent once.

The services below the top floor (``edc.monitoring.services``, ``edc.deviations.services``)
name the work by task in the saving transaction (``edc.outbox``): a new query, an answered
query, major deviations. The task makes one ``Notification`` per person (the unique
constraint makes a re-run a no-op), then sends the ones whose recipient chose "at once"; the
daily digest (beat) sends the rest, one e-mail per person. Sending locks the row
(``SKIP LOCKED``), sends, then marks it sent in the same transaction: an SMTP failure leaves it
pending for the next run (never lost), and two workers never send it twice.

Messages carry no free text typed by people (the question, the answer, comments): they say
what happened, where, in plain words, and link to the record behind the sign-in.

Each message is written in its recipient's language (``edc.access.language.language_of``): the
row's subject and text when it is made, the footer and the digest's subject when it is sent.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from edc import protocol
from edc.access.constants import SITE_STAFF, Role
from edc.access.language import language_of
from edc.access.models import StaffProfile
from edc.deviations.models import Deviation
from edc.monitoring.models import DataQuery

from . import constants as msg
from .constants import Delivery, Kind
from .models import Notification, NotificationPreference

logger = logging.getLogger(__name__)


# --- Each user's choice --------------------------------------------------------------------------
def preference_of(user) -> str:
    found = NotificationPreference.objects.filter(user=user).values_list("delivery", flat=True)
    return next(iter(found), Delivery.IMMEDIATE)


@transaction.atomic
def preference_set(*, user, delivery: str) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"delivery": Delivery(delivery)}
    )
    return preference


# --- Who -----------------------------------------------------------------------------------------
def people_of_sites(site_ids: Iterable[int], roles: Iterable[str]) -> dict[int, set[int]]:
    """Active accounts with an e-mail address, of these roles, per site (one query)."""
    found: dict[int, set[int]] = defaultdict(set)
    rows = (
        StaffProfile.objects.filter(
            role__in=list(roles), active=True, user__is_active=True, sites__in=list(site_ids)
        )
        .exclude(user__email="")
        .values_list("sites", "user_id")
    )
    for site_id, user_id in rows:
        found[site_id].add(user_id)
    return found


# --- What ----------------------------------------------------------------------------------------
@dataclass
class Event:
    """Something people are told about; ``words()`` gives its (subject, text) in the active
    language, so each recipient's row is written in their own."""

    kind: str
    key: str
    site_id: int | None
    words: Callable[[], tuple[str, str]]
    url: str
    recipient_ids: set[int]

    @property
    def subject(self) -> str:
        return self.words()[0]

    @property
    def text(self) -> str:
        return self.words()[1]


def link(name: str, pk: int) -> str:
    return settings.EDC_BASE_URL + reverse(name, args=[pk])


def _patient(patient, site_code: str) -> str:
    """The patient by study number (a patient in screening: no identifier at all)."""
    if patient is not None and patient.subject_id:
        return _("patient %(subject_id)s") % {"subject_id": patient.subject_id}
    return _("a patient in screening at site %(site)s") % {"site": site_code}


def _where(query: DataQuery) -> str:
    if query.field:
        return _("the %(form)s form, field %(field)s,") % {
            "form": query.form_label,
            "field": query.field_label,
        }
    return _("the %(form)s form") % {"form": query.form_label}


def _raiser(query: DataQuery) -> str:
    if query.raised_by_id is None:
        return _("an automatic edit check")
    profile = getattr(query.raised_by, "staff_profile", None)
    if profile and profile.role:
        # Translators: who raised a data query: "the investigator", "the monitor"…
        role = str(profile.get_role_display())
        return _("the %(role)s") % {"role": role[:1].lower() + role[1:]}
    return _("the monitor")


def _queries(ids: Iterable[int]) -> list[DataQuery]:
    return list(
        DataQuery.objects.filter(pk__in=list(ids)).select_related(
            "content_type", "patient", "site", "raised_by__staff_profile"
        )
    )


def _query_raised_words(q: DataQuery) -> Callable[[], tuple[str, str]]:
    def words() -> tuple[str, str]:
        code = q.site.code if q.site else ""
        who = _patient(q.patient, code)
        subject = _("[EDC %(site)s] New data query on %(form)s — %(patient)s") % {
            "site": code,
            "form": q.form_label,
            "patient": who,
        }
        text = _(
            "%(raiser)s raised a data query on %(where)s of %(patient)s at site %(site)s. "
            "Read the question and answer it in the EDC."
        ) % {"raiser": _raiser(q), "where": _where(q), "patient": who, "site": code}
        return subject, text[:1].upper() + text[1:]

    return words


def query_raised_events(query_ids: Iterable[int]) -> list[Event]:
    queries = _queries(query_ids)
    staff = people_of_sites({q.site_id for q in queries}, SITE_STAFF)
    return [
        Event(
            kind=Kind.QUERY_RAISED,
            key=f"query-raised:{q.pk}",
            site_id=q.site_id,
            words=_query_raised_words(q),
            url=link("monitoring:query", q.pk),
            recipient_ids=staff.get(q.site_id, set()),
        )
        for q in queries
    ]


def _query_answered_words(q: DataQuery) -> Callable[[], tuple[str, str]]:
    def words() -> tuple[str, str]:
        code = q.site.code if q.site else ""
        who = _patient(q.patient, code)
        subject = _("[EDC %(site)s] Data query answered on %(form)s — %(patient)s") % {
            "site": code,
            "form": q.form_label,
            "patient": who,
        }
        text = _(
            "The site answered data query %(number)s on %(where)s of %(patient)s at site "
            "%(site)s. Read the answer and close or re-open the query in the EDC."
        ) % {"number": q.pk, "where": _where(q), "patient": who, "site": code}
        return subject, text

    return words


def query_answered_events(query_id: int, version: int) -> list[Event]:
    queries = _queries([query_id])
    if not queries:
        return []
    q = queries[0]
    if q.raised_by_id is not None:
        recipients = set(
            get_user_model()
            .objects.filter(pk=q.raised_by_id, is_active=True)
            .exclude(email="")
            .values_list("pk", flat=True)
        )
    else:  # an automatic query: the site's monitors review the answer
        recipients = people_of_sites([q.site_id], [Role.MONITOR]).get(q.site_id, set())
    return [
        Event(
            kind=Kind.QUERY_ANSWERED,
            key=f"query-answered:{q.pk}:{version}",
            site_id=q.site_id,
            words=_query_answered_words(q),
            url=link("monitoring:query", q.pk),
            recipient_ids=recipients,
        )
    ]


def _deviation_words(d: Deviation) -> Callable[[], tuple[str, str]]:
    def words() -> tuple[str, str]:
        code = d.patient.site.code
        who = _patient(d.patient, code)
        subject = _("[EDC %(site)s] Major protocol deviation — %(patient)s") % {
            "site": code,
            "patient": who,
        }
        text = _(
            "A major protocol deviation was found for %(patient)s at site %(site)s: %(rule)s. "
            "Review it in the EDC."
        ) % {"patient": who, "site": code, "rule": d.get_rule_display()}
        return subject, text

    return words


def major_deviation_events(deviation_ids: Iterable[int]) -> list[Event]:
    deviations = list(
        Deviation.objects.filter(pk__in=list(deviation_ids), severity=protocol.MAJOR)
        .select_related("patient__site")
        .order_by("pk")
    )
    sites = {d.patient.site_id for d in deviations}
    people = people_of_sites(sites, {*SITE_STAFF, Role.MONITOR})
    return [
        Event(
            kind=Kind.MAJOR_DEVIATION,
            key=f"deviation:{d.pk}",
            site_id=d.patient.site_id,
            words=_deviation_words(d),
            url=link("deviations:detail", d.pk),
            recipient_ids=people.get(d.patient.site_id, set()),
        )
        for d in deviations
    ]


def languages_of(user_ids: Iterable[int]) -> dict[int, str]:
    """Each person's language (one query)."""
    users = get_user_model().objects.filter(pk__in=list(user_ids)).select_related("staff_profile")
    return {user.pk: language_of(user) for user in users}


# --- Making and sending --------------------------------------------------------------------------
def notifications_make(events: list[Event]) -> list[str]:
    """One row per person and event (a re-run adds nothing); returns the events' keys."""
    everyone = {uid for e in events for uid in e.recipient_ids}
    languages = languages_of(everyone) if everyone else {}
    default = language_of(None)
    said: dict[tuple[str, str], tuple[str, str]] = {}

    def words(event: Event, uid: int) -> tuple[str, str]:
        language = languages.get(uid, default)
        if (event.key, language) not in said:
            with translation.override(language):
                said[event.key, language] = tuple(str(w) for w in event.words())
        return said[event.key, language]

    digest = set(
        NotificationPreference.objects.filter(
            user_id__in=everyone, delivery=Delivery.DIGEST
        ).values_list("user_id", flat=True)
    )
    rows = [
        Notification(
            recipient_id=uid,
            kind=e.kind,
            event_key=e.key,
            site_id=e.site_id,
            subject=words(e, uid)[0][:300],
            text=words(e, uid)[1][:1000],
            url=e.url[:500],
            digest=uid in digest,
        )
        for e in events
        for uid in sorted(e.recipient_ids)
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return [e.key for e in events]


def _body(items: list[Notification]) -> str:
    """The messages and the footer; call in the recipient's language."""
    lines = []
    for n in items:
        lines += [n.text, n.url, ""]
    return "\n".join([*lines, str(msg.FOOTER)])


def _pending():
    return Notification.objects.filter(sent_at__isnull=True, recipient__is_active=True).exclude(
        recipient__email=""
    )


def notifications_send_each(ids: Iterable[int]) -> int:
    """Send these messages one by one (the "at once" choice); return how many were sent."""
    sent, failure = 0, None
    for pk in sorted(ids):
        try:
            with transaction.atomic():
                n = (
                    _pending()
                    .select_for_update(skip_locked=True, of=("self",))
                    .select_related("recipient__staff_profile")
                    .filter(pk=pk)
                    .first()
                )
                if n is None:
                    continue
                with translation.override(language_of(n.recipient)):
                    body = _body([n])
                EmailMessage(
                    subject=n.subject,
                    body=body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[n.recipient.email],
                ).send()
                Notification.objects.filter(pk=n.pk).update(sent_at=timezone.now())
                sent += 1
        except Exception as exc:  # noqa: BLE001 — the others are still sent; raised at the end
            logger.warning("Notification %s could not be sent", pk, exc_info=True)
            failure = failure or exc
    if failure is not None:
        raise failure
    return sent


def notify(events: list[Event]) -> int:
    """The tasks' work: make the rows, then send the "at once" ones of these events."""
    keys = notifications_make(events)
    ids = _pending().filter(event_key__in=keys, digest=False).values_list("pk", flat=True)
    return notifications_send_each(list(ids))


def notifications_send_digests() -> int:
    """The daily digest: one e-mail per person with everything pending for them.

    Also sends any "at once" message a failed run left pending. Idempotent: sent rows are
    marked in the transaction that sends them. Returns the number of e-mails sent.
    """
    leftover = list(_pending().filter(digest=False).values_list("pk", flat=True))
    sent = notifications_send_each(leftover) if leftover else 0
    people = sorted(set(_pending().filter(digest=True).values_list("recipient_id", flat=True)))
    failure = None
    for user_id in people:
        try:
            with transaction.atomic():
                items = list(
                    _pending()
                    .select_for_update(skip_locked=True, of=("self",))
                    .select_related("recipient__staff_profile")
                    .filter(recipient_id=user_id, digest=True)
                    .order_by("created_at", "pk")
                )
                if not items:
                    continue
                with translation.override(language_of(items[0].recipient)):
                    subject = ngettext(
                        "[EDC] Daily digest: %(count)s message",
                        "[EDC] Daily digest: %(count)s messages",
                        len(items),
                    ) % {"count": len(items)}
                    body = _body(items)
                EmailMessage(
                    subject=subject,
                    body=body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[items[0].recipient.email],
                ).send()
                Notification.objects.filter(pk__in=[n.pk for n in items]).update(
                    sent_at=timezone.now()
                )
                sent += 1
        except Exception as exc:  # noqa: BLE001 — the other people still get theirs
            logger.warning("Digest of user %s could not be sent", user_id, exc_info=True)
            failure = failure or exc
    if failure is not None:
        raise failure
    return sent
