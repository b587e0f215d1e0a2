"""The demo's monitoring: queries in each status, SDV marks, a signed (and locked) casebook."""

import random

from edc.access.constants import Role
from edc.demo.builder import DEMO_PASSWORD
from edc.monitoring import demo
from edc.monitoring.constants import QueryStatus, SignatureStatus
from edc.monitoring.models import DataQuery, Lock, SdvMark, Signature


def test_the_demo_builds_queries_in_every_status_sdv_marks_and_a_signed_casebook(
    enrolled,
    other_site,
    make_user,
    investigator,
    coordinator,
    monitor,
    data_manager,
    other_investigator,
):
    for n in range(4):
        enrolled(number=f"D{n}")
    for n in range(3):
        enrolled(site=other_site, user=other_investigator, number=f"L{n}")
    monitor.staff_profile.sites.add(other_site)
    investigator.set_password(DEMO_PASSWORD)
    investigator.save()
    users = {
        "investigator": investigator,
        "coordinator": coordinator,
        "investigator.lyon": other_investigator,
        "investigator.brussels": make_user(Role.INVESTIGATOR),
        "monitor": monitor,
        "statistician": make_user(Role.STATISTICIAN),
        "datamanager": data_manager,
    }
    demo.build(users=users, rng=random.Random(1))
    statuses = set(DataQuery.objects.values_list("status", flat=True))
    assert statuses == set(QueryStatus.values)
    assert DataQuery.objects.filter(reopened_at__isnull=False).exists()
    assert SdvMark.objects.filter(cleared_at__isnull=True).count() >= 5
    signature = Signature.objects.get()
    assert signature.status == SignatureStatus.VALID and signature.signer == investigator
    assert Lock.objects.get().patient == signature.patient
