"""What every sender's format parses into, and the small readers the parsers share.

The parsers themselves live with their source (`incidents/integrations/sources/`). Each
takes the request and returns the `AlertEvent`s it carries, or raises `PayloadError`
listing every missing or malformed field (the door answers 400 with them), or `Refused`
with another status (a bad signature is 401). Pure functions, no database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from portal.kernel import storable
from portal.kernel.storable import bounded_identifier

SEVERITY_HINTS = ("critical", "error", "warning", "info")
MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024


class Refused(Exception):
    """The request is refused before parsing: `status` (401, 413…) and what is wrong."""

    def __init__(self, status: int, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.status, self.errors = status, errors


class PayloadError(ValueError):
    """The body is not a valid event; `errors` name the fields ("payload.summary is missing")."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class AlertEvent:
    action: str  # AlertAction
    dedup_key: str
    summary: str = ""
    severity_hint: str = ""  # critical / error / warning / info, when the sender has one
    document: dict[str, Any] = field(default_factory=dict)  # what routing-rule paths look into


@dataclass(frozen=True)
class ChangeEventData:
    summary: str
    source: str
    happened_at: datetime.datetime | None
    custom_details: dict[str, Any]
    links: list[Any]


def clean_text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def identifier(value: Any) -> str | None:
    """A sender's id as text: a string or an integer (never a bool, object or list)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def bounded_key(value: str) -> str:
    """Over-long keys are hashed, never cut: two keys sharing a prefix stay two alerts."""
    return bounded_identifier(value, MAX_DEDUP_KEY)


def decode_json(body: bytes) -> Any:
    """The decoded body, refused (400 naming the field) when it holds what cannot be stored."""
    try:
        document = storable.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, ["the body is not valid JSON"]) from None
    if problems := storable.document_problems(document):
        raise Refused(400, problems)
    return document


def as_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise PayloadError(["the body must be a JSON object"])
    return body


def parse_timestamp(value: Any) -> datetime.datetime | None:
    """ISO 8601 as senders write it ("…Z", "…+00:00", even "…+00:00Z"); None when unreadable."""
    text = clean_text(value)
    if not text:
        return None
    if text.endswith("Z") and ("+" in text[10:] or text[10:].count("-") > 0):
        text = text[:-1]
    try:
        stamp = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.UTC)
    return stamp.astimezone(datetime.UTC)


def path_value(document: Any, path: str) -> Any:
    """`labels.severity`, `payload.custom_details.tier`, `alerts.0.status` → the value or None."""
    value = document
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
