"""Writes of the on-call roster without the admin: rotation members and overrides
(the CLI `manage.py oncall member|override` and the API call these)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Max

from incidents.oncall.coverage_guard import coverage_kept
from incidents.oncall.models import Layer, Override, Rotation, RotationMember, Schedule
from portal.audit.choices import AuditAction
from portal.audit.scope import audited_service
from portal.audit.services import record_action, record_entry
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.model_validation import validate_model


def find_layer(schedule_name: str, layer_name: str | None = None) -> Layer:
    schedule = Schedule.objects.filter(name=schedule_name).first()
    if schedule is None:
        raise DomainError(f"No schedule named {schedule_name!r}.", field="schedule")
    layers = schedule.layers.order_by("order")
    layer = layers.filter(name=layer_name).first() if layer_name else layers.first()
    if layer is None:
        raise DomainError(
            f"Schedule {schedule_name!r} has no layer {layer_name or '(any)'!r}.", field="layer"
        )
    return layer


def find_rotation(
    schedule_name: str, layer_name: str | None, rotation_name: str | None
) -> Rotation:
    layer = find_layer(schedule_name, layer_name)
    rotations = layer.rotations.order_by("id")
    rotation = rotations.filter(name=rotation_name).first() if rotation_name else rotations.first()
    if rotation is None:
        raise DomainError(
            f"{layer} has no rotation {rotation_name or '(any)'!r}.", field="rotation"
        )
    return rotation


def _own_or_permitted(actor: Actor, user: Any, permission: str, *, field: str) -> None:
    """Responders manage their own overrides; anyone else's needs the permission."""
    if actor.user is None or actor.user.has_perm(permission) or actor.user.pk == user.pk:
        return
    raise DomainError(
        f"You may only add or remove your own overrides ({permission} is a founder's).",
        field=field,
        code="forbidden",
    )


@audited_service
def add_rotation_member(
    *, rotation: Rotation, user: Any, actor: Actor, position: int | None = None
) -> RotationMember:
    """Append `user` to the rotation's turn order (or put them at `position`, moving the
    later members down one)."""
    locked = list(
        RotationMember.objects.select_for_update(of=("self",))
        .filter(rotation=rotation)
        .order_by("position")
    )
    if any(m.user_id == user.pk for m in locked):
        raise DomainError(f"{user.get_username()} is already in {rotation}.", field="user")
    last = RotationMember.objects.filter(rotation=rotation).aggregate(m=Max("position"))["m"] or 0
    if position is None or position > last:
        position = last + 1
    if position < 1:
        raise DomainError("position must be 1 or more.", field="position")
    # Move later members down, from the end, so the unique (rotation, position) holds.
    for member in sorted(locked, key=lambda m: -m.position):
        if member.position >= position:
            member.position += 1
            member.save(update_fields=["position"])
    member = RotationMember(rotation=rotation, user=user, position=position)
    validate_model(member)
    member.save()
    record_entry(
        actor=actor,
        action=AuditAction.CREATE,
        object_type=member._meta.label_lower,
        object_id=member.pk,
        object_repr=f"{rotation}: {member}"[:200],
        after={"rotation": rotation.pk, "user": user.get_username(), "position": position},
    )
    return member


@audited_service
def remove_rotation_member(*, rotation: Rotation, user: Any, actor: Actor) -> None:
    member = (
        RotationMember.objects.select_for_update(of=("self",))
        .filter(rotation=rotation, user=user)
        .first()
    )
    if member is None:
        raise DomainError(f"{user.get_username()} is not in {rotation}.", field="user")
    before = {"rotation": rotation.pk, "user": user.get_username(), "position": member.position}
    member_id = member.pk
    with coverage_kept(actor, field="user"):
        member.delete()
    record_entry(
        actor=actor,
        action=AuditAction.DELETE,
        object_type=RotationMember._meta.label_lower,
        object_id=member_id,
        object_repr=f"{rotation}: {user.get_username()}"[:200],
        before=before,
    )


@audited_service
def add_override(
    *,
    layer: Layer,
    user: Any,
    start: datetime.datetime,
    end: datetime.datetime,
    actor: Actor,
    reason: str = "",
) -> Override:
    """`user` takes the layer's shift from `start` to `end` (the newest override wins).

    Whoever may not add overrides (Responders) may still take a shift themselves."""
    _own_or_permitted(actor, user, "oncall.add_override", field="username")
    override = Override(layer=layer, user=user, start=start, end=end, reason=reason[:200])
    validate_model(override)
    override.save()
    record_action(
        actor,
        AuditAction.CREATE,
        override,
        after={"layer": layer.pk, "user": user.get_username(), "start": start, "end": end},
    )
    return override


@audited_service
def delete_override(*, override_id: int, actor: Actor) -> None:
    override = Override.objects.select_for_update(of=("self",)).filter(pk=override_id).first()
    if override is None:
        raise DomainError(f"No override {override_id}.", field="id")
    _own_or_permitted(actor, override.user, "oncall.delete_override", field="id")
    before = {"layer": override.layer_id, "user": override.user_id, "start": override.start}
    text = str(override)
    with coverage_kept(actor, field="id"):
        override.delete()
    record_entry(
        actor=actor,
        action=AuditAction.DELETE,
        object_type=Override._meta.label_lower,
        object_id=override_id,
        object_repr=text[:200],
        before=before,
    )
