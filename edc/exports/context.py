"""What one export reads: the user's scope, the snapshot time, filters, and the row streams.

Every domain generator reads through an ``ExportContext``:

* ``subjects()`` — the patients the user may see (``edc.access`` scoping), as of the
  snapshot, ordered by id, one ``Subject`` (the SDTM keys) each;
* ``stream(model, fields, order_by=…)`` — one model's rows for those patients, as dicts,
  ordered by patient, from a server-side cursor (``iterator(chunk_size=…)``);
* ``merge_by_subject(subjects, name=stream, …)`` — a merge join of those ordered streams.

So a domain costs a fixed number of queries whatever the number of rows (one per stream plus
the small reference tables), and holds one subject's rows in memory at a time.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connections, models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import translation

from edc import protocol
from edc.access.constants import Role
from edc.access.models import Site
from edc.access.roles import is_deidentified
from edc.access.selectors import scope_to_user_sites, user_role
from edc.operations.routers import iterate_reading_replica, read_alias, reading_replica
from patients.models import Cohort, Patient

from .constants import CHUNK_SIZE
from .expressions import usubjid
from .snapshots import Snapshot, patient_lookup

PATIENT_KEY = "pid"  # every stream row carries its patient's id under this key
SCREEN_FAILURE_ARMCD = "SCRNFAIL"
NOT_ASSIGNED_ARMCD = "NOTASSGN"
NOT_TREATED_ARMCD = "NOTTRT"
SYSTEM_USER = "system"

PATIENT_FIELDS = (
    "id",
    "site_id",
    "cohort_id",
    "subject_id",
    "screening_date",
    "year_of_birth",
    "sex",
    "status",
    "enrolled_on",
    "c1d1_date",
    "screen_failure_reason",
    "end_of_treatment_date",
    "end_of_treatment_reason",
    "end_of_study_date",
    "end_of_study_reason",
    "consent_withdrawn_on",
)


@dataclass(frozen=True, slots=True)
class Subject:
    """One patient's identifiers and the facts every domain repeats (SDTM keys)."""

    id: int
    usubjid: str
    subjid: str
    siteid: str
    country: str
    armcd: str
    arm: str
    cohort_dose_mg: Decimal | None
    row: dict  # the patient's own fields (PATIENT_FIELDS)

    @property
    def c1d1(self) -> dt.date | None:
        return self.row["c1d1_date"]


@dataclass(frozen=True)
class Window:
    """Patients with ``after < id <= upto`` (an API page of whole subjects)."""

    after: int | None = None
    upto: int | None = None

    def condition(self, lookup: str) -> Q:
        q = Q()
        if self.after is not None:
            q &= Q(**{f"{lookup}__gt": self.after})
        if self.upto is not None:
            q &= Q(**{f"{lookup}__lte": self.upto})
        return q


class ExportContext:
    """One export's reader, snapshot time and filters (see the module docstring)."""

    def __init__(
        self,
        *,
        user,
        as_of: dt.datetime | None = None,
        updated_since: dt.datetime | None = None,
        window: Window | None = None,
        chunk_size: int = CHUNK_SIZE,
    ):
        self.user = user
        self.as_of = as_of
        self.updated_since = updated_since
        self.window = window or Window()
        self.chunk_size = chunk_size
        self.snapshot = Snapshot(as_of)
        self.deidentified = is_deidentified(user)
        self.role = user_role(user) or ""
        # Models whose changes select the subjects of an ``updated_since`` export.
        self._changed_in: tuple[type[models.Model], ...] = (Patient,)
        self._sites: dict[int, tuple[str, str]] | None = None
        self._cohorts: dict[int, str] | None = None
        self._people: dict[int, str] | None = None
        # Values several domains of one package compute once (the RECIST courses of TU, TR
        # and RS): a dict while a package is built (``one_snapshot``), else None.
        self.shared: dict | None = None

    def with_window(self, window: Window) -> ExportContext:
        ctx = ExportContext(
            user=self.user,
            as_of=self.as_of,
            updated_since=self.updated_since,
            window=window,
            chunk_size=self.chunk_size,
        )
        ctx.shared = self.shared
        return ctx

    def for_models(self, models_: Iterable[type[models.Model]]) -> ExportContext:
        """This context, with ``updated_since`` matching changes of ``models_`` (+ patient)."""
        ctx = self.with_window(self.window)
        ctx._changed_in = tuple(dict.fromkeys((Patient, *models_)))
        return ctx

    # --- querysets ------------------------------------------------------------------------
    def scoped(self, model: type[models.Model]) -> QuerySet:
        """``model``'s rows (live or as of) limited to the user's sites."""
        return scope_to_user_sites(
            self.snapshot.rows(model), self.user, site_lookup=model.SITE_LOOKUP
        )

    def patient_condition(self, lookup: str) -> Q:
        """Window and ``updated_since`` conditions on a patient-id lookup."""
        condition = self.window.condition(lookup)
        if self.updated_since is not None:
            condition &= self.snapshot.changed_patients_filter(
                self._changed_in, since=self.updated_since, lookup=lookup
            )
        return condition

    def subject_ids(self) -> QuerySet:
        """Ids of the subjects this export covers, ascending (a values_list queryset)."""
        return (
            self.scoped(Patient)
            .filter(self.patient_condition("id"))
            .order_by("id")
            .values_list("id", flat=True)
        )

    def stream_queryset(
        self,
        model: type[models.Model],
        fields: Iterable[str],
        *,
        order_by: Iterable[str] = (),
        where: Q | None = None,
        **expressions,
    ) -> QuerySet:
        """The ``values()`` queryset of ``stream``: ``fields``, the patient id as ``pid`` and
        ``expressions``, ordered by patient, then ``order_by``."""
        lookup = patient_lookup(model)
        qs = self.scoped(model).filter(self.patient_condition(lookup))
        if where is not None:
            qs = qs.filter(where)
        qs = qs.values(*fields, **{PATIENT_KEY: F(lookup)}, **expressions)
        # Ordered by the patient id itself (the alias), never by the relation: ordering by
        # "patient" would follow Patient.Meta.ordering (site, screening number).
        return qs.order_by(PATIENT_KEY, *order_by)

    def stream(
        self,
        model: type[models.Model],
        fields: Iterable[str],
        *,
        order_by: Iterable[str] = (),
        where: Q | None = None,
        **expressions,
    ) -> Iterator[dict]:
        """Rows of ``model`` (dicts of ``fields``) ordered by patient, then ``order_by``."""
        qs = self.stream_queryset(model, fields, order_by=order_by, where=where, **expressions)
        return rows_of(qs, chunk_size=self.chunk_size)

    def aggregate(
        self, model: type[models.Model], *, where: Q | None = None, **aggregates
    ) -> Iterator[dict]:
        """One row per patient of ``aggregates`` over ``model`` (e.g. first dose date)."""
        lookup = patient_lookup(model)
        qs = self.scoped(model).filter(self.patient_condition(lookup))
        if where is not None:
            qs = qs.filter(where)
        qs = qs.values(**{PATIENT_KEY: F(lookup)}).annotate(**aggregates)
        return rows_of(qs.order_by(PATIENT_KEY), chunk_size=self.chunk_size)

    # --- reference tables (small, read once) ----------------------------------------------
    def site(self, site_id: int) -> tuple[str, str]:
        if self._sites is None:
            self._sites = {
                pk: (code, country)
                for pk, code, country in Site.objects.values_list("id", "code", "country")
            }
        return self._sites[site_id]

    def cohort_code(self, cohort_id: int | None) -> str:
        if cohort_id is None:
            return ""
        if self._cohorts is None:
            self._cohorts = dict(Cohort.objects.values_list("id", "code"))
        return self._cohorts[cohort_id]

    def people(self) -> dict[int, str]:
        """Each user id as ``person`` names it (read once: the users of one trial)."""
        if self._people is None:
            rows = get_user_model().objects.values_list("id", "username", "staff_profile__role")
            self._people = {
                pk: (Role(role).label if role in Role.values else SYSTEM_USER)
                if self.deidentified
                else username
                for pk, username, role in rows
            }
        return self._people

    def person(self, user_id: int | None) -> str:
        """Who entered a record: the user name, or only the role for a de-identified reader;
        ``SYSTEM_USER`` for no user (or one no longer known)."""
        if user_id is None:
            return SYSTEM_USER
        return self.people().get(user_id, SYSTEM_USER)

    # --- subjects -------------------------------------------------------------------------
    def subjects(self) -> Iterator[Subject]:
        rows = rows_of(
            self.scoped(Patient)
            .filter(self.patient_condition("id"))
            .values(*PATIENT_FIELDS, usubjid=usubjid())
            .order_by("id"),
            chunk_size=self.chunk_size,
        )
        for row in rows:
            yield self.subject(row)

    def subject(self, row: dict) -> Subject:
        site_code, country = self.site(row["site_id"])
        cohort = self.cohort_code(row["cohort_id"])
        if cohort:
            declaration = protocol.cohort(cohort)
            armcd, arm, dose = cohort, declaration.label, declaration.imp321_dose_mg
        elif row["status"] == "screen_failed":
            armcd, arm, dose = SCREEN_FAILURE_ARMCD, "Screen Failure", None
        else:
            armcd, arm, dose = NOT_ASSIGNED_ARMCD, "Not Assigned", None
        return Subject(
            id=row["id"],
            usubjid=row["usubjid"],
            subjid=row["subject_id"] or "",
            siteid=site_code,
            country=country,
            armcd=armcd,
            arm=arm,
            cohort_dose_mg=dose,
            row=row,
        )


def rows_of(qs: QuerySet, *, chunk_size: int) -> Iterator[dict]:
    """The rows of a ``values()`` queryset as dicts, streamed from a server-side cursor.

    On PostgreSQL, inside a transaction, the compiled query runs on a psycopg server-side
    cursor in *binary* format: psycopg's C loaders build the ints, Decimals, dates and
    timestamps, where Django's ``iterator()`` parses text and runs its Python time-zone
    loader per value — about half the export time of a large domain (bench/RESULTS.md,
    "Exports"). The SQL, the rows and their order are the queryset's own; a query whose
    columns need a Django converter (JSON, custom fields), or any other database, takes
    Django's iterator. It reads the queryset's own database (the replica inside
    ``in_read_transaction`` when one is configured).
    """
    db = connections[qs.db]
    if db.vendor != "postgresql" or not db.in_atomic_block:
        return qs.iterator(chunk_size=chunk_size)
    compiler = qs.query.get_compiler(using=qs.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return iter(())
    if compiler.get_converters([column for column, _, _ in compiler.select]):
        return qs.iterator(chunk_size=chunk_size)
    query = qs.query
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    return _binary_rows(sql, params, names, chunk_size, using=qs.db)


def _binary_rows(
    sql: str, params, names: list[str], chunk_size: int, *, using: str
) -> Iterator[dict]:
    # The very SQL Django would send (its server-side cursors bind parameters client-side
    # too), on a psycopg server-side cursor with binary results; logged like Django's own
    # queries so query counts and captured SQL stay true.
    db = connections[using]
    text = db.ops.compose_sql(sql, params)
    name = f"edc_export_{next(_cursor_numbers)}"  # unique among the connection's cursors
    with logged_query(db, text), db.connection.cursor(name=name) as cursor:
        cursor.execute(text, binary=True)
        while rows := cursor.fetchmany(chunk_size):
            for row in rows:
                yield dict(zip(names, row, strict=True))


@contextmanager
def logged_query(db, sql: str) -> Iterator[None]:
    """Run a statement sent on the driver's own cursor (a server-side cursor, a COPY) as if
    Django had sent it: when the connection logs queries (``DEBUG``, ``CaptureQueriesContext``,
    ``django_assert_num_queries``) it is recorded, with its duration, by the debug cursor's
    own ``debug_sql`` — never by writing to the connection's log."""
    if not db.queries_logged:
        yield
        return
    with db.cursor() as cursor, cursor.debug_sql(sql):
        yield


_cursor_numbers = itertools.count(1)


class _Peek:
    __slots__ = ("_it", "head")

    def __init__(self, iterator: Iterator[dict]):
        self._it = iterator
        self.head = next(iterator, None)

    def take(self) -> dict:
        row = self.head
        self.head = next(self._it, None)
        return row


def merge_by_subject(
    subjects: Iterable[Subject], **streams: Iterator[dict]
) -> Iterator[tuple[Subject, dict[str, list[dict]]]]:
    """Each subject with its rows of every stream (all ordered by patient id): a merge join.

    Rows of patients not among ``subjects`` (another site, outside the window) are skipped.
    """
    heads = {name: _Peek(iter(stream)) for name, stream in streams.items()}
    for subject in subjects:
        groups: dict[str, list[dict]] = {}
        for name, peek in heads.items():
            rows = []
            while peek.head is not None and peek.head[PATIENT_KEY] <= subject.id:
                row = peek.take()
                if row[PATIENT_KEY] == subject.id:
                    rows.append(row)
            groups[name] = rows
        yield subject, groups


def in_read_transaction(pieces: Iterable) -> Iterator:
    """Stream ``pieces`` inside one transaction, reading the replica when one is configured.

    A streamed download runs after its request's transaction has committed; outside a
    transaction PostgreSQL must materialise a server-side cursor (``WITH HOLD``) before the
    first row. Inside one, rows stream as they are read, and when this is the outermost
    transaction on PostgreSQL it is ``REPEATABLE READ READ ONLY``: every stream of the export
    sees the same snapshot, so the datasets of one domain agree with each other.

    Each piece is produced inside ``reading_replica()`` (edc.operations.routers): with
    ``DATABASE_REPLICA_URL`` set the export reads the standby, and the transaction is the
    standby's. What the consumer does between two pieces — the export log, a package job's
    progress — stays on the primary.
    """
    return in_english(iterate_reading_replica(_in_transaction(pieces)))


def in_english(pieces: Iterable) -> Iterator:
    """``pieces`` produced in English, one step at a time, whatever the reader's language.

    Exports are exchange formats (SDTM terms, codelist decodes, CDISC labels): a French
    statistician's file is byte for byte an English one's. Each step runs under
    ``translation.override("en")``; the consumer between two steps keeps its own language.
    """
    iterator = iter(pieces)
    try:
        while True:
            with translation.override("en"):
                try:
                    piece = next(iterator)
                except StopIteration:
                    return
            yield piece
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            with translation.override("en"):
                close()


def _in_transaction(pieces: Iterable) -> Iterator:
    using = read_alias()
    db = connections[using]
    outermost = not db.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and db.vendor == "postgresql":
            with db.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                if (snapshot := _snapshot.get()) is not None and snapshot[0] == using:
                    cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot[1]}'")
        yield from pieces


# The snapshot every read transaction of a package starts from: (alias, snapshot id).
_snapshot: ContextVar[tuple[str, str] | None] = ContextVar("export_snapshot", default=None)
_SNAPSHOT_ID = re.compile(r"^[0-9A-F-]+$")


@contextmanager
def one_snapshot(ctx: ExportContext) -> Iterator[ExportContext]:
    """Build several datasets (a package) as one: ``ctx`` with a store for values the
    domains share (``ExportContext.shared``: the RECIST course of each subject, computed once
    for TU, TR and RS), and on PostgreSQL every ``in_read_transaction`` inside reading the
    same REPEATABLE READ snapshot, so the datasets agree with each other as if read in one
    transaction. The snapshot is held by a connection of its own
    (``pg_export_snapshot``) while each dataset still reads in its own transaction: what the
    package build writes between two datasets (a job's progress) commits as usual.

    Inside a transaction already (a test) the datasets read that transaction's snapshot.
    """
    shared = ctx.with_window(ctx.window)
    shared.shared = {}
    with reading_replica() as using:
        db = connections[using]
        held = db.vendor == "postgresql" and not db.in_atomic_block
    if not held:
        yield shared
        return
    holder = connections.create_connection(using)
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        if not _SNAPSHOT_ID.match(snapshot):
            raise ValueError(f"unexpected snapshot id {snapshot!r}")
        token = _snapshot.set((using, snapshot))
        try:
            yield shared
        finally:
            _snapshot.reset(token)
    finally:
        holder.close()
