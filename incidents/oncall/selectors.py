"""Reads: who is on call (one call, DST-correct), calendars, pages of an incident."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from incidents.oncall.models import Layer, Override, Page, Rotation, RotationMember, Schedule
from portal.kernel.errors import DomainError

# The times "who is on call" answers for: from the epoch to two years ahead. Beyond it
# a shift's end passes `datetime.max` (`?at=9999-12-31T23:59:59Z` was a 500), and no
# team plans its rota further.
EARLIEST_ASKABLE = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MAX_DAYS_AHEAD = 2 * 366

UTC = datetime.UTC


@dataclass(frozen=True)
class OnCallEntry:
    schedule: Schedule
    layer: Layer
    user: Any
    shift_start: datetime.datetime
    shift_end: datetime.datetime | None
    is_override: bool = False
    next_user: Any = None  # the rotation's next person (escalation "next in rotation")


@dataclass(frozen=True)
class Shift:
    user: Any
    next_user: Any
    start: datetime.datetime
    end: datetime.datetime


def _boundary(rotation: Rotation, tz: Any, k: int) -> datetime.datetime:
    """Start of shift k: the k-th period after the first hand-off, in local wall time.

    Adding periods to the naive local time keeps hand-offs at the same wall-clock
    time across DST changes (a daily shift is then 23 or 25 hours long)."""
    first = datetime.datetime.combine(rotation.start_date, rotation.handoff_time)
    return (first + k * rotation.period).replace(tzinfo=tz).astimezone(UTC)


def rotation_shift(
    rotation: Rotation, members: list[Any], at: datetime.datetime, tz: Any
) -> Shift | None:
    """The shift of `rotation` that contains `at`, or None before it starts, after it
    ends, without members, or in a gap (a turn with no user)."""
    if not members or not any(m is not None for m in members):
        return None
    if at < _boundary(rotation, tz, 0) or (rotation.end is not None and at >= rotation.end):
        return None
    first = datetime.datetime.combine(rotation.start_date, rotation.handoff_time)
    local = at.astimezone(tz).replace(tzinfo=None)
    k = (local - first) // rotation.period
    # The wall-clock estimate can be one off around a DST change; settle it exactly.
    while k > 0 and _boundary(rotation, tz, k) > at:
        k -= 1
    while _boundary(rotation, tz, k + 1) <= at:
        k += 1
    start = _boundary(rotation, tz, k)
    n = len(members)
    if members[k % n] is None:
        return None
    # "Next in rotation" skips gaps: it names the next person who will be on call.
    following = next(members[(k + j) % n] for j in range(1, n + 1) if members[(k + j) % n])
    end = _boundary(rotation, tz, k + 1)
    if rotation.end is not None:
        end = min(end, rotation.end)
    return Shift(user=members[k % n], next_user=following, start=start, end=end)


def _next_boundary(rotation: Rotation, tz: Any, at: datetime.datetime) -> datetime.datetime:
    """The first hand-off after `at` (at or after the rotation's first one)."""
    first = datetime.datetime.combine(rotation.start_date, rotation.handoff_time)
    k = max(0, (at.astimezone(tz).replace(tzinfo=None) - first) // rotation.period)
    while _boundary(rotation, tz, k) <= at:
        k += 1
    return _boundary(rotation, tz, k)


def schedules_with_rotations(schedules: QuerySet[Schedule] | None = None) -> list[Schedule]:
    """Schedules with layers, rotations and members prefetched (4 queries)."""
    qs = schedules if schedules is not None else Schedule.objects.all()
    return list(
        qs.order_by("name").prefetch_related(
            Prefetch("layers", queryset=Layer.objects.order_by("order")),
            Prefetch("layers__rotations", queryset=Rotation.objects.order_by("id")),
            Prefetch(
                "layers__rotations__memberships",
                queryset=RotationMember.objects.select_related("user").order_by("position"),
            ),
        )
    )


def overrides_between(
    layer_ids: Iterable[int], start: datetime.datetime, end: datetime.datetime
) -> dict[int, list[Override]]:
    """Overrides overlapping [start, end), per layer, newest first (the newest wins)."""
    by_layer: dict[int, list[Override]] = {}
    qs = (
        Override.objects.filter(layer_id__in=list(layer_ids), start__lt=end, end__gt=start)
        .select_related("user")
        .order_by("-created_at", "-id")
    )
    for override in qs:
        by_layer.setdefault(override.layer_id, []).append(override)
    return by_layer


def layer_entries(
    schedule: Schedule, layer: Layer, at: datetime.datetime, overrides: list[Override]
) -> list[OnCallEntry]:
    tz = schedule.tz
    shifts = [
        shift
        for rotation in layer.rotations.all()
        if (shift := rotation_shift(rotation, [m.user for m in rotation.memberships.all()], at, tz))
    ]
    override = next((o for o in overrides if o.start <= at < o.end), None)
    next_user = shifts[0].next_user if shifts else None
    if override is not None:
        return [
            OnCallEntry(
                schedule, layer, override.user, override.start, override.end, True, next_user
            )
        ]
    return [
        OnCallEntry(schedule, layer, s.user, s.start, s.end, False, s.next_user) for s in shifts
    ]


def who_is_on_call(
    at: datetime.datetime | None = None, *, schedules: QuerySet[Schedule] | None = None
) -> list[OnCallEntry]:
    """Everyone on call at `at` (default now) in every schedule and layer: one call,
    five queries whatever the number of schedules. Overrides win over rotations."""
    now = timezone.now()
    at = (at or now).astimezone(UTC)
    if not EARLIEST_ASKABLE <= at <= now + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError(
            f"must be between 1970-01-01 and {MAX_DAYS_AHEAD} days from now.", field="at"
        )
    loaded = schedules_with_rotations(schedules)
    layers = [layer for s in loaded for layer in s.layers.all()]
    overrides = overrides_between(
        [layer.pk for layer in layers], at, at + datetime.timedelta(microseconds=1)
    )
    entries: list[OnCallEntry] = []
    for schedule in loaded:
        for layer in schedule.layers.all():
            entries.extend(layer_entries(schedule, layer, at, overrides.get(layer.pk, [])))
    return entries


@dataclass(frozen=True)
class CalendarCell:
    entries: list[OnCallEntry]

    @property
    def has_override(self) -> bool:
        return any(e.is_override for e in self.entries)


def schedule_calendar(
    schedule: Schedule, *, start: datetime.date, days: int = 14
) -> dict[str, Any]:
    """Who is on call at noon local time each day, per layer (the admin two-week view)."""
    loaded = schedules_with_rotations(Schedule.objects.filter(pk=schedule.pk))[0]
    tz = loaded.tz
    layers = list(loaded.layers.all())
    begin = datetime.datetime.combine(start, datetime.time(0, 0), tzinfo=tz).astimezone(UTC)
    overrides = overrides_between(
        [la.pk for la in layers], begin, begin + datetime.timedelta(days=days + 1)
    )
    rows = []
    for offset in range(days):
        day = start + datetime.timedelta(days=offset)
        noon = datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=tz).astimezone(UTC)
        day_start = datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=tz).astimezone(UTC)
        day_end = datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time(0, 0), tzinfo=tz
        ).astimezone(UTC)
        cells = []
        for layer in layers:
            layer_overrides = overrides.get(layer.pk, [])
            entries = layer_entries(loaded, layer, noon, layer_overrides)
            # An override anywhere in the day is shown, even when it does not cover noon.
            extra = [
                OnCallEntry(loaded, layer, o.user, o.start, o.end, True)
                for o in layer_overrides
                if o.start < day_end
                and o.end > day_start
                and all(e.user != o.user for e in entries)
            ]
            cells.append(CalendarCell(entries + extra))
        rows.append({"day": day, "cells": cells})
    return {"schedule": loaded, "layers": layers, "rows": rows}


def shifts_between(
    schedule: Schedule, start: datetime.datetime, end: datetime.datetime
) -> list[OnCallEntry]:
    """Every rotation shift and override overlapping [start, end) (the iCal feed)."""
    loaded = schedules_with_rotations(Schedule.objects.filter(pk=schedule.pk))[0]
    tz = loaded.tz
    layers = list(loaded.layers.all())
    overrides = overrides_between([la.pk for la in layers], start, end)
    out: list[OnCallEntry] = []
    for layer in layers:
        for rotation in layer.rotations.all():
            members = [m.user for m in rotation.memberships.all()]
            at = start
            for _ in range(2000):
                if rotation.end is not None and at >= rotation.end:
                    break
                shift = rotation_shift(rotation, members, at, tz)
                if shift is None:
                    first = _boundary(rotation, tz, 0)
                    if at < first < end:
                        at = first
                        continue
                    if at < first or not any(members):
                        break
                    at = _next_boundary(rotation, tz, at)  # a gap: try the next turn
                    if at >= end:
                        break
                    continue
                out.append(OnCallEntry(loaded, layer, shift.user, shift.start, shift.end))
                if shift.end >= end:
                    break
                at = shift.end
        out.extend(
            OnCallEntry(loaded, layer, o.user, o.start, o.end, True)
            for o in overrides.get(layer.pk, [])
        )
    return out


def incident_pages(incident: Any) -> QuerySet[Page]:
    return (
        Page.objects.filter(incident=incident)
        .select_related("user", "channel", "message")
        .order_by("paged_at", "id")
    )


def rotation_members(*, schedule: str | None = None) -> QuerySet[RotationMember]:
    """Every rotation member with its rotation, layer, schedule and user (one query)."""
    qs = RotationMember.objects.select_related("rotation__layer__schedule", "user").order_by(
        "rotation__layer__schedule__name", "rotation_id", "position"
    )
    if schedule:
        qs = qs.filter(rotation__layer__schedule__name=schedule)
    return qs


def overrides() -> QuerySet[Override]:
    """Every override with its layer, schedule and user (one query)."""
    return Override.objects.select_related("layer__schedule", "user").order_by("start", "id")


def on_call_lines() -> list[str]:
    """Who is on call now, one line per person ("Platform / primary: ana"), for other
    add-ons through the extension point (Slack's `/incident oncall`)."""
    return [
        f"{e.schedule.name} / {e.layer.name}: {e.user.get_username()}" for e in who_is_on_call()
    ]
