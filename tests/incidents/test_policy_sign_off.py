"""Issue 26, "sign-off is invented": 001–004 showed approver "loadpolicy", approved at
load time, and 001 ("Status: Planned") became the active, approved policy. A preset now
loads in force but awaiting a founder's sign-off, which is a person's act, audited."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from incidents.policies import activate_policy_version
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "preset", ["founder-24x7", "rotation-small-team", "ops-platform", "follow-the-sun", "s-levels"]
)
def test_a_loaded_preset_is_in_force_and_awaits_a_founders_sign_off(
    preset: str, load_policy: Any
) -> None:
    version = load_policy(preset)
    assert version.status == "active"
    assert (version.approved_by, version.approver_name, version.approved_at) == (None, "", None)


def test_loadpolicy_says_it_awaits_sign_off_and_approve_as_a_founder_signs(founder: User) -> None:
    out = io.StringIO()
    call_command("loadpolicy", "rotation-small-team", stdout=out)
    assert "Awaiting a founder's sign-off" in out.getvalue()
    out = io.StringIO()
    call_command("loadpolicy", "rotation-small-team", "--approve", "--as", "founder", stdout=out)
    from incidents.selectors import active_policy_version

    version = active_policy_version()
    assert version.approved_by == founder
    assert version.approver_name == "founder"
    assert version.approved_at is not None
    assert "Signed off by founder" in out.getvalue()
    entry = AuditEntry.objects.filter(
        object_type="incidents.policyversion", actor_label="founder"
    ).latest("id")
    assert entry.after is not None
    assert entry.after["approver_name"] == "founder"


def test_nobody_signs_off_as_the_system(load_policy: Any) -> None:
    version = load_policy("founder-24x7")
    with pytest.raises(DomainError, match="a person's act"):
        activate_policy_version(version=version, actor=Actor.system("loadpolicy"))


def test_the_admin_action_signs_off_the_version_in_force(load_policy: Any, founder: User) -> None:
    version = load_policy("founder-24x7")
    client = Client()
    client.force_login(founder)
    response = client.post(
        "/admin/incidents/policyversion/",
        {"action": "sign_off_and_activate", "_selected_action": [version.pk]},
        follow=True,
    )
    assert response.status_code == 200
    version.refresh_from_db()
    assert version.approved_by == founder
    assert "signed off by founder" in response.content.decode()


def test_loading_asks_for_the_teams_calendar_and_takes_it_from_flags(db: Any) -> None:
    """Issue 26, "the calendar is assumed": UTC Mon–Fri 09–17 decided real deadlines and
    nothing asked the team for its hours, time zone or holidays."""
    from incidents.selectors import active_policy_version

    out = io.StringIO()
    call_command("loadpolicy", "rotation-small-team", stdout=out)
    assert "Business calendar: UTC, Mon, Tue, Wed, Thu, Fri 09:00–17:00" in out.getvalue()
    assert "give yours with --time-zone, --hours, --working-days, --holidays" in out.getvalue()
    out = io.StringIO()
    call_command(
        "loadpolicy",
        "rotation-small-team",
        "--time-zone",
        "Europe/Berlin",
        "--hours",
        "08:30-17:30",
        "--working-days",
        "mon-thu",
        "--holidays",
        "de-by",
        stdout=out,
    )
    version = active_policy_version()
    assert (version.time_zone, version.working_days) == ("Europe/Berlin", "0,1,2,3")
    assert (version.work_start.isoformat(), version.work_end.isoformat()) == (
        "08:30:00",
        "17:30:00",
    )
    assert (version.holiday_country, version.holiday_subdivision) == ("DE", "BY")
    assert "Europe/Berlin, Mon, Tue, Wed, Thu 08:30–17:30, holidays: DE-BY" in out.getvalue()
    # A business day now ends at 17:30 Berlin time, Friday is not one, Christmas is a holiday
    import datetime
    import zoneinfo

    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    calendar = version.calendar()
    thursday_evening = datetime.datetime(2026, 12, 3, 17, 0, tzinfo=berlin)
    # Thursday 17:00 + 60 business minutes: 30 that evening, Friday is off, then Monday
    next_hour = calendar.add_business_minutes(thursday_evening, 60)
    assert next_hour.astimezone(berlin) == datetime.datetime(2026, 12, 7, 9, 0, tzinfo=berlin)
    assert calendar.is_holiday(datetime.date(2026, 12, 24)) is False  # not in Bavaria
    assert calendar.is_holiday(datetime.date(2026, 12, 25)) is True


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--time-zone", "Mars/Olympus", "--time-zone: unknown zone"),
        ("--hours", "17:00-09:00", "--hours: the end must be after the start"),
        ("--working-days", "mon-funday", "--working-days:"),
        ("--holidays", "XX", "--holidays: no holiday calendar for 'XX'"),
    ],
)
def test_a_bad_calendar_flag_is_one_line_naming_it(
    db: Any, flag: str, value: str, words: str
) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=words):
        call_command("loadpolicy", "rotation-small-team", flag, value, stdout=io.StringIO())
