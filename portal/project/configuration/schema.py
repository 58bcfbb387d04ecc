"""The JSON Schema of the configuration document (published as docs/config.schema.json).

`manage.py config schema` prints it; a test keeps the docs copy equal to it.
"""

from __future__ import annotations

from typing import Any

import jsonschema
from django.db import models

from incidents.choices import CommsAnchor, CommsChannel, PolicyStatus
from incidents.fields import model_field
from incidents.integrations.choices import MatchOperator
from incidents.integrations.sources import kinds as integration_kinds
from incidents.oncall.choices import RotationKind, StepCondition, TargetKind
from portal.notifications.providers import kinds as channel_kinds
from portal.project.configuration.errors import path_text
from portal.project.configuration.shapes import HISTORY_DETAILS

SCHEMA_ID = "https://incident-portal.example/schemas/config-v1.json"
_STR = {"type": "string"}
_TEXT = {"type": "string"}
_USER = {"type": "string", "minLength": 1, "description": "A user's e-mail (or username)."}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_TIME = {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2})?$"}
_DATETIME = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$",
}
_NULLABLE_DATE = {"anyOf": [_DATE, {"type": "null"}]}
_NULLABLE_DATETIME = {"anyOf": [_DATETIME, {"type": "null"}]}


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _list(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _enum(choices: Any) -> dict[str, Any]:
    return {"type": "string", "enum": list(choices.values)}


_COMMS = _object(
    {
        "channel": _enum(CommsChannel),
        "anchor": _enum(CommsAnchor),
        "deadline": _STR,
        "only_if_longer_than": _STR,
        "note": {"type": "string", "maxLength": 200},
    },
    ("channel",),
)
_LEVEL = _object(
    {
        "code": {"type": "string", "minLength": 1, "maxLength": 20},
        "name": {"type": "string", "maxLength": 60},
        "rank": {"type": "integer", "minimum": 1},
        "definition": _TEXT,
        "examples": _TEXT,
        "ack_target": _STR,
        "mitigate_target": _STR,
        "resolve_target": _STR,
        "update_cadence": _STR,
        "war_room_required": {"type": "boolean"},
        "postmortem_required": {"type": "boolean"},
        "postmortem_due": _STR,
        "who_is_paged": _TEXT,
        "comms": _list(_COMMS),
        "postmortem_sections": {
            "type": "string",
            "description": "Post-mortem sections the playbook asks for: resolution, prevention, "
            "data_lost (comma-separated).",
        },
        "publish_on_declare": {
            "type": "boolean",
            "description": "Show its incidents on the status page as soon as a person declares "
            "them (default true).",
        },
    },
    ("code", "rank"),
)
_RULE = _object(
    {
        "level": _STR,
        "fact": _STR,
        "operator": _STR,
        "value": {"type": ["string", "null"]},
        "description": _STR,
    },
    ("level", "fact", "operator"),
)
_VERSION = _object(
    {
        "number": {"type": "integer", "minimum": 1},
        "status": _enum(PolicyStatus),
        "notes": _TEXT,
        "calendar": _object(
            {
                "time_zone": _STR,
                "working_days": _STR,
                "work_start": _TIME,
                "work_end": _TIME,
                "holiday_country": _STR,
                "holiday_subdivision": _STR,
            }
        ),
        "sign_off": _object(
            {
                "approved_by": {"anyOf": [_USER, {"type": "null"}]},
                "approver_name": _STR,
                "approved_at": _NULLABLE_DATETIME,
                "activated_at": _NULLABLE_DATETIME,
                "next_review_on": _NULLABLE_DATE,
                "last_validated_on": _NULLABLE_DATE,
                "content_hash": _STR,
            }
        ),
        "levels": _list(_LEVEL),
        "rules": _list(_RULE),
    },
    ("number", "levels"),
)
_POLICY = _object(
    {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "description": _TEXT,
        "preset": _STR,
        "versions": _list(_VERSION),
    },
    ("name",),
)
_ROTATION = _object(
    {
        "layer": _STR,
        "name": {"type": "string", "maxLength": 60},
        "kind": _enum(RotationKind),
        "shift_hours": {"type": ["integer", "null"], "minimum": 1},
        "start_date": _DATE,
        "handoff_time": _TIME,
        "end": {**_NULLABLE_DATETIME, "description": "Nobody is on call from it after this."},
        "members": {
            **_list({"anyOf": [_USER, {"type": "null"}]}),
            "description": "The turn order; null is a gap (nobody on call for that turn).",
        },
    },
    ("layer", "start_date", "members"),
)
_OVERRIDE = _object(
    {
        "layer": _STR,
        "user": _USER,
        "start": _DATETIME,
        "end": _DATETIME,
        "reason": {"type": "string", "maxLength": 200},
    },
    ("layer", "user", "start", "end"),
)
_SCHEDULE = _object(
    {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "time_zone": _STR,
        "description": _TEXT,
        "layers": {
            **_list({"type": "string", "minLength": 1, "maxLength": 60}),
            "description": "Layer names, primary first.",
        },
        "rotations": _list(_ROTATION),
        "overrides": _list(_OVERRIDE),
    },
    ("name",),
)
_TARGET_PROPERTIES: dict[str, Any] = {
    "target": _enum(TargetKind),
    "schedule": {"type": ["string", "null"]},
    "layer": {"type": ["string", "null"], "description": "Blank: every layer of the schedule."},
    "user": {"anyOf": [_USER, {"type": "null"}]},
    "group": {"type": ["string", "null"]},
    "channel": {
        "type": ["string", "null"],
        "description": "Page through this channel (mentioning the person); blank: e-mail.",
    },
}
_STEP = _object(
    {
        "delay_minutes": {"type": "integer", "minimum": 0},
        **_TARGET_PROPERTIES,
        "condition": {
            **_enum(StepCondition),
            "description": "What must still be missing when the delay is over.",
        },
        "mention_here": {
            "type": "boolean",
            "description": "Mention everyone in the channel (@here) on this step's pages.",
        },
        "parallel_targets": {
            **_list(_object(_TARGET_PROPERTIES, ("target",))),
            "description": "More targets paged at once with the step's own.",
        },
    },
    ("target",),
)
_ESCALATION = _object(
    {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "description": _TEXT,
        "repeat": {"type": "integer", "minimum": 0},
        "repeat_after_minutes": {"type": "integer", "minimum": 0},
        "levels": {
            **_list({"type": "string", "minLength": 1, "maxLength": 20}),
            "description": "Severity codes whose incidents follow this policy.",
        },
        "steps": _list(_STEP),
        "fallback_schedule": {
            "type": ["string", "null"],
            "description": "Paged when a step resolves to nobody (its on-call, every layer).",
        },
        "fallback_user": {
            "anyOf": [_USER, {"type": "null"}],
            "description": "Paged when a step resolves to nobody. Neither set: the founders.",
        },
    },
    ("name",),
)
_CHANNEL = _object(
    {
        "name": {"type": "string", "minLength": 1, "maxLength": 80},
        "kind": {"type": "string", "enum": channel_kinds()},
        "target": {"type": "string", "maxLength": 500},
        "enabled": {"type": "boolean"},
        "description": {"type": "string", "maxLength": 200},
    },
    ("name", "kind"),
)
_ROUTE = _object(
    {
        "level": {"type": "string", "minLength": 1, "maxLength": 20},
        "channel": _STR,
        "enabled": {"type": "boolean"},
    },
    ("level", "channel"),
)
_SERVICE = _object(
    {
        "slug": {"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$", "maxLength": 100},
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "description": {"type": "string", "maxLength": 300},
        "public": {"type": "boolean"},
        "owner": {"anyOf": [_USER, {"type": "null"}]},
    },
    ("slug", "name"),
)
_INTEGRATION = _object(
    {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "kind": {"type": "string", "enum": integration_kinds()},
        "service": {"type": ["string", "null"]},
        "default_severity": {"type": "string", "maxLength": 20},
        "auto_resolve": {"type": "boolean"},
        "enabled": {"type": "boolean"},
        "heartbeat_period_seconds": {"type": ["integer", "null"], "minimum": 1},
        "heartbeat_grace_seconds": {"type": ["integer", "null"], "minimum": 0},
        "routing_rules": _list(
            _object(
                {
                    "path": _STR,
                    "operator": _enum(MatchOperator),
                    "value": _STR,
                    "severity": {"type": "string", "maxLength": 20},
                },
                ("path", "value", "severity"),
            )
        ),
    },
    ("name", "kind"),
)


def _model_field_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of an incident catalogue field, from its model field."""
    field = model_field(name)
    schema: dict[str, Any]
    if isinstance(field, models.BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, models.DateTimeField):
        return _NULLABLE_DATETIME
    elif isinstance(field, models.DecimalField):
        schema = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}]}
    elif isinstance(field, models.PositiveIntegerField):
        schema = {"type": "integer", "minimum": 0}
    elif isinstance(field, models.JSONField):
        schema = _list(_STR)
    elif field.choices:
        schema = {"type": "string", "enum": [value for value, _ in field.choices]}
    elif isinstance(field, models.CharField):
        schema = {"type": "string", "maxLength": field.max_length}
    else:
        schema = _TEXT
    return {"anyOf": [schema, {"type": "null"}]} if field.null else schema


_HISTORY = _object(
    {
        "source": {
            "type": "string",
            "minLength": 1,
            "maxLength": 120,
            "description": "The source tool's id, e.g. pagerduty:Q1ABC.",
        },
        "title": _STR,
        "severity": {"type": "string", "maxLength": 20},
        "service": {"type": ["string", "null"]},
        "declared_at": _DATETIME,
        "acknowledged_at": _NULLABLE_DATETIME,
        "resolved_at": _NULLABLE_DATETIME,
        "log": _list(_object({"at": _DATETIME, "text": _STR}, ("at", "text"))),
        **{name: _model_field_schema(name) for name in HISTORY_DETAILS},
    },
    ("source", "title", "severity", "declared_at"),
)

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "Incident portal configuration",
    "description": "Everything `manage.py config export` writes and `config apply` reads. "
    "Users are referred to by e-mail; secrets (integration keys) are never included.",
    **_object(
        {
            "version": {"const": 1},
            "policies": _list(_POLICY),
            "schedules": _list(_SCHEDULE),
            "escalation_policies": _list(_ESCALATION),
            "channels": _list(_CHANNEL),
            "routing": _list(_ROUTE),
            "services": _list(_SERVICE),
            "integrations": _list(_INTEGRATION),
            "history": {
                **_list(_HISTORY),
                "description": "Incidents imported from another tool (historical: metrics only).",
            },
        },
        ("version",),
    ),
}


def schema_problems(document: dict[str, Any]) -> list[str]:
    """One line per schema violation, each starting with its path."""
    validator = jsonschema.Draft202012Validator(CONFIG_SCHEMA)
    problems = []
    for error in sorted(
        validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
    ):
        problems.append(f"{path_text(error.absolute_path)}: {error.message}")
    return problems
