"""SAE expedited reporting: make the reports an AE's saves owe, send them, acknowledge, escalate.

How a report is made (docs/guide-data-manager.md, "Safety"): the AE service cannot import this
floor, so in the transaction that saves an AE it writes an outbox row naming
``edc.safety.report_adverse_event`` (``edc.outbox``). The row commits with the save or not at
all, so the work is never lost; a worker (at commit, in eager mode) runs
``sae_reports_sync`` — an initial report when the AE is serious and has none, a numbered
follow-up when a reported item changed — and then ``sae_reports_send``. Both are idempotent: a
re-run finds the reports already made and sent and does nothing.

Every write of a report goes through the audited write path (system writes have no user).
E-mails and the PDF carry coded values only: no free text the site typed (the AE's comments and
"specify" text, ``edc.audit.privacy.withheld_fields``), so a recipient reads nothing beyond
what a de-identified reader may see; the EDC shows the rest to the roles allowed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.constants import SAECriterion
from assessments.models import AdverseEvent
from dosing.constants import AdministrationStatus, InjectionStatus
from dosing.models import Imp321Injection, PaclitaxelAdministration
from edc.access import roles
from edc.access.constants import Role
from edc.access.language import language_of
from edc.access.models import StaffProfile
from edc.audit.clock import audit_now
from edc.audit.privacy import withheld_fields
from edc.audit.services import audited_create, audited_update

from . import constants as msg
from .content import day_text, shown, write_narrative
from .models import SaeReport

logger = logging.getLogger(__name__)

# The AE's fields a report never carries (free text the site typed).
WITHHELD = withheld_fields(AdverseEvent)


# --- What a report says --------------------------------------------------------------------------
def _tracked(ae: AdverseEvent) -> dict:
    """The reported items a follow-up is made for when one of them changes (JSON values)."""
    values = {}
    for field in msg.TRACKED_FIELDS:
        value = getattr(ae, field)
        if isinstance(value, dt.date):
            value = value.isoformat()
        values[field] = value
    return values


def _last_doses(aes: list[AdverseEvent]) -> dict[int, dict]:
    """Per AE: the last paclitaxel and IMP321 doses given on or before the onset (two queries)."""
    patient_ids = {ae.patient_id for ae in aes}
    given = defaultdict(list)
    for a in PaclitaxelAdministration.objects.filter(
        patient_id__in=patient_ids, status=AdministrationStatus.GIVEN
    ).order_by("administration_date"):
        given[a.patient_id].append(a)
    injected = defaultdict(list)
    for i in Imp321Injection.objects.filter(
        patient_id__in=patient_ids, status=InjectionStatus.GIVEN
    ).order_by("injected_at"):
        injected[i.patient_id].append(i)
    result = {}
    for ae in aes:
        pac = [a for a in given[ae.patient_id] if a.administration_date <= ae.start_date]
        imp = [
            i
            for i in injected[ae.patient_id]
            if timezone.localtime(i.injected_at).date() <= ae.start_date
        ]
        last_pac, last_imp = (pac[-1] if pac else None), (imp[-1] if imp else None)
        result[ae.pk] = {
            "last_paclitaxel": last_pac
            and {
                "date": last_pac.administration_date.isoformat(),
                "dose_mg": str(last_pac.actual_dose_mg or last_pac.planned_dose_mg),
                "cycle": last_pac.cycle,
                "day": last_pac.day,
            },
            "last_imp321": last_imp
            and {
                "date": timezone.localtime(last_imp.injected_at).date().isoformat(),
                "dose_mg": str(last_imp.dose_mg) if last_imp.dose_mg is not None else "",
                "number": last_imp.injection_number,
            },
        }
    return result


def report_content(ae: AdverseEvent, doses: dict) -> dict:
    """The event as a report states it: coded values in plain words (English, whatever the
    language of the request that saved the AE), dates in ISO."""
    with translation.override("en"):
        return _report_content(ae, doses)


def _report_content(ae: AdverseEvent, doses: dict) -> dict:
    patient = ae.patient
    labels = dict(SAECriterion.choices)
    content = {
        "patient": patient.subject_id or "",
        "site": patient.site.code,
        "site_name": patient.site.name,
        "country": patient.site.country,
        "cohort": str(patient.cohort) if patient.cohort_id else "",
        "sex": str(patient.get_sex_display()),
        "term": ae.term,
        "meddra_code": ae.meddra_code,
        "grade": ae.grade,
        "start_date": ae.start_date.isoformat(),
        "stop_date": ae.stop_date.isoformat() if ae.stop_date else None,
        "death_date": ae.death_date.isoformat() if ae.death_date else None,
        "serious": ae.serious,
        "criteria": [str(labels.get(c, c)) for c in ae.sae_criteria or []],
        "outcome": str(ae.get_outcome_display()),
        "action_taken": str(ae.get_action_taken_display()),
        "relation_paclitaxel": str(ae.get_relation_paclitaxel_display()),
        "relation_imp321": str(ae.get_relation_imp321_display()),
        "site_aware_at": ae.sae_aware_at.isoformat() if ae.sae_aware_at else None,
        **doses,
        "tracked": _tracked(ae),
    }
    assert not WITHHELD & set(content), "a report never carries free text"  # noqa: S101
    content["narrative"] = write_narrative(content)
    return content


# --- Making reports (worker) ---------------------------------------------------------------------
@transaction.atomic
def sae_reports_sync(*, adverse_event_ids: Iterable[int]) -> list[SaeReport]:
    """Make the reports the AEs owe: idempotent, a fixed number of reads for any number of AEs.

    The AE rows are locked (so two workers cannot both make follow-up 2); an AE that is serious
    and has no report gets its initial report; one whose reported items changed since its last
    report gets the next follow-up, listing what changed.
    """
    ids = sorted(set(adverse_event_ids))
    aes = list(
        AdverseEvent.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("patient__site", "patient__cohort")
        .order_by("pk")
    )
    last: dict[int, SaeReport] = {}
    for report in SaeReport.objects.filter(adverse_event_id__in=ids).order_by("number"):
        last[report.adverse_event_id] = report
    owed = [
        ae
        for ae in aes
        if (ae.pk not in last and ae.serious)
        or (ae.pk in last and last[ae.pk].content.get("tracked") != _tracked(ae))
    ]
    doses = _last_doses(owed)
    made = []
    for ae in owed:
        previous = last.get(ae.pk)
        tracked = _tracked(ae)
        changed = (
            []
            if previous is None
            else [
                label
                for field, label in msg.TRACKED_FIELDS.items()
                if previous.content["tracked"].get(field) != tracked[field]
            ]
        )
        report = SaeReport(
            adverse_event=ae,
            patient=ae.patient,
            number=0 if previous is None else previous.number + 1,
            ae_version=ae.version,
            changed=changed,
            content=report_content(ae, doses[ae.pk]),
            aware_at=ae.sae_aware_at if previous is None else ae.updated_at,
        )
        made.append(
            audited_create(report, user=None, reason=msg.CREATED_REASON.format(version=ae.version))
        )
    return made


# --- Sending (worker) ----------------------------------------------------------------------------
def principal_investigator_emails(site_ids: Iterable[int]) -> dict[int, list[str]]:
    """The site's principal investigator: every active investigator assigned to the site.

    ``edc.access.models.Site`` names no PI; the investigators of the site are those who may
    sign for it (docs/guide-data-manager.md). One query.
    """
    emails: dict[int, set[str]] = defaultdict(set)
    rows = (
        StaffProfile.objects.filter(
            role=Role.INVESTIGATOR,
            active=True,
            user__is_active=True,
            sites__in=list(site_ids),
        )
        .exclude(user__email="")
        .values_list("sites", "user__email")
    )
    for site_id, email in rows:
        emails[site_id].add(email)
    return {site_id: sorted(found) for site_id, found in emails.items()}


def record_url(name: str, pk: int) -> str:
    return settings.EDC_BASE_URL + reverse(name, args=[pk])


def by_language(emails: Iterable[str]) -> dict[str, list[str]]:
    """The addresses grouped by their reader's language (one query): an account's chosen
    language, else the trial's default (a mailbox such as the safety desk's has no account)."""
    emails = sorted(set(emails))
    default = language_of(None)
    chosen: dict[str, str] = {}
    users = (
        get_user_model()
        .objects.filter(email__in=emails, is_active=True)
        .select_related("staff_profile")
        .order_by("pk")
    )
    for user in users:
        chosen.setdefault(user.email, language_of(user))
    groups: dict[str, list[str]] = defaultdict(list)
    for email in emails:
        groups[chosen.get(email, default)].append(email)
    return dict(sorted(groups.items()))


def _patient(c: dict) -> str:
    return c["patient"] or _("not enrolled")


def _subject(report: SaeReport) -> str:
    c = report.content
    return _("[SAE] %(title)s: %(term)s, grade %(grade)s — patient %(patient)s (site %(site)s)") % {
        "title": report.title,
        "term": c["term"],
        "grade": c["grade"],
        "patient": _patient(c),
        "site": c["site"],
    }


def _body(report: SaeReport) -> str:
    c = shown(report.content)
    title = str(report.title)
    if report.changed:
        title = _("%(title)s — changed: %(changed)s") % {
            "title": title,
            "changed": ", ".join(report.changed_display),
        }
    lines = [
        _(
            "A serious adverse event report was made in the trial EDC (NCT00349934, paclitaxel + "
            "IMP321)."
        ),
        "",
        title,
        _("Patient: %(patient)s, site %(site)s (%(site_name)s)")
        % {"patient": _patient(c), "site": c["site"], "site_name": c["site_name"]},
        _("Cohort: %(cohort)s") % {"cohort": c["cohort"] or "—"},
        _("Event: %(term)s, CTCAE grade %(grade)s, from %(start)s")
        % {"term": c["term"], "grade": c["grade"], "start": day_text(c["start_date"])},
        _("Seriousness criteria: %(criteria)s")
        % {"criteria": "; ".join(c["criteria"]) or _("none (no longer serious)")},
        _("Outcome: %(outcome)s") % {"outcome": c["outcome"]},
        _("Site aware: %(at)s")
        % {"at": date_format(timezone.localtime(report.aware_at), "DATETIME_FORMAT")},
        "",
        _(
            "The CIOMS-I form of the event is attached (PDF). The site's own comments are not "
            "sent by e-mail: read them in the EDC."
        ),
        "",
        _("Safety desk: acknowledge receipt in the EDC (sign-in required):"),
        record_url("safety:report", report.pk),
    ]
    return "\n".join(str(line) for line in lines)


def sae_message(report: SaeReport, to: list[str], language: str | None = None) -> EmailMessage:
    """The report's e-mail and its CIOMS-I PDF, in ``language`` (default: the trial's)."""
    from .pdf import report_pdf

    with translation.override(language or language_of(None)):
        message = EmailMessage(
            subject=_subject(report),
            body=_body(report),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=to,
        )
        name = f"SAE-{report.content['patient'] or report.content['site']}-{report.number}.pdf"
        message.attach(name, report_pdf(report), "application/pdf")
    return message


def sae_reports_send(*, report_ids: Iterable[int] | None = None) -> int:
    """Send the reports not sent yet (all, or ``report_ids``); return how many were sent.

    One transaction per report: its row is locked (``SKIP LOCKED``: two workers never send one
    report twice), the e-mail goes out, then ``sent_at`` is saved; an SMTP failure rolls the
    mark back, so the report stays pending and the next run (the outbox retry, or the beat
    escalation run) sends it. Call outside a transaction.
    """
    pending = SaeReport.objects.filter(sent_at__isnull=True)
    if report_ids is not None:
        pending = pending.filter(pk__in=list(report_ids))
    rows = list(pending.order_by("pk").values_list("pk", "patient__site_id"))
    pis = principal_investigator_emails({site_id for _pk, site_id in rows})
    sent, failure = 0, None
    for pk, site_id in rows:
        to = sorted(set(settings.SAFETY_DESK_EMAILS) | set(pis.get(site_id, [])))
        if not to:
            logger.warning("SAE report %s: no recipient (set SAFETY_DESK_EMAILS)", pk)
            continue
        try:
            with transaction.atomic():
                report = (
                    SaeReport.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, sent_at__isnull=True)
                    .first()
                )
                if report is None:
                    continue
                # One e-mail per reader's language, each with its PDF in that language.
                for language, addresses in by_language(to).items():
                    sae_message(report, addresses, language).send()
                audited_update(
                    report,
                    user=None,
                    reason=msg.SENT_REASON,
                    expected_version=None,
                    changes={"sent_at": audit_now(), "recipients": to},
                )
                sent += 1
        except Exception as exc:  # noqa: BLE001 — the others are still sent; raised at the end
            logger.warning("SAE report %s could not be sent", pk, exc_info=True)
            failure = failure or exc
    if failure is not None:
        raise failure
    return sent


def report_adverse_event(adverse_event_id: int) -> dict:
    """The outbox task's work: make what the AE owes, then send what is pending for it."""
    sae_reports_sync(adverse_event_ids=[adverse_event_id])
    pending = SaeReport.objects.filter(adverse_event_id=adverse_event_id, sent_at__isnull=True)
    sent = sae_reports_send(report_ids=list(pending.values_list("pk", flat=True)))
    return {"sent": sent}


# --- Acknowledgement and escalation --------------------------------------------------------------
@transaction.atomic
def sae_report_acknowledge(*, user, report: SaeReport) -> SaeReport:
    """The safety desk confirms it received the report (once)."""
    roles.require(user, roles.ACKNOWLEDGE_SAE, report)
    locked = SaeReport.objects.select_for_update().get(pk=report.pk)
    if locked.acknowledged_at is not None:
        at = date_format(timezone.localtime(locked.acknowledged_at), "DATETIME_FORMAT")
        raise ValidationError({"__all__": msg.ALREADY_ACKNOWLEDGED % {"at": at}})
    if locked.sent_at is None:
        raise ValidationError({"__all__": msg.NOT_SENT_YET})
    return audited_update(
        locked,
        user=user,
        reason=msg.ACKNOWLEDGED_REASON,
        expected_version=None,
        changes={"acknowledged_at": audit_now(), "acknowledged_by": user},
    )


def data_manager_emails() -> list[str]:
    return sorted(
        set(
            StaffProfile.objects.filter(role=Role.DATA_MANAGER, active=True, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


@transaction.atomic
def sae_reports_escalate(*, now: dt.datetime | None = None) -> int:
    """Escalate, once, every report sent more than ``SAE_ESCALATE_AFTER_HOURS`` ago that nobody
    acknowledged: one e-mail to the safety desk and the data managers listing them, and each
    report marked escalated (audited). Set-based and idempotent; returns how many."""
    now = now or timezone.now()
    hours = settings.SAE_ESCALATE_AFTER_HOURS
    overdue = list(
        SaeReport.objects.select_for_update(skip_locked=True)
        .filter(
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            sent_at__lte=now - dt.timedelta(hours=hours),
        )
        .order_by("pk")
    )
    if not overdue:
        return 0
    to = sorted(set(settings.SAFETY_DESK_EMAILS) | set(data_manager_emails()))
    for language, addresses in by_language(to).items():
        with translation.override(language):
            escalation_message(overdue, hours, addresses).send()
    for report in overdue:
        audited_update(
            report,
            user=None,
            reason=msg.ESCALATED_REASON.format(hours=f"{hours:g}"),
            expected_version=None,
            changes={"escalated_at": now},
        )
    return len(overdue)


def escalation_message(overdue: list[SaeReport], hours: float, to: list[str]) -> EmailMessage:
    """The e-mail listing the reports nobody acknowledged, in the active language."""
    lines = [
        _(
            "These SAE reports were sent more than %(hours)s hours ago and nobody has "
            "acknowledged them yet:"
        )
        % {"hours": f"{hours:g}"},
        "",
    ]
    for report in overdue:
        c = report.content
        sent = date_format(timezone.localtime(report.sent_at), "DATETIME_FORMAT")
        lines += [
            "- "
            + _(
                "%(title)s: %(term)s, grade %(grade)s, patient %(patient)s (site %(site)s), "
                "sent %(sent)s"
            )
            % {
                "title": report.title,
                "term": c["term"],
                "grade": c["grade"],
                "patient": _patient(c),
                "site": c["site"],
                "sent": sent,
            },
            f"  {record_url('safety:report', report.pk)}",
        ]
    lines += ["", _("Acknowledge each in the EDC (sign-in required).")]
    subject = ngettext(
        "[SAE] %(count)s report not acknowledged after %(hours)s hours",
        "[SAE] %(count)s reports not acknowledged after %(hours)s hours",
        len(overdue),
    ) % {"count": len(overdue), "hours": f"{hours:g}"}
    return EmailMessage(
        subject=subject,
        body="\n".join(str(line) for line in lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
