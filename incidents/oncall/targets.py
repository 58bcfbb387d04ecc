"""Who an escalation step's target means now (a named user, a group, the owners of the
incident's services, a schedule's on-call or next person, everyone on call), and how a
step's targets are described on the timeline. Pure: read from the on-call snapshot a
paging run takes once (`paging.run_due_escalations`)."""

from __future__ import annotations

from typing import Any

from incidents.models import Incident
from incidents.oncall.choices import TargetKind
from incidents.oncall.models import EscalationStep
from incidents.oncall.models.escalation import TargetFields
from incidents.oncall.selectors import OnCallEntry


def target_users(
    target: TargetFields, oncall: list[OnCallEntry], incident: Incident
) -> list[tuple[Any, str]]:
    """(user, why) pairs for one target, from the on-call snapshot taken once per run."""
    kind = target.target_kind
    if kind == TargetKind.USER:
        return [(target.user, "named user")] if target.user is not None else []
    if kind == TargetKind.GROUP:
        group = target.group
        if group is None:
            return []
        return [(u, f"group {group.name}") for u in group.user_set.all() if u.is_active]
    if kind == TargetKind.SERVICE_OWNERS:
        return [
            (s.owner, f"owner of {s.name}")
            for s in incident.services.all()
            if s.owner is not None and s.owner.is_active
        ]
    if kind == TargetKind.EVERYONE_ON_CALL:
        return [(e.user, f"{e.schedule.name} / {e.layer.name} on call") for e in oncall]
    entries = [
        e
        for e in oncall
        if e.schedule.pk == target.schedule_id
        and (target.layer_id is None or e.layer.pk == target.layer_id)
    ]
    if kind == TargetKind.SCHEDULE:
        return [(e.user, f"{e.schedule.name} / {e.layer.name} on call") for e in entries]
    return [
        (e.next_user, f"{e.schedule.name} / {e.layer.name} next in rotation")
        for e in entries
        if e.next_user is not None
    ]


def describe_targets(step: EscalationStep) -> str:
    parts = []
    for target in step.targets():
        name = target.get_target_kind_display()
        if target.schedule is not None:
            name = f"{target.schedule.name} on call"
        elif target.user is not None:
            name = target.user.get_username()
        elif target.group is not None:
            name = f"group {target.group.name}"
        parts.append(name)
    return " + ".join(parts)
