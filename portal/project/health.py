"""`GET /api/health`: 200 when the database and the task queue answer, the paging
engine's loops have beaten recently and its due work is not late, else 503 saying what
is down or late."""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

logger = logging.getLogger(__name__)


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        logger.warning("health: database check failed: %s", type(exc).__name__)
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def check_task_queue() -> dict[str, Any]:
    from django_q.brokers import get_broker

    try:
        broker = get_broker()
        broker.ping()
        queued = broker.queue_size()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        logger.warning("health: task queue check failed: %s", type(exc).__name__)
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "broker": type(broker).__name__, "queued": queued}


def check_engine() -> dict[str, Any]:
    from portal.project.heartbeats import engine_state
    from portal.project.pager_watch import due_lag

    try:
        state = engine_state()
        lag = due_lag()
    except Exception as exc:  # noqa: BLE001 - any failure means "unknown, so down"
        logger.warning("health: engine check failed: %s", type(exc).__name__)
        return {"ok": False, "error": type(exc).__name__}
    silent = {k: (None if v is None else round(v, 1)) for k, v in state.silent_for.items()}
    late = lag.words
    result: dict[str, Any] = {
        "ok": state.ok and not late,
        "silent_seconds": silent,
        "lag_seconds": {k: (None if v is None else round(v, 1)) for k, v in lag.seconds.items()},
    }
    if not result["ok"]:
        result["error"] = " ".join(
            w for w in (state.words, f"The pager is late: {late}." if late else "") if w
        )
    return result


_check_schema = inline_serializer(
    "HealthCheck",
    {
        "ok": serializers.BooleanField(),
        "error": serializers.CharField(
            required=False, help_text="The exception's class name, or what is down in words."
        ),
        "silent_seconds": serializers.DictField(
            child=serializers.FloatField(allow_null=True),
            required=False,
            help_text="Engine: seconds since each loop's last cycle (null: never).",
        ),
        "lag_seconds": serializers.DictField(
            child=serializers.FloatField(allow_null=True),
            required=False,
            help_text=(
                "Engine: age of the oldest due item per kind (opening, escalation, "
                "personal, delivery; null: nothing due). Past PAGER_LAG_SECONDS: 503."
            ),
        ),
        "vendor": serializers.CharField(required=False, help_text="Database: sqlite, postgresql."),
        "broker": serializers.CharField(required=False, help_text="Task queue: the broker class."),
        "queued": serializers.IntegerField(required=False, help_text="Task queue: tasks waiting."),
    },
)
_health_schema = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(
            choices=["ok", "unavailable"], help_text="unavailable when a check failed."
        ),
        "time": serializers.DateTimeField(),
        "checks": inline_serializer(
            "HealthChecks",
            {"database": _check_schema, "task_queue": _check_schema, "engine": _check_schema},
        ),
    },
)


@extend_schema(
    responses={
        200: _health_schema,
        503: OpenApiResponse(_health_schema, description="A check failed."),
    },
    auth=[],
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def health(request: Request) -> Response:
    checks = {
        "database": check_database(),
        "task_queue": check_task_queue(),
        "engine": check_engine(),
    }
    ok = all(c["ok"] for c in checks.values())
    body = {"status": "ok" if ok else "unavailable", "time": timezone.now(), "checks": checks}
    return Response(body, status=200 if ok else 503)
