"""Access-scoped reads of the exports package: jobs, their files, the export log, and the
subject window of an API page. Another user's job is a 404."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import Http404

from edc.access import roles

from .context import ExportContext, Window
from .models import ExportFileChunk, ExportJob, ExportLog


def export_jobs_for_user(user) -> QuerySet[ExportJob]:
    """A package holds its requester's view of the data: only the requester may fetch it."""
    return ExportJob.objects.filter(requested_by=user).defer("manifest")


def export_job_get_for_user(*, user, pk) -> ExportJob:
    try:
        return ExportJob.objects.filter(requested_by=user).get(pk=pk)
    except (ExportJob.DoesNotExist, ValueError, TypeError):
        raise Http404("No such export package.") from None


def export_job_file(job: ExportJob) -> Iterator[bytes]:
    """The stored zip, piece by piece (one row in memory at a time)."""
    rows = ExportFileChunk.objects.filter(job=job).order_by("seq").values_list("data", flat=True)
    for data in rows.iterator(chunk_size=1):
        yield bytes(data)


def export_logs_for_user(user) -> QuerySet[ExportLog]:
    """Data managers review every export; everyone else sees their own."""
    qs = ExportLog.objects.select_related("user")
    return qs if roles.role_can(user, roles.SEE_ALL_EXPORTS) else qs.filter(user=user)


def subject_page(ctx: ExportContext, *, after: int | None, size: int) -> tuple[Window, int | None]:
    """The window of the next ``size`` subjects after ``after`` and the cursor of the next page
    (None on the last page). One query."""
    ids = list(ctx.with_window(Window(after=after)).subject_ids()[: size + 1])
    if not ids:
        return Window(after=after, upto=after if after is not None else 0), None
    if len(ids) > size:
        return Window(after=after, upto=ids[size - 1]), ids[size - 1]
    return Window(after=after, upto=ids[-1]), None
