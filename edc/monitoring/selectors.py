"""Access-scoped reads of the monitor workspace. Anything of another site is a 404.

Queries, SDV marks and locks carry the site of their record, so they are scoped like any
record; those about trial-wide data (no site, e.g. a database lock) are visible to every role.
Each list costs a fixed number of queries, whatever the number of rows.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from edc.access.selectors import scope_to_user_sites, user_site_ids
from edc.audit.display import in_language
from edc.audit.models import AuditAction, AuditedModel, AuditEntry
from edc.audit.records import is_trial_data
from patients.models import Patient

from .constants import CASEBOOK, QueryStatus
from .locks import locks_covering
from .models import DataQuery, Lock, SdvMark, Signature
from .records import RecordRef, casebook_models, patient_lookup_filter, record_ref


def _scope_with_trialwide(queryset: QuerySet, user, *, site_lookup: str = "site") -> QuerySet:
    ids = user_site_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(Q(**{f"{site_lookup}__in": ids}) | Q(**{f"{site_lookup}__isnull": True}))


# ------------------------------------------------------------------------------ records


def _audited_model(
    content_type_id: int, *, trial_data_only: bool
) -> tuple[ContentType, type[AuditedModel]]:
    try:
        content_type = ContentType.objects.get_for_id(content_type_id)
    except ContentType.DoesNotExist:
        raise Http404("No such form.") from None
    model = content_type.model_class()
    if model is None or not issubclass(model, AuditedModel):
        raise Http404("No such form.")
    if trial_data_only and not is_trial_data(model):
        raise Http404("No such form.")
    return content_type, model


def record_get_for_user(
    *, user, content_type_id: int, object_id: int, trial_data_only: bool = False
) -> RecordRef:
    """Any audited record the user may see, by content type and id; else a 404.

    ``trial_data_only`` for the actions that apply to trial data only (queries, SDV, locks).
    A deleted record is still found through its audit trail (``instance`` is then None).
    """
    content_type, model = _audited_model(content_type_id, trial_data_only=trial_data_only)
    rows = model.objects.filter(pk=object_id)
    if model.SITE_LOOKUP:
        rows = _scope_with_trialwide(rows, user, site_lookup=model.SITE_LOOKUP)
    instance = rows.first()
    if instance is not None:
        return record_ref(instance)
    if model.objects.filter(pk=object_id).exists():
        raise Http404("No such record.")  # another site's
    entry = (
        _scope_with_trialwide(AuditEntry.objects.all(), user)
        .filter(content_type=content_type, object_id=object_id)
        .order_by("-at", "-id")
        .first()
    )
    if entry is None:
        raise Http404("No such record.")
    return RecordRef(
        model=model,
        content_type=content_type,
        object_id=object_id,
        instance=None,
        patient_id=entry.patient_id,
        site_id=entry.site_id,
    )


@dataclass(frozen=True)
class CasebookRecord:
    record: RecordRef
    sdv: SdvMark | None  # the active record-level mark
    open_queries: int


def _site_follows_patient(model: type[AuditedModel]) -> bool:
    """Whether a record's site is its patient's (``SITE_LOOKUP`` goes through the patient)."""
    through_patient = "site" if model.PATIENT_LOOKUP == "pk" else f"{model.PATIENT_LOOKUP}__site"
    return through_patient == model.SITE_LOOKUP


def _patient_records(model: type[AuditedModel], patient: Patient) -> list[RecordRef]:
    """The references of a patient's rows of ``model`` (one query).

    The rows were selected by their patient, so its id and site are known: reading them off
    each row (``record_ref``) would fetch the patient, or the assessment and the patient, of
    every row. Models whose site does not follow the patient join the path instead.
    """
    rows = model.objects.filter(**patient_lookup_filter(model, patient.pk)).order_by("pk")
    if not _site_follows_patient(model):
        joins = {
            lookup.rsplit("__", 1)[0]
            for lookup in (model.PATIENT_LOOKUP, model.SITE_LOOKUP)
            if lookup and "__" in lookup
        }
        return [record_ref(row) for row in rows.select_related(*joins)]
    content_type = ContentType.objects.get_for_model(model)
    return [
        RecordRef(
            model=model,
            content_type=content_type,
            object_id=row.pk,
            instance=row,
            patient_id=patient.pk,
            site_id=patient.site_id,
        )
        for row in rows
    ]


def casebook_records(*, patient: Patient) -> list[CasebookRecord]:
    """Every current record of a patient's casebook, with its SDV mark and open queries.

    One query per casebook form plus two: constant in the number of records.
    """
    records: list[RecordRef] = []
    for model in casebook_models():
        records.extend(_patient_records(model, patient))
    marks = {
        (m.content_type_id, m.object_id): m
        for m in SdvMark.objects.filter(
            patient=patient, field="", cleared_at__isnull=True
        ).select_related("verified_by")
    }
    open_counts = {
        (row["content_type_id"], row["object_id"]): row["n"]
        for row in DataQuery.objects.filter(patient=patient)
        .exclude(status=QueryStatus.CLOSED)
        .values("content_type_id", "object_id")
        .annotate(n=Count("id"))
    }
    return [
        CasebookRecord(
            record=r,
            sdv=marks.get((r.content_type.pk, r.object_id)),
            open_queries=open_counts.get((r.content_type.pk, r.object_id), 0),
        )
        for r in records
    ]


def record_is_locked(record: RecordRef) -> bool:
    return locks_covering(
        content_type_id=record.content_type.pk,
        object_id=record.object_id,
        patient_id=record.patient_id,
    ).exists()


# ------------------------------------------------------------------------- data queries


def queries_for_user(user) -> QuerySet[DataQuery]:
    qs = DataQuery.objects.select_related(
        "content_type", "patient__site", "site", "raised_by", "answered_by", "closed_by"
    )
    return _scope_with_trialwide(qs, user)


def query_get_for_user(*, user, pk: int) -> DataQuery:
    try:
        return queries_for_user(user).get(pk=pk)
    except (DataQuery.DoesNotExist, ValueError, TypeError):
        raise Http404("No such query.") from None


def queries_filter(
    queryset: QuerySet[DataQuery],
    *,
    status: str = "",
    site: int | None = None,
    patient: int | None = None,
    form: int | None = None,
) -> QuerySet[DataQuery]:
    if status:
        queryset = queryset.filter(status=status)
    if site is not None:
        queryset = queryset.filter(site_id=site)
    if patient is not None:
        queryset = queryset.filter(patient_id=patient)
    if form is not None:
        queryset = queryset.filter(content_type_id=form)
    return queryset


def queries_for_record(*, user, record: RecordRef) -> QuerySet[DataQuery]:
    return queries_for_user(user).filter(
        content_type=record.content_type, object_id=record.object_id
    )


def _unresolved_counts(queryset: QuerySet[DataQuery], key: str) -> list[dict]:
    return list(
        queryset.exclude(status=QueryStatus.CLOSED)
        .values(key)
        .annotate(
            open=Count("id", filter=Q(status=QueryStatus.OPEN)),
            answered=Count("id", filter=Q(status=QueryStatus.ANSWERED)),
        )
        .order_by(key)
    )


def query_counts_by_site(*, user) -> list[dict]:
    """[{"site__code", "open", "answered"}] for the user's sites that have unresolved queries."""
    return _unresolved_counts(queries_for_user(user), "site__code")


def query_counts_by_form(*, user) -> list[dict]:
    """[{"content_type_id", "form", "open", "answered"}] per form with unresolved queries."""
    rows = _unresolved_counts(queries_for_user(user), "content_type_id")
    for row in rows:
        model = ContentType.objects.get_for_id(row["content_type_id"]).model_class()
        row["form"] = in_language(model._meta.verbose_name) if model else "?"
    return rows


def query_linked_changes(*, query: DataQuery) -> QuerySet[AuditEntry]:
    """Changes of the queried record whose reason cites the query ("Query #12: …")."""
    return (
        AuditEntry.objects.filter(
            content_type_id=query.content_type_id,
            object_id=query.object_id,
            reason__startswith=f"Query #{query.pk}:",
        )
        .select_related("user")
        .order_by("-at", "-id")
    )


# ------------------------------------------------------------------ source-data verification


def sdv_marks_for_user(user) -> QuerySet[SdvMark]:
    qs = SdvMark.objects.select_related("content_type", "site", "verified_by")
    return _scope_with_trialwide(qs, user)


def sdv_marks_for_record(*, record: RecordRef) -> QuerySet[SdvMark]:
    return SdvMark.objects.filter(
        content_type=record.content_type, object_id=record.object_id
    ).select_related("verified_by", "cleared_by_change__user")


def _casebook_sizes(user) -> QuerySet[AuditEntry]:
    """Records of trial data per patient, from the audit index: created minus deleted."""
    labels = [m._meta.label_lower for m in casebook_models()]
    return _scope_with_trialwide(AuditEntry.objects.all(), user).filter(
        model_label__in=labels, patient__isnull=False
    )


@dataclass(frozen=True)
class SdvProgress:
    key: object
    label: str
    records: int
    verified: int

    @property
    def percent(self) -> int:
        return round(100 * self.verified / self.records) if self.records else 0


def _sdv_progress(user, *, key: str) -> dict:
    sizes = {
        row[key]: row["created"] - row["deleted"]
        for row in _casebook_sizes(user)
        .values(key)
        .annotate(
            created=Count("id", filter=Q(action=AuditAction.CREATE)),
            deleted=Count("id", filter=Q(action=AuditAction.DELETE)),
        )
        .order_by(key)
    }
    verified = {
        row[key]: row["n"]
        for row in _scope_with_trialwide(SdvMark.objects.all(), user)
        .filter(field="", cleared_at__isnull=True)
        .values(key)
        .annotate(n=Count("id"))
        .order_by(key)
    }
    return {k: (sizes.get(k, 0), verified.get(k, 0)) for k in sizes.keys() | verified.keys()}


def sdv_progress_by_patient(*, user) -> list[SdvProgress]:
    """Records verified (record-level marks still valid) per patient: three queries."""
    counts = _sdv_progress(user, key="patient_id")
    patients = Patient.objects.select_related("site").in_bulk([k for k in counts if k])
    return [
        SdvProgress(key=pk, label=str(patients[pk]), records=total, verified=done)
        for pk, (total, done) in sorted(counts.items(), key=lambda kv: str(patients.get(kv[0])))
        if pk in patients
    ]


def sdv_progress_by_site(*, user) -> list[SdvProgress]:
    counts = _sdv_progress(user, key="site__code")
    return [
        SdvProgress(key=code, label=code, records=total, verified=done)
        for code, (total, done) in sorted(counts.items(), key=lambda kv: kv[0] or "")
        if code
    ]


# ----------------------------------------------------------------------------- signatures


def signatures_for_patient(*, patient: Patient) -> QuerySet[Signature]:
    """The caller fetched ``patient`` through ``patient_get_for_user``."""
    return Signature.objects.filter(patient=patient).select_related(
        "signer", "invalidating_change__user"
    )


def signatures_for_user(user) -> QuerySet[Signature]:
    return scope_to_user_sites(
        Signature.objects.select_related("patient__site", "signer"),
        user,
        site_lookup="patient__site",
    )


def signature_get_for_user(*, user, pk: int) -> Signature:
    try:
        return signatures_for_user(user).get(pk=pk)
    except (Signature.DoesNotExist, ValueError, TypeError):
        raise Http404("No such signature.") from None


def signature_changes_since(*, signature: Signature) -> QuerySet[AuditEntry]:
    """What changed in the signed data after the signature (oldest first).

    Trial data only (monitoring writes such as queries do not change what was signed). For an
    event signature: the changes of the records signed, and the change that invalidated it.
    """
    labels = [m._meta.label_lower for m in casebook_models()]
    entries = AuditEntry.objects.filter(
        patient_id=signature.patient_id, at__gt=signature.signed_at, model_label__in=labels
    )
    if signature.scope != CASEBOOK:
        signed = Q(pk=signature.invalidating_change_id) if signature.invalidating_change_id else Q()
        for form, object_id, _version in signature.signed_records:
            signed |= Q(model_label=form, object_id=object_id)
        entries = entries.filter(signed) if signed else entries.none()
    return entries.select_related("user", "patient__site", "site").order_by("at", "id")


# ---------------------------------------------------------------------------------- locks


def locks_for_user(user) -> QuerySet[Lock]:
    qs = Lock.objects.select_related(
        "content_type", "patient__site", "site", "locked_by", "unlocked_by"
    )
    return _scope_with_trialwide(qs, user)


def lock_get_for_user(*, user, pk: int) -> Lock:
    try:
        return locks_for_user(user).get(pk=pk)
    except (Lock.DoesNotExist, ValueError, TypeError):
        raise Http404("No such lock.") from None
