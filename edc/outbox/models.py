"""Work a save asks for (a deviation check, an export build, a lab import), kept with the save.

A row is written in the transaction of the save that needs the work, so the work can neither be
lost (the save committed, the broker was down) nor run for a save that rolled back. Workers run
it and mark it delivered; until then it is *pending*.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

# A pending row nobody has taken yet: the one later saves of the same (task, key) coalesce into.
UNTAKEN = Q(delivered_at__isnull=True, attempts=0)


class OutboxMessage(models.Model):
    task = models.CharField(max_length=100, help_text="Registered Celery task name.")
    args = models.JSONField(default=list, help_text="Positional arguments (ids).")
    key = models.CharField(max_length=200, help_text="Saves with the same task and key coalesce.")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Last hand-off to the broker (the relay re-sends later)."
    )
    claimed_by = models.CharField(max_length=64, blank=True, help_text="Run holding the lease.")
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="Not taken again before (a run in progress, a back-off)."
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            # Many saves of one patient before a worker takes the check give one check. Once
            # taken (attempts > 0) a later save adds a new row: the running check may have read
            # the data before that save committed.
            models.UniqueConstraint(
                fields=["task", "key"], condition=UNTAKEN, name="outbox_one_untaken_per_task_key"
            ),
        ]
        indexes = [
            models.Index(
                fields=["lease_until"],
                condition=Q(delivered_at__isnull=True),
                name="outbox_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        state = "delivered" if self.delivered_at else "pending"
        return f"{self.task}({self.key}) {state}"
