"""Reads for the weekly security audit: anomalies in the audit log and login history.

Each detector returns `Anomaly` values; `fingerprint` identifies one anomaly within a
week, so re-running the audit for the same week finds the same fingerprints and
records nothing new. Thresholds are settings (see docs/audit.md).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from portal.audit.choices import AuditAction, FindingKind, FindingSeverity
from portal.audit.models import AuditEntry, LoginAttempt
from portal.audit.roles import FOUNDERS


@dataclass(frozen=True)
class Anomaly:
    kind: str
    severity: str
    fingerprint: str
    summary: str
    data: dict[str, Any] = field(default_factory=dict)


def last_complete_week(today: datetime.date) -> datetime.date:
    """Monday of the last full Monday–Sunday week before `today`."""
    return today - datetime.timedelta(days=today.weekday() + 7)


def audit_week(day: datetime.date | None, *, today: datetime.date) -> datetime.date:
    """The Monday of `day`'s week; without a day, the last complete week before `today`."""
    week = day if day is not None else last_complete_week(today)
    return week - datetime.timedelta(days=week.weekday())


def week_bounds(week_start: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(week_start, datetime.time(), tzinfo=datetime.UTC)
    return start, start + datetime.timedelta(days=7)


def _user_flag_changes(entries: list[AuditEntry]) -> list[Anomaly]:
    found = []
    for e in entries:
        after = e.after or {}
        for flag, kind, severity in (
            ("is_superuser", FindingKind.NEW_SUPERUSER, FindingSeverity.SEVERE),
            ("is_staff", FindingKind.NEW_STAFF, FindingSeverity.WARNING),
        ):
            if after.get(flag) is True and (
                e.action == AuditAction.CREATE or (e.before or {}).get(flag) is False
            ):
                found.append(
                    Anomaly(
                        kind,
                        severity,
                        f"{kind}:user:{e.object_id}",
                        f"{e.object_repr} became {flag.removeprefix('is_')} ({e.actor_label}, {e.at:%Y-%m-%d %H:%M}Z)",
                        {"user_id": e.object_id, "entry": e.seq, "by": e.actor_label},
                    )
                )
    return found


def _grants(entries: list[AuditEntry]) -> list[Anomaly]:
    found = []
    for e in entries:
        granted: dict[str, Any] = next(iter((e.after or {}).values()), {}) or {}
        objects = granted.get("objects", [])
        severe = e.object_type == "auth.user" and FOUNDERS in objects
        found.append(
            Anomaly(
                FindingKind.PERMISSION_GRANT,
                FindingSeverity.SEVERE if severe else FindingSeverity.WARNING,
                f"grant:entry:{e.seq}",
                f"{e.actor_label} granted {', '.join(objects)[:150]} to {e.object_repr}",
                {"entry": e.seq, "object_type": e.object_type, "object_id": e.object_id},
            )
        )
    return found


def _tokens(entries: list[AuditEntry]) -> list[Anomaly]:
    return [
        Anomaly(
            FindingKind.TOKEN_CREATED,
            FindingSeverity.INFO if (e.after or {}).get("read_only") else FindingSeverity.WARNING,
            f"token:{e.object_id}",
            f"API token {e.object_repr} created by {e.actor_label}",
            {"token_id": e.object_id, "entry": e.seq},
        )
        for e in entries
    ]


def _mass_deletions(start: datetime.datetime, end: datetime.datetime) -> list[Anomaly]:
    threshold = settings.AUDIT_MASS_DELETE_THRESHOLD
    counts: Counter[tuple[str, str]] = Counter()
    for label, at in AuditEntry.objects.filter(
        action=AuditAction.DELETE, at__gte=start, at__lt=end
    ).values_list("actor_label", "at"):
        counts[(label, at.date().isoformat())] += 1
    return [
        Anomaly(
            FindingKind.MASS_DELETION,
            FindingSeverity.SEVERE,
            f"deletions:{label}:{day}",
            f"{label} deleted {n} objects on {day}",
            {"actor": label, "day": day, "count": n},
        )
        for (label, day), n in sorted(counts.items())
        if n >= threshold
    ]


def _failed_logins(start: datetime.datetime, end: datetime.datetime) -> list[Anomaly]:
    threshold = settings.AUDIT_FAILED_LOGIN_THRESHOLD
    severe = settings.AUDIT_FAILED_LOGIN_SEVERE
    counts = Counter(
        LoginAttempt.objects.filter(succeeded=False, at__gte=start, at__lt=end).values_list(
            "username", flat=True
        )
    )
    return [
        Anomaly(
            FindingKind.FAILED_LOGINS,
            FindingSeverity.SEVERE if n >= severe else FindingSeverity.WARNING,
            f"failed:{username}",
            f"{n} failed logins for {username!r}",
            {"username": username, "count": n},
        )
        for username, n in sorted(counts.items())
        if n >= threshold
    ]


def _hour_distance(a: int, b: int) -> int:
    d = abs(a - b) % 24
    return min(d, 24 - d)


def _odd_hours(start: datetime.datetime, end: datetime.datetime) -> list[Anomaly]:
    """A login at an hour (UTC) more than an hour away from any of the user's previous
    logins over the 8 weeks before — once the user has at least 10 of them."""
    history_from = start - datetime.timedelta(weeks=8)
    hours: dict[str, set[int]] = defaultdict(set)
    seen: Counter[str] = Counter()
    found = []
    rows = LoginAttempt.objects.filter(succeeded=True, at__gte=history_from, at__lt=end).order_by(
        "at", "id"
    )
    for username, at in rows.values_list("username", "at"):
        if (
            at >= start
            and seen[username] >= settings.AUDIT_LOGIN_HISTORY_MIN
            and all(_hour_distance(at.hour, h) > 1 for h in hours[username])
        ):
            found.append(
                Anomaly(
                    FindingKind.ODD_HOUR_LOGIN,
                    FindingSeverity.WARNING,
                    f"hour:{username}:{at:%Y-%m-%dT%H}",
                    f"{username} logged in at {at:%H:%M}Z, unusual for them ({at:%Y-%m-%d})",
                    {
                        "username": username,
                        "at": at.isoformat(),
                        "usual_hours": sorted(hours[username]),
                    },
                )
            )
        hours[username].add(at.hour)
        seen[username] += 1
    return found


def find_anomalies(week_start: datetime.date) -> list[Anomaly]:
    start, end = week_bounds(week_start)
    window = AuditEntry.objects.filter(at__gte=start, at__lt=end).order_by("seq")
    users = list(
        window.filter(object_type="auth.user", action__in=(AuditAction.CREATE, AuditAction.UPDATE))
    )
    grants = list(window.filter(action=AuditAction.GRANT))
    tokens = list(window.filter(object_type="portal.apitoken", action=AuditAction.CREATE))
    return [
        *_user_flag_changes(users),
        *_grants(grants),
        *_tokens(tokens),
        *_mass_deletions(start, end),
        *_failed_logins(start, end),
        *_odd_hours(start, end),
    ]
