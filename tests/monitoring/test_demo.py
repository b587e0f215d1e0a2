"""The demo's monitoring: queries in each status, SDV marks, signed forms, a locked casebook,
dated after the data they review."""

import random

from edc.access.constants import Role
from edc.demo.builder import DEMO_PASSWORD
from edc.monitoring import demo
from edc.monitoring.constants import CASEBOOK, QueryStatus, SignatureStatus
from edc.monitoring.models import DataQuery, Lock, SdvMark, Signature


def test_the_demo_builds_queries_in_every_status_sdv_marks_and_signed_forms(
    enrolled,
    other_site,
    make_user,
    investigator,
    coordinator,
    monitor,
    data_manager,
    other_investigator,
):
    for n in range(5):
        enrolled(number=f"D{n}")
    for n in range(4):
        enrolled(site=other_site, user=other_investigator, number=f"L{n}")
    monitor.staff_profile.sites.add(other_site)
    for signer in (investigator, other_investigator):
        signer.set_password(DEMO_PASSWORD)
        signer.save()
    users = {
        "investigator": investigator,
        "coordinator": coordinator,
        "investigator.lyon": other_investigator,
        "investigator.brussels": make_user(Role.INVESTIGATOR),
        "monitor": monitor,
        "statistician": make_user(Role.STATISTICIAN),
        "datamanager": data_manager,
    }
    demo.build(users=users, rng=random.Random(1), signing_password=DEMO_PASSWORD)
    statuses = set(DataQuery.objects.values_list("status", flat=True))
    assert statuses == set(QueryStatus.values)
    assert DataQuery.objects.filter(reopened_at__isnull=False).exists()
    assert SdvMark.objects.filter(cleared_at__isnull=True).count() >= 5
    assert not Signature.objects.exclude(status=SignatureStatus.VALID).exists()
    assert set(Signature.objects.values_list("signer", flat=True)) == {
        investigator.pk,
        other_investigator.pk,
    }
    casebook = Signature.objects.get(scope=CASEBOOK)
    assert casebook.signer == investigator
    assert Lock.objects.get().patient == casebook.patient
    # A query is answered after it was raised, and closed after its answer.
    for query in DataQuery.objects.exclude(answered_at=None):
        assert query.raised_at <= query.answered_at
        assert query.closed_at is None or query.answered_at <= query.closed_at
