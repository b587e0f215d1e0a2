"""What an investigator signs, and whether they may try to sign now.

The signed content is a canonical JSON document of every current audited record of the
patient's casebook (or of one calendar event): each record's form, id, version and stored
values, sorted, so the same data always hashes to the same SHA-256 and any change of value,
any new or deleted record changes it.
"""

import hashlib
import json

from edc.audit.models import AuditJSONEncoder

from .constants import (
    CASEBOOK,
)
from .records import casebook_models, event_code_lookup, patient_lookup_filter


def signature_document(*, patient_id: int, scope: str) -> dict:
    """The records a signature of ``scope`` ("casebook" or an event code) covers."""
    records = []
    for model in casebook_models():
        qs = model.objects.filter(**patient_lookup_filter(model, patient_id))
        if scope != CASEBOOK:
            lookup = event_code_lookup(model)
            if lookup is None:
                continue
            qs = qs.filter(**{lookup: scope})
        pk_name = model._meta.pk.attname
        for row in qs.order_by("pk").values():
            records.append(
                {
                    "form": model._meta.label_lower,
                    "id": row[pk_name],
                    "version": row["version"] if isinstance(row["version"], int) else None,
                    "values": row,
                }
            )
    return {"patient": patient_id, "scope": scope, "records": records}


def canonical_json(document: dict) -> str:
    return json.dumps(
        document, cls=AuditJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def signature_content(*, patient_id: int, scope: str) -> tuple[str, list[list]]:
    """SHA-256 of the canonical content, and the (form, id, version) of each record signed."""
    document = signature_document(patient_id=patient_id, scope=scope)
    digest = hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
    return digest, [[r["form"], r["id"], r["version"]] for r in document["records"]]
