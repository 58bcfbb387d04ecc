"""Services that write one configuration item each, with its audit entry.

Each `write_*` creates or updates the item named by the document so that exporting it
gives the document back; child rows (rotations, overrides, steps, rules) are replaced
as a whole because nothing refers to them. Each `delete_*` removes one item (used only
with --prune) and refuses, naming the path, when something still refers to it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models

from incidents.integrations.models import AlertRoutingRule, Integration
from incidents.models import Service
from incidents.oncall.models import (
    EscalationPolicy,
    EscalationStep,
    Layer,
    Override,
    Rotation,
    RotationMember,
    Schedule,
    SeverityEscalation,
    StepTarget,
)
from portal.audit.choices import AuditAction
from portal.audit.services import record_action
from portal.kernel.actors import Actor
from portal.kernel.model_validation import model_errors
from portal.notifications.models import NotificationChannel, NotificationRoute
from portal.notifications.targets import described
from portal.project.configuration.errors import ConfigError
from portal.project.configuration.references import References
from portal.project.configuration.shapes import Item


def audit(actor: Actor, obj: models.Model, before: Item | None, after: Item | None) -> None:
    """One audit entry per item: its document shape before and after."""
    action = (
        AuditAction.CREATE if before is None else AuditAction.DELETE if after is None
        else AuditAction.UPDATE
    )  # fmt: skip
    record_action(
        actor,
        action,
        obj,
        before=before,
        after=after,
    )


def clean_save(obj: models.Model, path: str, exclude: tuple[str, ...] = ()) -> None:
    errors = model_errors(obj, exclude=exclude, validate_unique=False)
    if errors:
        raise ConfigError(
            [f"{path}.{name}: {' '.join(messages)}" for name, messages in errors.items()]
        )
    obj.save()


def _aware(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).astimezone(datetime.UTC)


def _delete(obj: models.Model, path: str) -> None:
    try:
        obj.delete()
    except models.ProtectedError as exc:
        used_by = ", ".join(sorted({str(o) for o in exc.protected_objects})[:3])
        raise ConfigError([f"{path}: still in use ({used_by}); not deleted"]) from None


# --- schedules --------------------------------------------------------------------------


def write_schedule(
    item: Item, before: Item | None, refs: References, actor: Actor, path: str
) -> None:
    schedule = Schedule.objects.select_for_update(of=("self",)).filter(name=item["name"]).first()
    schedule = schedule or Schedule(name=item["name"])
    schedule.time_zone, schedule.description = item["time_zone"], item["description"]
    clean_save(schedule, path)
    layers = {layer.name: layer for layer in schedule.layers.select_for_update().order_by("pk")}
    for name, layer in list(layers.items()):
        if name not in item["layers"]:
            _delete(layer, f"{path}.layers")
            del layers[name]
    # Park the orders first: (schedule, order) is unique and layers may swap places.
    for offset, layer in enumerate(layers.values(), start=1000):
        Layer.objects.filter(pk=layer.pk).update(order=offset)
    for order, name in enumerate(item["layers"], start=1):
        layer = layers.get(name) or Layer(schedule=schedule, name=name)
        layer.order = order
        layer.save()
        layers[name] = layer
    Rotation.objects.filter(layer__schedule=schedule).delete()
    Override.objects.filter(layer__schedule=schedule).delete()
    for j, raw in enumerate(item["rotations"]):
        rotation = Rotation(
            layer=layers[raw["layer"]], name=raw["name"], kind=raw["kind"],
            shift_hours=raw["shift_hours"], start_date=datetime.date.fromisoformat(raw["start_date"]),
            handoff_time=datetime.time.fromisoformat(raw["handoff_time"]),
            end=_aware(raw["end"]) if raw["end"] else None,
        )  # fmt: skip
        clean_save(rotation, f"{path}.rotations[{j}]")
        RotationMember.objects.bulk_create(
            RotationMember(rotation=rotation, user=refs.user(member), position=position)
            for position, member in enumerate(raw["members"], start=1)
        )
    for j, raw in enumerate(item["overrides"]):
        override = Override(
            layer=layers[raw["layer"]], user=refs.user(raw["user"]), start=_aware(raw["start"]),
            end=_aware(raw["end"]), reason=raw["reason"],
        )  # fmt: skip
        clean_save(override, f"{path}.overrides[{j}]")
    audit(actor, schedule, before, item)


def delete_schedule(key: str, before: Item, actor: Actor, path: str) -> None:
    schedule = Schedule.objects.get(name=key)
    audit(actor, schedule, before, None)
    _delete(schedule, path)


# --- escalation policies ------------------------------------------------------------------


def _target_fields(raw: Item, refs: References) -> dict[str, Any]:
    """The model fields of one target (a step's own or a parallel one)."""
    schedule = Schedule.objects.get(name=raw["schedule"]) if raw["schedule"] else None
    return {
        "target_kind": raw["target"], "schedule": schedule,
        "layer": Layer.objects.get(schedule=schedule, name=raw["layer"]) if raw["layer"] else None,
        "user": refs.user(raw["user"]),
        "group": refs.groups[raw["group"]] if raw["group"] else None,
        "channel": NotificationChannel.objects.get(name=raw["channel"]) if raw["channel"] else None,
    }  # fmt: skip


def write_escalation_policy(
    item: Item, before: Item | None, refs: References, actor: Actor, path: str
) -> None:
    policy = EscalationPolicy.objects.select_for_update().filter(name=item["name"]).first()
    policy = policy or EscalationPolicy(name=item["name"])
    policy.description, policy.repeat = item["description"], item["repeat"]
    policy.repeat_after_minutes = item["repeat_after_minutes"]
    policy.fallback_schedule = (
        Schedule.objects.get(name=item["fallback_schedule"]) if item["fallback_schedule"] else None
    )
    policy.fallback_user = refs.user(item["fallback_user"])
    clean_save(policy, path)
    policy.steps.all().delete()  # their parallel targets go with them (cascade)
    for order, raw in enumerate(item["steps"], start=1):
        step = EscalationStep(
            policy=policy, order=order, delay_minutes=raw["delay_minutes"],
            condition=raw["condition"], mention_here=raw["mention_here"],
            **_target_fields(raw, refs),
        )  # fmt: skip
        step_path = f"{path}.steps[{order - 1}]"
        clean_save(step, step_path)
        for j, target in enumerate(raw["parallel_targets"]):
            parallel = StepTarget(step=step, **_target_fields(target, refs))
            clean_save(parallel, f"{step_path}.parallel_targets[{j}]")
    policy.levels.exclude(level_code__in=item["levels"]).delete()
    for code in item["levels"]:
        SeverityEscalation.objects.update_or_create(level_code=code, defaults={"policy": policy})
    audit(actor, policy, before, item)


def delete_escalation_policy(key: str, before: Item, actor: Actor, path: str) -> None:
    policy = EscalationPolicy.objects.get(name=key)
    audit(actor, policy, before, None)
    _delete(policy, path)


# --- channels and routing ----------------------------------------------------------------


def _target_redacted(item: Item | None) -> Item | None:
    """A channel's document shape for the audit log: the target (an apprise URL with
    the provider's credentials) masked with a fingerprint, as `save_channel` records it."""
    if item is None:
        return None
    return {**item, "target": described(item.get("kind", ""), item.get("target") or "")}


def write_channel(
    item: Item, before: Item | None, refs: References, actor: Actor, path: str
) -> None:
    channel = NotificationChannel.objects.select_for_update().filter(name=item["name"]).first()
    channel = channel or NotificationChannel(name=item["name"])
    for key in ("kind", "target", "enabled", "description"):
        setattr(channel, key, item[key])
    clean_save(channel, path)
    audit(actor, channel, _target_redacted(before), _target_redacted(item))


def delete_channel(key: str, before: Item, actor: Actor, path: str) -> None:
    channel = NotificationChannel.objects.get(name=key)
    audit(actor, channel, _target_redacted(before), None)
    _delete(channel, path)


def write_route(item: Item, before: Item | None, refs: References, actor: Actor, path: str) -> None:
    channel = NotificationChannel.objects.get(name=item["channel"])
    rule, _ = NotificationRoute.objects.update_or_create(
        level_code=item["level"], channel=channel, defaults={"enabled": item["enabled"]}
    )
    audit(actor, rule, before, item)


def delete_route(key: tuple[str, str], before: Item, actor: Actor, path: str) -> None:
    rule = NotificationRoute.objects.get(level_code=key[0], channel__name=key[1])
    audit(actor, rule, before, None)
    _delete(rule, path)


# --- services and integrations -------------------------------------------------------------


def write_service(
    item: Item, before: Item | None, refs: References, actor: Actor, path: str
) -> None:
    service = Service.objects.select_for_update().filter(slug=item["slug"]).first()
    service = service or Service(slug=item["slug"])
    service.name, service.description = item["name"], item["description"]
    service.public, service.owner = item["public"], refs.user(item["owner"])
    clean_save(service, path)
    audit(actor, service, before, item)


def delete_service(key: str, before: Item, actor: Actor, path: str) -> None:
    service = Service.objects.get(slug=key)
    audit(actor, service, before, None)
    _delete(service, path)


def _period(seconds: int | None) -> datetime.timedelta | None:
    return None if seconds is None else datetime.timedelta(seconds=seconds)


def write_integration(
    item: Item, before: Item | None, refs: References, actor: Actor, path: str
) -> None:
    """A new integration gets a fresh random key (keys never travel in the document)."""
    integration = Integration.objects.select_for_update().filter(name=item["name"]).first()
    integration = integration or Integration(name=item["name"])
    integration.kind = item["kind"]
    integration.service = Service.objects.get(slug=item["service"]) if item["service"] else None
    integration.default_severity = item["default_severity"]
    integration.auto_resolve, integration.enabled = item["auto_resolve"], item["enabled"]
    integration.heartbeat_period = _period(item["heartbeat_period_seconds"])
    integration.heartbeat_grace = _period(item["heartbeat_grace_seconds"])
    clean_save(integration, path, exclude=("key",))
    integration.routing_rules.all().delete()
    for position, raw in enumerate(item["routing_rules"]):
        rule = AlertRoutingRule(integration=integration, position=position, **raw)
        clean_save(rule, f"{path}.routing_rules[{position}]")
    audit(actor, integration, before, item)


def delete_integration(key: str, before: Item, actor: Actor, path: str) -> None:
    integration = Integration.objects.get(name=key)
    audit(actor, integration, before, None)
    _delete(integration, path)
