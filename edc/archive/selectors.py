"""Reads of the casebook archive, scoped to the user (jobs are the requester's own; data
managers see every job)."""

from django.db.models import QuerySet
from django.http import Http404

from edc.access import roles
from edc.access.selectors import sites_visible_to
from patients.selectors import patients_visible_to

from .models import ArchiveDownload, ArchiveJob


def archive_jobs_for_user(user) -> QuerySet[ArchiveJob]:
    qs = ArchiveJob.objects.select_related("site", "requested_by")
    if roles.role_can(user, roles.SEE_ALL_EXPORTS):
        return qs
    return qs.filter(requested_by=user)


def archive_job_get_for_user(*, user, pk: int) -> ArchiveJob:
    try:
        return archive_jobs_for_user(user).get(pk=pk)
    except (ArchiveJob.DoesNotExist, ValueError, TypeError):
        raise Http404("No such casebook archive.") from None


def archive_downloads_for_user(user) -> QuerySet[ArchiveDownload]:
    qs = ArchiveDownload.objects.select_related("user", "patient", "job__site")
    if roles.role_can(user, roles.SEE_ALL_EXPORTS):
        return qs
    return qs.filter(user=user)


def archive_sites_for_user(user):
    """The sites whose casebooks the user may build."""
    return sites_visible_to(user).order_by("code")


def archive_patients(*, user, site=None) -> QuerySet:
    """The patients of an archive (a site's, or every site's the user sees), by site and number."""
    qs = patients_visible_to(user).select_related("site", "cohort")
    if site is not None:
        qs = qs.filter(site=site)
    return qs.order_by("site__code", "id")
