"""What every vendor migration shares: users by e-mail, losses, severities, the result."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from incidents.choices import PolicyStatus
from incidents.models import PolicyVersion
from portal.project.vendor_import.http import VendorError

T = TypeVar("T")
# Statuses with which a vendor says "this account has no such API" (a plan without it,
# a feature switched off): the migration goes on without it and says so.
MISSING_API = (403, 404)


@dataclass
class VendorSchedule:
    """One schedule as the vendor itself computes it, for the cross-check.

    `on_call(at)` gives the vendor user ids on call at an instant by the vendor's
    documented rule, computed from the vendor's own data (not from the conversion);
    `unchecked` says why the cross-check cannot follow that rule for this schedule."""

    name: str
    on_call: Callable[[datetime.datetime], set[str]]
    unchecked: str = ""


@dataclass
class MigrationResult:
    vendor: str
    document: dict[str, Any]
    losses: list[str] = field(default_factory=list)
    checklist: list[str] = field(default_factory=list)
    vendor_schedules: list[VendorSchedule] = field(default_factory=list)
    # vendor user id → (portal user ref or None, the name the vendor shows)
    people: dict[str, tuple[str | None, str]] = field(default_factory=dict)


class Builder:
    """Collects the document and the losses as a vendor module reads its API."""

    def __init__(self, vendor: str, *, severity_map: dict[str, str], default_severity: str | None):
        self.vendor = vendor
        self.losses: list[str] = []
        self.checklist: list[str] = []
        self.document: dict[str, Any] = {
            "version": 1, "services": [], "schedules": [], "escalation_policies": [],
            "integrations": [], "history": [],
        }  # fmt: skip
        self.portal_users = {
            u.email.lower(): u.email for u in get_user_model().objects.exclude(email="")
        }
        self.vendor_users: dict[str, str | None] = {}  # vendor id → portal user ref
        self.vendor_names: dict[str, str] = {}
        self.vendor_schedules: list[VendorSchedule] = []
        self.now = timezone.now()
        self._unmatched_reported: set[str] = set()
        version = PolicyVersion.objects.filter(status=PolicyStatus.ACTIVE).first()
        self.levels = (
            []
            if version is None
            else list(version.levels.order_by("rank").values_list("code", flat=True))
        )
        self.severity_map = severity_map
        self.default_severity = default_severity or (self.levels[-1] if self.levels else "")
        self._defaulted = 0

    def lose(self, message: str) -> None:
        self.losses.append(message)

    def add_user(self, vendor_id: str, email: str | None, name: str = "") -> None:
        ref = self.portal_users.get((email or "").lower())
        self.vendor_users[vendor_id] = ref
        self.vendor_names[vendor_id] = name or email or vendor_id
        if ref is None:
            self.lose(
                f"user {name or vendor_id} <{email or 'no e-mail'}>: no portal user with this "
                "e-mail; left out of rotations, overrides and steps (create the user, then "
                "migrate again)"
            )

    def user(self, vendor_id: str, where: str) -> str | None:
        """The portal user for a vendor user id; unknown ids are reported once per place."""
        if vendor_id in self.vendor_users:
            return self.vendor_users[vendor_id]
        key = f"{vendor_id}@{where}"
        if key not in self._unmatched_reported:
            self._unmatched_reported.add(key)
            self.lose(f"{where}: unknown user id {vendor_id}; left out")
        return None

    def severity(self, label: str | None) -> str:
        """A vendor priority (P1…) as a portal level code: the map, else Pn → rank n."""
        if label and label in self.severity_map:
            return self.severity_map[label]
        match = re.fullmatch(r"[Pp](\d)", label or "")
        if match and self.levels:
            return self.levels[min(int(match[1]), len(self.levels)) - 1]
        self._defaulted += 1
        return self.default_severity

    def minutes(self, seconds: float, where: str) -> int:
        minutes = round(seconds / 60)
        if minutes * 60 != seconds:
            self.lose(f"{where}: {seconds:g} s rounded to {minutes} min")
        return minutes

    def optional(self, what: str, read: Callable[[], Iterable[T]]) -> list[T]:
        """Read an API the account may not have (403/404): without it, a loss line."""
        try:
            return list(read())
        except VendorError as exc:
            if exc.status not in MISSING_API:
                raise
            self.lose(
                f"{what}: the API answered HTTP {exc.status} (not in this account's plan or "
                "not enabled for this key); not imported"
            )
            return []

    def rotation(
        self,
        *,
        where: str,
        layer: str,
        time_zone: str,
        origin: datetime.datetime,
        turn_seconds: int,
        members: list[str | None],
        offset: int = 0,
        start: datetime.datetime | None = None,
        end: datetime.datetime | None = None,
    ) -> dict[str, Any] | None:
        """A portal rotation for a vendor one, or None (with a loss line) when it ended.

        The vendor's turn k (counted from `origin`) belongs to `members[(offset + k) % n]`;
        a None member is a gap (nobody on call for that turn). The rotation is live from
        `start` (default: `origin`) until `end`. The portal counts turns from its start
        date, so the members are rotated by the turns that passed before it."""
        if end is not None and end <= self.now:
            self.lose(f"{where}: ended {iso(end.isoformat())}; not imported")
            return None
        kind, hours = self.rotation_kind(turn_seconds, where)
        period = datetime.timedelta(days={"daily": 1, "weekly": 7}.get(kind, 0), hours=hours or 0)
        zone = zoneinfo.ZoneInfo(time_zone)
        first = origin.astimezone(zone).replace(tzinfo=None)
        turns = 0
        if start is not None and start > origin:
            # Wall-clock turns, as the portal counts them (hand-offs keep their local time).
            local_start = start.astimezone(zone).replace(tzinfo=None)
            turns = -(-(local_start - first) // period)
            if first + turns * period != local_start:
                self.lose(
                    f"{where}: starts mid-turn ({iso(start.isoformat())}); the portal "
                    "starts it at the next hand-off"
                )
        begins = first + turns * period
        shift = (offset + turns) % len(members) if members else 0
        return {"layer": layer, "kind": kind, "shift_hours": hours,
                "start_date": begins.date().isoformat(), "handoff_time": begins.strftime("%H:%M"),
                "end": iso(end.isoformat()) if end else None,
                "members": members[shift:] + members[:shift]}  # fmt: skip

    def rotation_kind(self, seconds: int, where: str) -> tuple[str, int | None]:
        if seconds == 86400:
            return "daily", None
        if seconds == 7 * 86400:
            return "weekly", None
        hours = max(1, round(seconds / 3600))
        if hours * 3600 != seconds:
            self.lose(f"{where}: a {seconds} s turn rounded to every {hours} hours")
        return "custom", hours

    def result(self) -> MigrationResult:
        if self._defaulted:
            self.lose(
                f"{self._defaulted} incidents had no priority the portal could map; given "
                f"{self.default_severity} (choose with --severity LABEL=CODE or --default-severity)"
            )
        people = {
            vendor_id: (ref, self.vendor_names.get(vendor_id, vendor_id))
            for vendor_id, ref in self.vendor_users.items()
        }
        return MigrationResult(
            self.vendor, self.document, self.losses, self.checklist, self.vendor_schedules, people
        )


def slug(name: str) -> str:
    return slugify(name)[:100] or "service"


def instant(value: str, time_zone: str = "UTC") -> datetime.datetime:
    """A vendor timestamp; one without an offset is wall time in `time_zone`."""
    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zoneinfo.ZoneInfo(time_zone))
    return parsed


def iso(value: str | None, time_zone: str = "UTC") -> str | None:
    """A vendor timestamp as aware ISO text (UTC)."""
    if not value:
        return None
    return instant(value, time_zone).astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_start(value: str, time_zone: str) -> tuple[str, str]:
    """(date, HH:MM) of a vendor start instant in the schedule's zone."""
    local = instant(value, time_zone).astimezone(zoneinfo.ZoneInfo(time_zone))
    return local.date().isoformat(), local.strftime("%H:%M")
