"""Is this data locked? Asked by ``edc.audit.services`` before every audited write.

A database lock freezes all trial data, a patient lock the patient's whole casebook, a record
lock one form. Nothing is cached: every write reads the locks committed at that moment, so a
lock or unlock takes effect on the next request of every process.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from edc.audit.models import AuditedModel
from edc.audit.records import is_trial_data, patient_id_of

from .constants import LOCKED_MESSAGE, LockScope
from .models import Lock


def locks_covering(
    *, content_type_id: int | None, object_id: int | None, patient_id: int | None
) -> QuerySet[Lock]:
    """Active locks that cover a record (by content type and id) and its patient."""
    covers = Q(scope=LockScope.DATABASE)
    if patient_id is not None:
        covers |= Q(scope=LockScope.PATIENT, patient_id=patient_id)
    if content_type_id is not None and object_id is not None:
        covers |= Q(scope=LockScope.RECORD, content_type_id=content_type_id, object_id=object_id)
    return Lock.objects.filter(covers, unlocked_at__isnull=True)


def locks_covering_instance(instance: AuditedModel) -> QuerySet[Lock]:
    return locks_covering(
        content_type_id=ContentType.objects.get_for_model(type(instance)).pk,
        object_id=instance.pk,
        patient_id=patient_id_of(instance),
    )


def lock_check(instance: AuditedModel) -> None:
    """Refuse a write of locked trial data with ``ValidationError({"__all__": LOCKED_MESSAGE})``.

    Only trial data is locked (``edc.audit.records.is_trial_data``), never monitoring
    metadata such as queries or the locks themselves. App services may call this first, to
    show the lock before other errors.
    """
    if not is_trial_data(type(instance)):
        return
    if locks_covering_instance(instance).exists():
        raise ValidationError({"__all__": gettext(LOCKED_MESSAGE)})
