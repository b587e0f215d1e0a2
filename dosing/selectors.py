"""Access-scoped reads of dosing data, and exposure computed in one place (dosing.rules)."""

from django.db.models import Count, Q, QuerySet

from edc.access.selectors import scope_to_user_sites
from patients.models import Patient

from . import rules
from .constants import InjectionStatus
from .models import Imp321Injection, PaclitaxelAdministration


def paclitaxel_visible_to(user) -> QuerySet[PaclitaxelAdministration]:
    qs = PaclitaxelAdministration.objects.select_related("patient__site", "event")
    return scope_to_user_sites(qs, user, site_lookup="patient__site")


def imp321_visible_to(user) -> QuerySet[Imp321Injection]:
    qs = Imp321Injection.objects.select_related("patient__site", "event", "follows")
    return scope_to_user_sites(qs, user, site_lookup="patient__site")


def _records(doses) -> list[rules.PaclitaxelRecord]:
    return [
        rules.PaclitaxelRecord(
            cycle=d.cycle,
            day=d.day,
            status=d.status,
            dose_mg=d.actual_dose_mg,
            dose_level_mg_m2=d.dose_level_mg_m2,
            bsa_m2=d.bsa_m2,
            planned_mg=d.planned_dose_mg,
        )
        for d in doses
    ]


def exposure_for_patient(*, patient: Patient) -> rules.Exposure:
    doses = PaclitaxelAdministration.objects.filter(patient=patient).order_by("cycle", "day")
    injections = Imp321Injection.objects.filter(patient=patient, status=InjectionStatus.GIVEN)
    return rules.exposure(_records(doses), imp321_given=injections.count())


def exposure_by_patient(*, patients: QuerySet[Patient]) -> dict[int, rules.Exposure]:
    """Exposure for many patients in two queries (pages and exports)."""
    doses: dict[int, list] = {}
    for dose in PaclitaxelAdministration.objects.filter(patient__in=patients).order_by(
        "patient_id", "cycle", "day"
    ):
        doses.setdefault(dose.patient_id, []).append(dose)
    given = dict(
        patients.annotate(
            n=Count("imp321", filter=Q(imp321__status=InjectionStatus.GIVEN))
        ).values_list("id", "n")
    )
    return {
        pid: rules.exposure(_records(doses.get(pid, [])), imp321_given=n)
        for pid, n in given.items()
    }
