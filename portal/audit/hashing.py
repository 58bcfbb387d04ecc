"""The canonical form of an audit entry and its chained SHA-256."""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

HASHED_FIELDS = (
    "seq",
    "at",
    "actor_label",
    "actor_user_id",
    "actor_token_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "prev_hash",
)


def json_safe(value: Any) -> Any:
    """What a JSONField gives back after a round trip (dates and decimals as strings)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def canonical(fields: dict[str, Any]) -> bytes:
    body = {name: fields[name] for name in HASHED_FIELDS}
    at = body["at"]
    if isinstance(at, datetime.datetime):
        body["at"] = at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder
    ).encode()


def entry_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()
