"""Reads that answer "can anyone be paged?": coverage gaps per schedule (hours with
nobody on call, as Grafana OnCall's schedule checks report) and the set-up still
missing before a page reaches a person (empty rotations, disabled channels, levels
without an escalation policy)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q

from incidents.oncall.models import (
    EscalationStep,
    Schedule,
    SeverityEscalation,
    StepTarget,
)
from incidents.oncall.selectors import layer_entries, overrides_between, schedules_with_rotations
from portal.kernel.command_line import manage_py
from portal.notifications.models import NotificationChannel, NotificationRoute
from portal.notifications.providers import provider_for

HOUR = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Gap:
    schedule: str
    start: datetime.datetime
    end: datetime.datetime

    @property
    def hours(self) -> int:
        return int((self.end - self.start) / HOUR)

    def __str__(self) -> str:
        return (
            f"{self.schedule}: nobody on call {self.start:%Y-%m-%d %H:%M}Z – "
            f"{self.end:%Y-%m-%d %H:%M}Z ({self.hours} h)"
        )


def coverage_gaps(start: datetime.datetime, days: int = 14) -> list[Gap]:
    """Per schedule, the hours in [start, start + days) with nobody on call in any of its
    layers (sampled at each hour), merged into ranges. Five queries in all."""
    start = start.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    end = start + datetime.timedelta(days=days)
    schedules = schedules_with_rotations()
    layers = [layer for s in schedules for layer in s.layers.all()]
    overrides = overrides_between([la.pk for la in layers], start, end)
    gaps: list[Gap] = []
    for schedule in schedules:
        gap_start: datetime.datetime | None = None
        at = start
        while at < end:
            covered = any(
                layer_entries(schedule, layer, at, overrides.get(layer.pk, []))
                for layer in schedule.layers.all()
            )
            if not covered and gap_start is None:
                gap_start = at
            if covered and gap_start is not None:
                gaps.append(Gap(schedule.name, gap_start, at))
                gap_start = None
            at += HOUR
        if gap_start is not None:
            gaps.append(Gap(schedule.name, gap_start, end))
    return gaps


def coverage_report(start: datetime.datetime, days: int = 14) -> tuple[str, list[Gap]]:
    """Text of `oncall check` and of the weekly notice."""
    gaps = coverage_gaps(start, days)
    head = f"On-call coverage {start:%Y-%m-%d %H:%M}Z + {days} days:"
    if not Schedule.objects.exists():
        return head + "\n  no schedule exists: nobody can be paged by schedule.", gaps
    if not gaps:
        return head + "\n  every schedule has someone on call every hour.", gaps
    return "\n".join([head, *(f"  {gap}" for gap in gaps)]), gaps


def _undeliverable(channel: NotificationChannel) -> str:
    if not channel.enabled:
        return "disabled"
    provider = provider_for(channel.kind)
    if not channel.target and (provider is None or provider.needs_target):
        return "has no target"
    return ""


def setup_missing(level_codes: list[str] | None = None) -> list[str]:
    """What is still missing before anyone can be paged, one line each."""
    problems: list[str] = []
    for schedule in schedules_with_rotations():
        for layer in schedule.layers.all():
            for rotation in layer.rotations.all():
                if not rotation.memberships.all():
                    problems.append(
                        f"Rotation '{rotation.name or rotation.pk}' of {schedule.name} / "
                        f"{layer.name} has no members: "
                        + manage_py(f"oncall member add '{schedule.name}' USERNAME")
                    )
    steps = EscalationStep.objects.filter(policy__levels__isnull=False).values_list(
        "channel_id", flat=True
    )
    targets = StepTarget.objects.filter(step__policy__levels__isnull=False).values_list(
        "channel_id", flat=True
    )
    routed = NotificationRoute.objects.filter(enabled=True).values_list("channel_id", flat=True)
    used = NotificationChannel.objects.filter(
        Q(pk__in=steps) | Q(pk__in=targets) | Q(pk__in=routed)
    ).order_by("name")
    for channel in used:
        if why := _undeliverable(channel):
            problems.append(
                f"Channel {channel.name} {why}: its messages and pages wait (pending) until "
                + manage_py(f"channel set '{channel.name}' --target URL --enable")
            )
    if level_codes is not None:
        mapped = set(SeverityEscalation.objects.values_list("level_code", flat=True))
        problems.extend(
            f"Level {code} has no escalation policy: its incidents page nobody."
            for code in level_codes
            if code not in mapped
        )
    return problems
