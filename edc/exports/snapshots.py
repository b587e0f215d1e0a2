"""As-of snapshots: any model's rows as they were at a past time, from django-simple-history.

A statistician re-runs last month's analysis on last month's data: every export takes an
optional ``as_of``. Live (``as_of=None``) reads the model's table; as of a time reads its
history table with ``Model.history.as_of(ts)`` — the latest historical row of each id with
``history_date <= ts``, dropped when that row is a deletion (``history_type = '-'``). That is
set-based (one ``NOT EXISTS`` per query, on the indexed id), never a query per row, and gives
querysets with the model's own field names, so a domain is written once for both.

What is reconstructed: every row a domain reads *as a record* (the patient, the AE, the lab
result…). Related records reached through a join inside one query (a result's laboratory
code, a lesion's patient, a draw's visit) are read from the current tables: those links are
fixed at creation and never edited. Sites and cohorts are reference rows whose codes never
change. Access (which sites a user may read) is always decided on today's membership.
"""

import datetime as dt

from django.db import models
from django.db.models import Q, QuerySet


def patient_lookup(model: type[models.Model]) -> str:
    """The lookup from ``model`` to its patient's id ("id" for the patient itself)."""
    lookup = getattr(model, "PATIENT_LOOKUP", "patient")
    return "id" if lookup == "pk" else lookup


class Snapshot:
    """Rows of history-tracked models, now (``as_of=None``) or as of a past time."""

    def __init__(self, as_of: dt.datetime | None = None):
        self.as_of = as_of

    @property
    def is_live(self) -> bool:
        return self.as_of is None

    def rows(self, model: type[models.Model]) -> QuerySet:
        if self.as_of is None:
            return model._default_manager.all()
        return model.history.as_of(self.as_of)

    def history(self, model: type[models.Model]) -> QuerySet:
        """Every historical row of ``model`` written up to the snapshot's time."""
        qs = model.history.all()
        return qs if self.as_of is None else qs.filter(history_date__lte=self.as_of)

    def changed_patients(self, model: type[models.Model], *, since: dt.datetime) -> QuerySet:
        """Ids of patients with a create, change or delete of ``model`` in [since, as_of].

        Read from the history table, so deletions count and no ``updated_at`` is needed.
        """
        return self.history(model).filter(history_date__gte=since).values(patient_lookup(model))

    def changed_patients_filter(
        self, models_: tuple[type[models.Model], ...], *, since: dt.datetime, lookup: str
    ) -> Q:
        """``lookup`` (a patient id path) is a patient changed in any of ``models_``."""
        condition = Q()
        for model in models_:
            condition |= Q(**{f"{lookup}__in": self.changed_patients(model, since=since)})
        return condition
