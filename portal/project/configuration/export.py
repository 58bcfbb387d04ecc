"""Read the configuration from the database as the canonical document."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from incidents.integrations.models import Integration
from incidents.models import Policy, Service
from incidents.oncall.models import EscalationPolicy, Schedule
from incidents.policies import policy_content
from portal.notifications.models import NotificationChannel, NotificationRoute
from portal.project.configuration import shapes
from portal.project.configuration.shapes import Item


def user_ref(user: Any) -> str | None:
    """How the document names a user: the e-mail, else the username."""
    if user is None:
        return None
    return str(user.email or user.get_username())


def _versions(policy: Policy) -> list[Item]:
    out = []
    for version in policy.versions.select_related("approved_by").order_by("number"):
        content = policy_content(version)
        out.append(
            {
                "number": version.number,
                "status": version.status,
                "notes": version.notes,
                "calendar": content["calendar"],
                "sign_off": {
                    "approved_by": user_ref(version.approved_by),
                    "approver_name": version.approver_name,
                    "approved_at": version.approved_at,
                    "activated_at": version.activated_at,
                    "next_review_on": version.next_review_on,
                    "last_validated_on": version.last_validated_on,
                    "content_hash": version.content_hash,
                },
                "levels": content["levels"],
                "rules": content["rules"],
            }
        )
    return out


def read_policies() -> list[Item]:
    return [
        shapes.shape_policy(
            {"name": p.name, "description": p.description, "preset": p.preset,
             "versions": _versions(p)}
        )
        for p in Policy.objects.order_by("name")
    ]  # fmt: skip


def read_schedules() -> list[Item]:
    out = []
    schedules = Schedule.objects.order_by("name").prefetch_related(
        "layers__rotations__memberships__user", "layers__overrides__user"
    )
    for schedule in schedules:
        layers = sorted(schedule.layers.all(), key=lambda layer: layer.order)
        rotations, overrides = [], []
        for layer in layers:
            for rotation in sorted(layer.rotations.all(), key=lambda r: r.pk):
                members = sorted(rotation.memberships.all(), key=lambda m: m.position)
                rotations.append(
                    {"layer": layer.name, "name": rotation.name, "kind": rotation.kind,
                     "shift_hours": rotation.shift_hours,
                     "start_date": rotation.start_date.isoformat(),
                     "handoff_time": rotation.handoff_time, "end": rotation.end,
                     "members": [user_ref(m.user) for m in members]}
                )  # fmt: skip
            for override in sorted(layer.overrides.all(), key=lambda o: (o.start, o.pk)):
                overrides.append(
                    {"layer": layer.name, "user": user_ref(override.user),
                     "start": override.start, "end": override.end, "reason": override.reason}
                )  # fmt: skip
        out.append(
            shapes.shape_schedule(
                {"name": schedule.name, "time_zone": schedule.time_zone,
                 "description": schedule.description, "layers": [la.name for la in layers],
                 "rotations": rotations, "overrides": overrides}
            )
        )  # fmt: skip
    return out


def _target(t: Any) -> Item:
    return {"target": t.target_kind, "schedule": t.schedule.name if t.schedule else None,
            "layer": t.layer.name if t.layer else None, "user": user_ref(t.user),
            "group": t.group.name if t.group else None,
            "channel": t.channel.name if t.channel else None}  # fmt: skip


def _step(step: Any) -> Item:
    parallel = sorted(step.parallel_targets.all(), key=lambda t: t.pk)
    return {"delay_minutes": step.delay_minutes, **_target(step), "condition": step.condition,
            "mention_here": step.mention_here,
            "parallel_targets": [_target(t) for t in parallel]}  # fmt: skip


def read_escalation_policies() -> list[Item]:
    out = []
    target_fields = ("schedule", "layer", "user", "group", "channel")
    policies = EscalationPolicy.objects.order_by("name").select_related(
        "fallback_schedule", "fallback_user"
    ).prefetch_related(
        *(f"steps__{name}" for name in target_fields),
        *(f"steps__parallel_targets__{name}" for name in target_fields),
        "levels",
    )  # fmt: skip
    for policy in policies:
        steps = [_step(s) for s in sorted(policy.steps.all(), key=lambda s: s.order)]
        out.append(
            shapes.shape_escalation_policy(
                {"name": policy.name, "description": policy.description, "repeat": policy.repeat,
                 "repeat_after_minutes": policy.repeat_after_minutes,
                 "levels": [lv.level_code for lv in policy.levels.all()], "steps": steps,
                 "fallback_schedule": policy.fallback_schedule.name
                 if policy.fallback_schedule else None,
                 "fallback_user": user_ref(policy.fallback_user)}
            )
        )  # fmt: skip
    return out


def read_channels() -> list[Item]:
    return [
        shapes.shape_channel(
            {"name": c.name, "kind": c.kind, "target": c.target, "enabled": c.enabled,
             "description": c.description}
        )
        for c in NotificationChannel.objects.order_by("name")
    ]  # fmt: skip


def read_routing() -> list[Item]:
    rules = NotificationRoute.objects.select_related("channel").order_by(
        "level_code", "channel__name"
    )
    return [
        shapes.shape_route({"level": r.level_code, "channel": r.channel.name, "enabled": r.enabled})
        for r in rules
    ]


def read_services() -> list[Item]:
    return [
        shapes.shape_service(
            {"slug": s.slug, "name": s.name, "description": s.description, "public": s.public,
             "owner": user_ref(s.owner)}
        )
        for s in Service.objects.select_related("owner").order_by("slug")
    ]  # fmt: skip


def _seconds(value: Any) -> int | None:
    return None if value is None else int(value.total_seconds())


def read_integrations() -> list[Item]:
    integrations = Integration.objects.select_related("service").prefetch_related("routing_rules")
    return [
        shapes.shape_integration(
            {"name": i.name, "kind": i.kind, "service": i.service.slug if i.service else None,
             "default_severity": i.default_severity, "auto_resolve": i.auto_resolve,
             "enabled": i.enabled, "heartbeat_period_seconds": _seconds(i.heartbeat_period),
             "heartbeat_grace_seconds": _seconds(i.heartbeat_grace),
             "routing_rules": [
                 {"path": r.path, "operator": r.operator, "value": r.value, "severity": r.severity}
                 for r in sorted(i.routing_rules.all(), key=lambda r: (r.position, r.pk))
             ]}
        )
        for i in integrations.order_by("name")
    ]  # fmt: skip


def user_model() -> Any:
    return get_user_model()
