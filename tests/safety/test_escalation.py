"""Unacknowledged SAE reports escalate once, after SAE_ESCALATE_AFTER_HOURS (beat, set-based)."""

import datetime as dt

import pytest
from django.utils import timezone

from edc.celery import app
from edc.safety import services
from edc.safety.models import SaeReport
from tests.smtp import body

from .conftest import DESK


def escalations(smtp):
    return [m for m in smtp.messages if "not acknowledged" in m["Subject"]]


@pytest.mark.django_db
def test_a_report_nobody_acknowledged_escalates_once_to_the_desk_and_data_managers(
    smtp, desk, emails, dosed, save_ae, data_manager
):
    report = SaeReport.objects.get(adverse_event=save_ae(dosed))
    later = timezone.now() + dt.timedelta(hours=25)

    assert services.sae_reports_escalate(now=timezone.now() + dt.timedelta(hours=23)) == 0
    assert services.sae_reports_escalate(now=later) == 1
    (mail,) = escalations(smtp)
    rcpt = next(r for r, m in smtp.received if m is mail)
    assert sorted(rcpt) == sorted([*DESK, data_manager.email])
    assert "Febrile neutropenia" in body(mail) and dosed.subject_id in body(mail)
    report.refresh_from_db()
    assert report.escalated_at is not None and report.status.startswith("Escalated")

    assert services.sae_reports_escalate(now=later + dt.timedelta(hours=48)) == 0
    assert len(escalations(smtp)) == 1


@pytest.mark.django_db
def test_an_acknowledged_report_never_escalates(smtp, desk, emails, dosed, save_ae, data_manager):
    report = SaeReport.objects.get(adverse_event=save_ae(dosed))
    services.sae_report_acknowledge(user=data_manager, report=report)
    assert services.sae_reports_escalate(now=timezone.now() + dt.timedelta(days=3)) == 0
    assert escalations(smtp) == []


@pytest.mark.django_db
def test_the_escalation_hours_are_a_setting(smtp, desk, emails, dosed, save_ae, settings):
    save_ae(dosed)
    settings.SAE_ESCALATE_AFTER_HOURS = 2
    assert services.sae_reports_escalate(now=timezone.now() + dt.timedelta(hours=3)) == 1


def test_beat_runs_the_escalation_and_the_digest():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"edc.safety.escalate", "edc.notifications.send_digests"} <= tasks
