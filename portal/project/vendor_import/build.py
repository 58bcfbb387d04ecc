"""What every vendor migration shares: users by e-mail, losses, severities, the result."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from incidents.choices import PolicyStatus
from incidents.models import PolicyVersion


@dataclass
class MigrationResult:
    vendor: str
    document: dict[str, Any]
    losses: list[str] = field(default_factory=list)
    checklist: list[str] = field(default_factory=list)


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
        return MigrationResult(self.vendor, self.document, self.losses, self.checklist)


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
