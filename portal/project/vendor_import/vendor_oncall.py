"""Who each vendor says is on call at an instant, by the vendor's documented rule.

This is the vendor's side of the cross-check (`crosscheck.py`), written apart from the
conversion on purpose: it reads the vendor's own payloads (turns counted from the
vendor's origin, start indices, end dates, `none` participants, restrictions, levels,
overrides) and never the document the importer built, so a conversion mistake shows up
as a mismatch instead of being repeated on both sides. Each function returns a
`VendorSchedule` whose `on_call(at)` gives vendor user ids.

Hand-offs keep their local wall-clock time across DST in all three tools (turns are
counted in the schedule's or shift's time zone), so turns are stepped in local time.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from typing import Any

from portal.project.vendor_import.build import VendorSchedule, instant

OnCall = Callable[[datetime.datetime], set[str]]
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _local(at: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return at.astimezone(zone).replace(tzinfo=None)


def _turn(first: datetime.datetime, step: datetime.timedelta, local: datetime.datetime) -> int:
    """The turn (0, 1, …) whose local start is the last one at or before `local`."""
    return (local - first) // step


def _seconds_of_week(local: datetime.datetime) -> int:
    return local.weekday() * 86400 + local.hour * 3600 + local.minute * 60 + local.second


def _in_window(position: int, start: int, length: int, cycle: int) -> bool:
    """`position` within [start, start + length) on a cycle of `cycle` seconds."""
    return (position - start) % cycle < length


def _clock(text: str) -> int:
    hours, minutes, *rest = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + (rest[0] if rest else 0)


# --- PagerDuty: https://developer.pagerduty.com/api-reference/ (Schedules) -----------


def pagerduty(schedule: dict[str, Any], overrides: list[dict[str, Any]]) -> VendorSchedule:
    """A layer is live from `start` until `end`; its turn k (each
    `rotation_turn_length_seconds`, counted from `rotation_virtual_start`) is the k-th user
    in order; restrictions limit it to windows of the day or week. Layers stack: the
    schedule has the highest layer that has someone (GET lists the highest first; see
    PagerDuty/public-support-scripts#60: GET and PUT list layers in opposite orders).
    An override wins over every layer."""
    zone = zoneinfo.ZoneInfo(schedule.get("time_zone") or "UTC")
    windows = [(instant(o["start"]), instant(o["end"]), o["user"]["id"]) for o in overrides]

    def layer_user(layer: dict[str, Any], at: datetime.datetime) -> str | None:
        users = [u["user"]["id"] for u in layer.get("users", [])]
        if not users or at < instant(layer["start"], zone.key):
            return None
        if layer.get("end") and at >= instant(layer["end"], zone.key):
            return None
        local = _local(at, zone)
        restrictions = layer.get("restrictions") or []
        if restrictions and not any(_pd_allows(r, local) for r in restrictions):
            return None
        first = _local(instant(layer["rotation_virtual_start"], zone.key), zone)
        step = datetime.timedelta(seconds=layer["rotation_turn_length_seconds"])
        return users[_turn(first, step, local) % len(users)]

    def on_call(at: datetime.datetime) -> set[str]:
        for start, end, user in windows:
            if start <= at < end:
                return {user}
        for layer in schedule.get("schedule_layers", []):
            if (user := layer_user(layer, at)) is not None:
                return {user}
        return set()

    return VendorSchedule(schedule["name"][:120], on_call)


def _pd_allows(restriction: dict[str, Any], local: datetime.datetime) -> bool:
    start = _clock(restriction["start_time_of_day"])
    length = int(restriction["duration_seconds"])
    if restriction["type"] == "daily_restriction":
        seconds = local.hour * 3600 + local.minute * 60 + local.second
        return _in_window(seconds, start, length, 86400)
    day = int(restriction.get("start_day_of_week", 1)) - 1  # ISO: 1 = Monday
    return _in_window(_seconds_of_week(local), day * 86400 + start, length, 7 * 86400)


# --- Opsgenie: https://docs.opsgenie.com/docs/schedule-rotation-api ------------------


def opsgenie(schedule: dict[str, Any], overrides: list[dict[str, Any]]) -> VendorSchedule:
    """Every rotation of a schedule is on call at once. A rotation is live from
    `startDate` until `endDate`; its turn k (`length` hours, days or weeks) is the k-th
    participant, where the reserved participant `none` means nobody; a time restriction
    limits it to hours of the day or of the week. An override replaces the rotations it
    names (all of them when it names none) for its window."""
    zone = zoneinfo.ZoneInfo(schedule.get("timezone") or "UTC")
    unit = {"hourly": 1, "daily": 24, "weekly": 168}
    unchecked = ""
    for rotation in schedule.get("rotations", []):
        kinds = {p.get("type") for p in rotation.get("participants", [])} - {"user", "none"}
        if kinds:
            unchecked = (
                f"rotation {rotation['name']} has {', '.join(sorted(kinds))} participants, "
                "whose members the cross-check does not read"
            )

    def rotation_user(rotation: dict[str, Any], at: datetime.datetime) -> str | None:
        participants = rotation.get("participants", [])
        if not participants or at < instant(rotation["startDate"]):
            return None
        if rotation.get("endDate") and at >= instant(rotation["endDate"]):
            return None
        local = _local(at, zone)
        if rotation.get("timeRestriction") and not _og_allows(rotation["timeRestriction"], local):
            return None
        first = _local(instant(rotation["startDate"]), zone)
        step = datetime.timedelta(hours=unit[rotation["type"]] * rotation.get("length", 1))
        participant = participants[_turn(first, step, local) % len(participants)]
        return participant.get("id") if participant.get("type") == "user" else None

    def on_call(at: datetime.datetime) -> set[str]:
        users: set[str] = set()
        for rotation in schedule.get("rotations", []):
            replaced = next(
                (
                    o["user"]["id"]
                    for o in overrides
                    if instant(o["startDate"]) <= at < instant(o["endDate"])
                    and (
                        not o.get("rotations")
                        or any(r.get("id") == rotation["id"] for r in o["rotations"])
                    )
                ),
                None,
            )
            user = replaced or rotation_user(rotation, at)
            if user is not None:
                users.add(user)
        return users

    return VendorSchedule(schedule["name"][:120], on_call, unchecked)


def _og_allows(restriction: dict[str, Any], local: datetime.datetime) -> bool:
    if restriction.get("type") == "time-of-day":
        r = restriction["restriction"]
        start = r["startHour"] * 3600 + r["startMin"] * 60
        end = r["endHour"] * 3600 + r["endMin"] * 60
        seconds = local.hour * 3600 + local.minute * 60 + local.second
        return _in_window(seconds, start, (end - start) % 86400 or 86400, 86400)
    week = 7 * 86400
    for r in restriction.get("restrictions", []):
        start = (
            _WEEKDAYS.index(r["startDay"].lower()) * 86400
            + r["startHour"] * 3600
            + r["startMin"] * 60
        )
        end = _WEEKDAYS.index(r["endDay"].lower()) * 86400 + r["endHour"] * 3600 + r["endMin"] * 60
        if _in_window(_seconds_of_week(local), start, (end - start) % week or week, week):
            return True
    return False


# --- Grafana OnCall: https://grafana.com/docs/oncall/latest/oncall-api-reference/on_call_shifts/


def grafana_oncall(schedule: dict[str, Any], shifts: list[dict[str, Any]]) -> VendorSchedule:
    """A rolling-users shift repeats every `interval` × `frequency` from `start` (in its
    time zone) while the repetition starts at or before `until` (an iCalendar RRULE
    UNTIL, inclusive); repetition i lasts `duration` and belongs to the user group
    `rolling_users[(start_rotation_from_user_index + i) % n]`. When shifts overlap, the
    higher `level` wins; override shifts win over every level."""
    name = schedule["name"][:120]
    if schedule.get("type") == "ical":
        return VendorSchedule(name, lambda at: set(), "an iCal schedule, read from its feed")
    step_of = {"hourly": 3600, "daily": 86400, "weekly": 7 * 86400}
    unchecked = ""
    for shift in shifts:
        if shift["type"] == "override":
            continue
        if shift["type"] != "rolling_users" or shift.get("frequency") not in step_of:
            unchecked = f"shift {shift['name']} ({shift['type']}, {shift.get('frequency')})"
        elif shift.get("by_day") or shift.get("by_month") or shift.get("by_monthday"):
            unchecked = f"shift {shift['name']} repeats on chosen days (by_day)"
    tz = schedule.get("time_zone") or "UTC"

    def events(shift: dict[str, Any], at: datetime.datetime) -> list[str]:
        zone = zoneinfo.ZoneInfo(shift.get("time_zone") or tz)
        first = _local(instant(shift["start"], zone.key), zone)
        local = _local(at, zone)
        if shift["type"] == "override":
            ends = first + datetime.timedelta(seconds=shift["duration"])
            return list(shift.get("users", [])) if first <= local < ends else []
        step = datetime.timedelta(seconds=step_of[shift["frequency"]] * shift.get("interval", 1))
        if local < first:
            return []
        i = _turn(first, step, local)
        begins = first + i * step
        if shift.get("until") and begins > _local(instant(shift["until"], zone.key), zone):
            return []
        if local >= begins + datetime.timedelta(seconds=shift["duration"]):
            return []
        groups = shift.get("rolling_users") or []
        if not groups:
            return []
        offset = shift.get("start_rotation_from_user_index") or 0
        return list(groups[(offset + i) % len(groups)])

    def on_call(at: datetime.datetime) -> set[str]:
        overriding = {u for s in shifts if s["type"] == "override" for u in events(s, at)}
        if overriding:
            return overriding
        best: int | None = None
        users: set[str] = set()
        for shift in shifts:
            if shift["type"] == "override" or not (found := events(shift, at)):
                continue
            level = shift.get("level", 0)
            if best is None or level > best:
                best, users = level, set(found)
            elif level == best:
                users |= set(found)
        return users

    return VendorSchedule(name, on_call, unchecked)
