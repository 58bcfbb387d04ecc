"""A small hand-written iCalendar (RFC 5545) feed of a schedule's shifts."""

from __future__ import annotations

import datetime

from django.conf import settings

from incidents.oncall.models import Schedule
from incidents.oncall.selectors import shifts_between


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def schedule_ics(schedule: Schedule, start: datetime.datetime, end: datetime.datetime) -> str:
    now = _stamp(datetime.datetime.now(datetime.UTC))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//incident-portal//oncall//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape('On call: ' + schedule.name)}",
    ]
    host = settings.PORTAL_BASE_URL.split("//")[-1]
    for entry in shifts_between(schedule, start, end):
        if entry.shift_end is None:
            continue
        kind = "override" if entry.is_override else "shift"
        uid = f"{schedule.pk}-{entry.layer.pk}-{kind}-{entry.user.pk}-{_stamp(entry.shift_start)}@{host}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(entry.shift_start)}",
            f"DTEND:{_stamp(entry.shift_end)}",
            f"SUMMARY:{_escape(f'{entry.user.get_username()} on call ({entry.layer.name}' + (', override)' if entry.is_override else ')'))}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
