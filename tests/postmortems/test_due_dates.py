"""Every preset's post-mortem due date: declared and resolved on a frozen Thursday.

Thursday 5 March 2026, resolved 14:00 UTC (inside the default Mon–Fri 09:00–17:00 UTC calendar).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from incidents.choices import IncidentStatus
from postmortems.models import PostMortem

UTC = datetime.UTC


def at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, 0, tzinfo=UTC)


CASES = [
    # preset, level, due (None = required with no due date)
    ("founder-24x7", "SEV-1", at(12, 14)),  # 5 business days: Thu → next Thu, same wall time
    ("founder-24x7", "SEV-2", at(12, 14)),
    ("rotation-small-team", "SEV-1", at(7, 14)),  # 48 hours: Saturday
    ("rotation-small-team", "SEV-2", at(7, 14)),
    ("rotation-small-team", "SEV-3", at(7, 14)),
    ("rotation-small-team", "SEV-4", at(7, 14)),
    ("ops-platform", "SEV1", at(7, 14)),  # 48h
    ("ops-platform", "SEV2", at(7, 14)),
    ("ops-platform", "SEV3", at(10, 14)),  # 5d: calendar days, Tuesday
    ("follow-the-sun", "SEV-1", at(8, 14)),  # 72 hours: Sunday
    ("follow-the-sun", "SEV-2", at(8, 14)),
    ("follow-the-sun", "SEV-3", at(8, 14)),
    ("s-levels", "S1", None),  # required, the playbook gives no due time
    ("s-levels", "S2", None),
]
NOT_REQUIRED = [
    ("founder-24x7", "SEV-3"),
    ("founder-24x7", "SEV-4"),
    ("ops-platform", "SEV4"),
    ("s-levels", "S3"),
    ("s-levels", "S4"),
]


@pytest.mark.parametrize(("preset", "level", "due"), CASES)
def test_required_postmortem_is_drafted_on_resolve_with_the_policy_due_date(
    load_policy: Any, resolve_at: Any, preset: str, level: str, due: datetime.datetime | None
) -> None:
    # Given the preset in force
    load_policy(preset)
    # When an incident at that level is resolved on Thursday at 14:00 UTC
    incident = resolve_at(level)
    # Then its post-mortem draft exists, due per the pinned policy, and the incident waits for it
    pm = PostMortem.objects.get(incident=incident)
    assert pm.status == "draft"
    assert pm.due_at == due
    assert incident.status == IncidentStatus.RESOLVED


@pytest.mark.parametrize(("preset", "level"), NOT_REQUIRED)
def test_no_postmortem_when_the_level_does_not_require_one(
    load_policy: Any, resolve_at: Any, preset: str, level: str
) -> None:
    load_policy(preset)
    incident = resolve_at(level)
    assert not PostMortem.objects.filter(incident=incident).exists()
    assert incident.status == IncidentStatus.CLOSED


def test_business_days_start_at_the_next_working_morning(policy: Any, resolve_at: Any) -> None:
    # Given founder-24x7 (5 business days) and an incident resolved Friday 20:00 UTC, after hours
    incident = resolve_at("SEV-1", declared=at(6, 18), resolved=at(6, 20))
    # Then the clock starts Monday 09:00: five working days later is Monday 16 March 09:00
    assert incident.postmortem.due_at == at(16, 9)


def test_due_date_is_read_from_the_incident_deadline(policy: Any, resolve_at: Any) -> None:
    incident = resolve_at("SEV-2")
    deadline = incident.deadlines.get(kind="postmortem", superseded_at__isnull=True)
    assert incident.postmortem.due_at == deadline.due_at
