"""REST shapes of the monitor workspace. Records are named by form label + object id.

Statisticians (de-identified) get roles instead of people and identifying values withheld.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from edc.audit.display import WITHHELD, patient_label, role_label
from edc.audit.models import AuditEntry
from edc.audit.privacy import withheld_fields_of

from ..constants import SIGNATURE_MEANINGS, LockScope
from ..models import DataQuery, Lock, QueryMessage, SdvMark, Signature


def _username(user, *, deidentified: bool):
    return None if user is None or deidentified else user.get_username()


class DeidentifyingSerializer(serializers.Serializer):
    @property
    def deidentified(self) -> bool:
        return bool(self.context.get("deidentified"))


class AuditEntrySerializer(DeidentifyingSerializer):
    def to_representation(self, entry: AuditEntry) -> dict:
        hidden = withheld_fields_of(entry.model_label) if self.deidentified else frozenset()
        return {
            "id": entry.pk,
            "at": entry.at.isoformat(),
            "action": entry.action,
            "form": entry.model_label,
            "content_type": entry.content_type_id,
            "object_id": entry.object_id,
            "version": entry.version,
            "patient": entry.patient_id,
            "patient_label": patient_label(entry.patient, deidentified=self.deidentified),
            "site": entry.site.code if entry.site else None,
            "user": _username(entry.user, deidentified=self.deidentified),
            "user_role": role_label(entry.user_role),
            "reason": WITHHELD if self.deidentified and entry.reason else entry.reason,
            "changes": [
                {
                    "field": c["field"],
                    "old": WITHHELD if c["field"] in hidden else c["old"],
                    "new": WITHHELD if c["field"] in hidden else c["new"],
                }
                for c in entry.changes
            ],
        }


@extend_schema_field(OpenApiTypes.STR)
class RecordField(serializers.Field):
    """A form as ``"app_label.model"`` (e.g. ``"patients.patient"``) → its content type."""

    default_error_messages = {"unknown": _("Unknown form {value}; use app_label.model.")}

    def to_internal_value(self, data) -> ContentType:
        if not isinstance(data, str) or "\x00" in data:  # PostgreSQL refuses NUL characters
            self.fail("unknown", value=str(data).replace("\x00", ""))
        try:
            app_label, model = data.lower().split(".", 1)
            return ContentType.objects.get_by_natural_key(app_label, model)
        except (ValueError, ContentType.DoesNotExist):
            self.fail("unknown", value=data)

    def to_representation(self, value: ContentType) -> str:
        return f"{value.app_label}.{value.model}"


class QueryMessageSerializer(DeidentifyingSerializer):
    def to_representation(self, message: QueryMessage) -> dict:
        return {
            "kind": message.kind,
            "at": message.at.isoformat(),
            "author": _username(message.author, deidentified=self.deidentified),
            "author_role": role_label(message.author_role),
            "text": message.text,
            "linked_change": message.linked_change_id,
        }


class DataQuerySerializer(DeidentifyingSerializer):
    def to_representation(self, query: DataQuery) -> dict:
        person = {"deidentified": self.deidentified}
        body = {
            "id": query.pk,
            "version": query.version,
            "status": query.status,
            "waiting_on": query.waiting_on or None,
            "age_days": query.age_days,
            "automatic": query.is_automatic,
            "auto_key": query.auto_key,
            "form": f"{query.content_type.app_label}.{query.content_type.model}",
            "content_type": query.content_type_id,
            "object_id": query.object_id,
            "field": query.field,
            "patient": query.patient_id,
            "site": query.site.code if query.site else None,
            "question": query.question,
            "raised_by": _username(query.raised_by, **person),
            "raised_at": query.raised_at.isoformat(),
            "answer": query.answer,
            "answered_by": _username(query.answered_by, **person),
            "answered_at": query.answered_at.isoformat() if query.answered_at else None,
            "closed_by": _username(query.closed_by, **person),
            "closed_at": query.closed_at.isoformat() if query.closed_at else None,
        }
        if self.context.get("with_thread"):
            body["messages"] = QueryMessageSerializer(
                query.messages.select_related("author"), many=True, context=self.context
            ).data
        return body


class QueryCreateSerializer(serializers.Serializer):
    form = RecordField()
    object_id = serializers.IntegerField(min_value=1)
    field = serializers.CharField(required=False, allow_blank=True, default="")
    question = serializers.CharField(allow_blank=True)


class QueryAnswerSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)
    linked_change_reason = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None
    )


class QueryCloseSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class SdvMarkSerializer(DeidentifyingSerializer):
    def to_representation(self, mark: SdvMark) -> dict:
        return {
            "id": mark.pk,
            "form": f"{mark.content_type.app_label}.{mark.content_type.model}",
            "object_id": mark.object_id,
            "field": mark.field,
            "patient": mark.patient_id,
            "site": mark.site.code if mark.site else None,
            "verified_by": _username(mark.verified_by, deidentified=self.deidentified),
            "verified_at": mark.verified_at.isoformat(),
            "version_verified": mark.version_verified,
            "active": mark.is_active,
            "cleared_at": mark.cleared_at.isoformat() if mark.cleared_at else None,
            "cleared_by_change": mark.cleared_by_change_id,
        }


class SdvMarkCreateSerializer(serializers.Serializer):
    form = RecordField()
    object_id = serializers.IntegerField(min_value=1)
    field = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class SignatureSerializer(DeidentifyingSerializer):
    def to_representation(self, signature: Signature) -> dict:
        return {
            "id": signature.pk,
            "patient": signature.patient_id,
            "scope": signature.scope,
            "signer": _username(signature.signer, deidentified=self.deidentified),
            "printed_name": WITHHELD if self.deidentified else signature.printed_name,
            "signed_at": signature.signed_at.isoformat(),
            "meaning": signature.meaning,
            "content_sha256": signature.content_sha256,
            "records_signed": len(signature.signed_records),
            "status": signature.status,
            "invalidated_at": (
                signature.invalidated_at.isoformat() if signature.invalidated_at else None
            ),
            "invalidating_change": signature.invalidating_change_id,
        }


class SignatureCreateSerializer(serializers.Serializer):
    patient = serializers.IntegerField(min_value=1)
    scope = serializers.CharField(default="casebook")
    meaning = serializers.ChoiceField(choices=[(m, m) for m in SIGNATURE_MEANINGS])
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class LockSerializer(serializers.Serializer):
    def to_representation(self, lock: Lock) -> dict:
        ct = lock.content_type
        return {
            "id": lock.pk,
            "scope": lock.scope,
            "form": f"{ct.app_label}.{ct.model}" if ct else None,
            "object_id": lock.object_id,
            "patient": lock.patient_id,
            "site": lock.site.code if lock.site else None,
            "reason": lock.reason,
            "locked_by": lock.locked_by.get_username(),
            "locked_at": lock.locked_at.isoformat(),
            "active": lock.is_active,
            "unlocked_by": lock.unlocked_by.get_username() if lock.unlocked_by else None,
            "unlocked_at": lock.unlocked_at.isoformat() if lock.unlocked_at else None,
            "unlock_reason": lock.unlock_reason,
        }


class LockCreateSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=LockScope.choices)
    reason = serializers.CharField(allow_blank=True)
    patient = serializers.IntegerField(required=False, allow_null=True, default=None)
    form = RecordField(required=False, allow_null=True, default=None)
    object_id = serializers.IntegerField(required=False, allow_null=True, default=None)
