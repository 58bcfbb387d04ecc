"""Loads the on-call part of a preset from `incidents/oncall/presets/<name>.json`.

Idempotent (upserts by name). People are named by username; a name that matches no
user resolves, for "founder", to the first active superuser, otherwise the member is
left out (fill rotations in the admin) — presets never create accounts.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from incidents.oncall.choices import StepCondition
from incidents.oncall.models import (
    EscalationPolicy,
    EscalationStep,
    Layer,
    Rotation,
    RotationMember,
    Schedule,
    SeverityEscalation,
    StepTarget,
)
from portal.audit.choices import AuditAction
from portal.audit.scope import audited_service
from portal.audit.services import record_entry
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.notifications.channels import save_channel, save_notification_route
from portal.notifications.models import NotificationChannel

PRESET_DIR = Path(__file__).resolve().parent / "presets"


def resolve_user(username: str) -> Any:
    users = get_user_model().objects
    user = users.filter(username=username, is_active=True).first()
    if user is None and username == "founder":
        user = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
    return user


def _load_schedule(data: dict[str, Any]) -> None:
    schedule, _ = Schedule.objects.update_or_create(
        name=data["name"],
        defaults={
            "time_zone": data.get("time_zone", "UTC"),
            "description": data.get("description", ""),
        },
    )
    for layer_data in data.get("layers", []):
        layer, _ = Layer.objects.update_or_create(
            schedule=schedule,
            order=layer_data.get("order", 1),
            defaults={"name": layer_data["name"]},
        )
        for rot in layer_data.get("rotations", []):
            rotation, _ = Rotation.objects.update_or_create(
                layer=layer,
                name=rot.get("name", ""),
                defaults={
                    "kind": rot.get("kind", "weekly"),
                    "shift_hours": rot.get("shift_hours"),
                    "start_date": datetime.date.fromisoformat(rot["start_date"]),
                    "handoff_time": datetime.time.fromisoformat(rot.get("handoff_time", "09:00")),
                },
            )
            if rotation.memberships.exists():
                continue  # people added in the admin are kept
            members = [
                u for u in (resolve_user(n) for n in rot.get("members", [])) if u is not None
            ]
            RotationMember.objects.bulk_create(
                [
                    RotationMember(rotation=rotation, user=u, position=i)
                    for i, u in enumerate(members, 1)
                ]
            )


def _target_fields(
    data: dict[str, Any], channels: dict[str, NotificationChannel]
) -> dict[str, Any] | None:
    """Model fields of one target, or None for a named person who has no account yet."""
    schedule = Schedule.objects.get(name=data["schedule"]) if data.get("schedule") else None
    layer = Layer.objects.get(schedule=schedule, name=data["layer"]) if data.get("layer") else None
    user = resolve_user(data["user"]) if data.get("user") else None
    if data["target"] == "user" and user is None:
        return None
    group = Group.objects.get_or_create(name=data["group"])[0] if data.get("group") else None
    return {
        "target_kind": data["target"],
        "schedule": schedule,
        "layer": layer,
        "user": user,
        "group": group,
        "channel": channels.get(data.get("channel", "")),
    }


def _load_policy(
    data: dict[str, Any], channels: dict[str, NotificationChannel]
) -> EscalationPolicy:
    fallback = data.get("fallback", {})
    policy, _ = EscalationPolicy.objects.update_or_create(
        name=data["name"],
        defaults={
            "description": data.get("description", ""),
            "repeat": data.get("repeat", 0),
            "repeat_after_minutes": data.get("repeat_after_minutes", 5),
            "fallback_schedule": (
                Schedule.objects.get(name=fallback["schedule"])
                if fallback.get("schedule")
                else None
            ),
            "fallback_user": resolve_user(fallback["user"]) if fallback.get("user") else None,
        },
    )
    policy.steps.all().delete()
    order = 0
    for step in data["steps"]:
        # A step lists its parallel targets under "targets" (or is itself one target).
        targets = [
            t for t in (_target_fields(t, channels) for t in step.get("targets", [step])) if t
        ]
        if not targets:
            continue  # only named people who have no account yet
        order += 1
        obj = EscalationStep(
            policy=policy,
            order=order,
            delay_minutes=step.get("delay_minutes", 0),
            condition=step.get("condition", StepCondition.UNACKNOWLEDGED),
            mention_here=step.get("mention_here", False),
            **targets[0],
        )
        obj.full_clean()
        obj.save()
        for extra in targets[1:]:
            parallel = StepTarget(step=obj, **extra)
            parallel.full_clean()
            parallel.save()
    return policy


def read_oncall_preset(name: str) -> dict[str, Any] | None:
    path = PRESET_DIR / f"{name}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


@audited_service
def load_oncall_preset(version: Any, preset_name: str, actor: Actor) -> None:
    """Load the preset's schedules, escalation policies and routing (idempotent).

    Audited as one entry holding the whole preset section as applied: the rows it
    upserts are configuration taken verbatim from that document."""
    data = read_oncall_preset(preset_name)
    if data is None:
        return
    record_entry(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="oncall.preset",
        object_id=preset_name,
        object_repr=f"on-call preset {preset_name} for policy version {version.pk}",
        after=data,
    )
    codes = set(version.levels.values_list("code", flat=True))
    channels = {
        c["name"]: save_channel(
            name=c["name"],
            kind=c["kind"],
            target=c.get("target", ""),
            enabled=c.get("enabled", False),
            description=c.get("description", ""),
            actor=actor,
        )
        for c in data.get("channels", [])
        if not NotificationChannel.objects.filter(name=c["name"]).exists()
    } | {
        c.name: c
        for c in NotificationChannel.objects.filter(
            name__in=[c["name"] for c in data.get("channels", [])]
        )
    }
    for rule in data.get("routing", []):
        save_notification_route(
            level_code=rule["level"], channel=channels[rule["channel"]], actor=actor
        )
    for schedule in data.get("schedules", []):
        _load_schedule(schedule)
    policies = {p["name"]: _load_policy(p, channels) for p in data.get("escalation_policies", [])}
    for code, policy_name in data.get("levels", {}).items():
        if code not in codes:
            raise DomainError(
                f"Preset {preset_name}: level {code} is not in the policy.", field="levels"
            )
        SeverityEscalation.objects.update_or_create(
            level_code=code, defaults={"policy": policies[policy_name]}
        )
