"""What an audit entry says about a row: its field values, with secrets redacted."""

from __future__ import annotations

from typing import Any

from django.db import models

from portal.audit.hashing import json_safe

REDACTED = "[redacted]"


def _sensitive(name: str) -> bool:
    return name in ("password", "key") or (
        any(word in name for word in ("secret", "key_hash", "token", "api_key"))
        and not name.endswith("_id")
    )


def redact(values: dict[str, Any]) -> dict[str, Any]:
    """Secrets (password hashes, token hashes, keys) show as changed, never their value."""
    return {
        name: (REDACTED if _sensitive(name) and value else value) for name, value in values.items()
    }


def snapshot(
    instance: models.Model, names: list[str] | None = None, *, redacted: bool = True
) -> dict[str, Any]:
    """The concrete field values (by attname) of `instance`, JSON-safe; `names` limits them."""
    values = {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if names is None or field.attname in names
    }
    return json_safe(redact(values) if redacted else values)
