"""Who is on call: rotations, DST-correct hand-offs, layers and overrides (SPEC §4)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from pytest_django import DjangoAssertNumQueries

from incidents.models import PolicyVersion
from incidents.oncall.models import Override, Schedule
from incidents.oncall.selectors import shifts_between, who_is_on_call

UTC = datetime.UTC


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).astimezone(UTC)


def on_call(when: str) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            e.schedule.name,
            e.layer.name,
            e.user.username,
            f"{e.shift_start:%m-%d %H:%M}",
            f"{e.shift_end:%m-%d %H:%M}",
        )
        for e in who_is_on_call(at(when))
    ]


@pytest.mark.django_db
def test_daily_handoff_stays_at_local_wall_time_across_spring_dst(
    people: dict[str, Any], make_schedule: Any
) -> None:
    # Given a daily rotation in Paris handing off at 09:00 local, across 29 March 2026 (CET -> CEST)
    make_schedule(
        "Paris",
        [people["alice"], people["bob"], people["carol"]],
        tz="Europe/Paris",
        start=datetime.date(2026, 3, 27),
    )
    # Then before DST the hand-off is 08:00Z, after it 07:00Z; the DST night's shift is 23 hours
    assert on_call("2026-03-27T08:00Z") == [
        ("Paris", "primary", "alice", "03-27 08:00", "03-28 08:00")
    ]
    assert on_call("2026-03-28T12:00Z") == [
        ("Paris", "primary", "bob", "03-28 08:00", "03-29 07:00")
    ]
    assert on_call("2026-03-29T06:59Z") == [
        ("Paris", "primary", "bob", "03-28 08:00", "03-29 07:00")
    ]
    assert on_call("2026-03-29T07:00Z") == [
        ("Paris", "primary", "carol", "03-29 07:00", "03-30 07:00")
    ]
    # And the fourth day wraps around to the first member
    assert on_call("2026-03-30T07:00+00:00")[0][2] == "alice"


@pytest.mark.django_db
def test_daily_handoff_across_autumn_dst_gives_a_25_hour_shift(
    people: dict[str, Any], make_schedule: Any
) -> None:
    make_schedule(
        "Paris",
        [people["alice"], people["bob"]],
        tz="Europe/Paris",
        start=datetime.date(2026, 10, 24),
    )
    # 24 Oct 09:00 CEST = 07:00Z; 25 Oct 09:00 CET = 08:00Z
    assert on_call("2026-10-25T07:30Z") == [
        ("Paris", "primary", "alice", "10-24 07:00", "10-25 08:00")
    ]
    assert on_call("2026-10-25T08:00Z") == [
        ("Paris", "primary", "bob", "10-25 08:00", "10-26 08:00")
    ]


@pytest.mark.django_db
def test_weekly_and_custom_hour_rotations(people: dict[str, Any], make_schedule: Any) -> None:
    make_schedule(
        "Weekly",
        [people["alice"], people["bob"]],
        kind="weekly",
        tz="America/New_York",
        start=datetime.date(2026, 3, 2),
        handoff=datetime.time(10, 0),
    )
    make_schedule(
        "Sun",
        [people["carol"], people["emma"], people["bob"]],
        kind="custom",
        shift_hours=8,
        start=datetime.date(2026, 3, 2),
        handoff=datetime.time(0, 0),
    )
    # Weekly: 2 Mar 10:00 EST = 15:00Z; the 9 Mar hand-off is after the US DST change (EDT): 14:00Z
    entries = dict((name, rest) for name, *rest in on_call("2026-03-09T14:30Z"))
    assert entries["Weekly"] == ["primary", "bob", "03-09 14:00", "03-16 14:00"]
    # 8-hour shifts at 00:00, 08:00, 16:00 UTC: shift 22 since 2 March, member 22 % 3 = emma
    assert entries["Sun"] == ["primary", "emma", "03-09 08:00", "03-09 16:00"]


@pytest.mark.django_db
def test_nobody_before_the_rotation_starts_or_without_members(
    people: dict[str, Any], make_schedule: Any
) -> None:
    make_schedule("Later", [people["alice"]], start=datetime.date(2026, 5, 1))
    make_schedule("Empty", [], start=datetime.date(2026, 1, 1))
    assert on_call("2026-04-30T12:00Z") == []


@pytest.mark.django_db
def test_a_gap_turn_has_nobody_on_call_and_next_in_rotation_skips_it(
    people: dict[str, Any], make_schedule: Any
) -> None:
    # Given a daily rotation alice, (gap), bob, as Opsgenie's [alice, none, bob]
    make_schedule("Gappy", [people["alice"], None, people["bob"]], start=datetime.date(2026, 3, 1))
    # Then day 0 is alice's (next: bob, not the gap), day 1 nobody's, day 2 bob's
    assert on_call("2026-03-01T12:00Z") == [
        ("Gappy", "primary", "alice", "03-01 09:00", "03-02 09:00")
    ]
    assert [e.next_user.username for e in who_is_on_call(at("2026-03-01T12:00Z"))] == ["bob"]
    assert on_call("2026-03-02T12:00Z") == []
    assert on_call("2026-03-03T12:00Z") == [
        ("Gappy", "primary", "bob", "03-03 09:00", "03-04 09:00")
    ]
    assert on_call("2026-03-04T12:00Z")[0][2] == "alice"
    # And the iCal feed's shifts leave the gap out
    schedule = Schedule.objects.get(name="Gappy")
    shifts = shifts_between(schedule, at("2026-03-01T00:00Z"), at("2026-03-05T00:00Z"))
    assert [(e.user.username, f"{e.shift_start:%d %H}") for e in shifts] == [
        ("alice", "01 09"), ("bob", "03 09"), ("alice", "04 09")]  # fmt: skip


@pytest.mark.django_db
def test_an_ended_rotation_puts_nobody_on_call_after_its_end(
    people: dict[str, Any], make_schedule: Any
) -> None:
    # Given a daily rotation that ends mid-shift on 3 March at 15:00 UTC
    rotation = make_schedule("Ending", [people["alice"], people["bob"]])
    rotation.end = at("2026-03-03T15:00Z")
    rotation.save()
    # Then the last shift is cut at the end, and nobody is on call from it afterwards
    assert on_call("2026-03-03T14:59Z") == [
        ("Ending", "primary", "alice", "03-03 09:00", "03-03 15:00")
    ]
    assert on_call("2026-03-03T15:00Z") == []
    assert on_call("2026-03-10T12:00Z") == []
    shifts = shifts_between(
        rotation.layer.schedule, at("2026-03-02T00:00Z"), at("2026-03-09T00:00Z")
    )
    assert [(e.user.username, f"{e.shift_end:%d %H}") for e in shifts] == [
        ("alice", "02 09"), ("bob", "03 09"), ("alice", "03 15")]  # fmt: skip


@pytest.mark.django_db
def test_override_wins_for_its_window_only(people: dict[str, Any], make_schedule: Any) -> None:
    rotation = make_schedule(
        "Primary", [people["alice"], people["bob"]], start=datetime.date(2026, 3, 1)
    )
    Override.objects.create(
        layer=rotation.layer,
        user=people["emma"],
        start=at("2026-03-01T12:00Z"),
        end=at("2026-03-01T18:00Z"),
        reason="swap",
    )
    assert on_call("2026-03-01T11:59Z")[0][2] == "alice"
    assert on_call("2026-03-01T12:00Z") == [
        ("Primary", "primary", "emma", "03-01 12:00", "03-01 18:00")
    ]
    assert who_is_on_call(at("2026-03-01T13:00Z"))[0].is_override
    assert on_call("2026-03-01T18:00Z")[0][2] == "alice"


@pytest.mark.django_db
def test_layers_are_all_on_call_at_once(people: dict[str, Any], make_schedule: Any) -> None:
    make_schedule("Team", [people["alice"]], layer="primary", order=1)
    make_schedule("Team", [people["bob"]], layer="secondary", order=2)
    assert [(e[1], e[2]) for e in on_call("2026-03-05T12:00Z")] == [
        ("primary", "alice"),
        ("secondary", "bob"),
    ]


@pytest.mark.django_db
def test_founder_24x7_preset_is_a_valid_schedule(
    founder: User, load_policy: Callable[..., PolicyVersion]
) -> None:
    # Given the founder exists before the preset is loaded
    load_policy("founder-24x7")
    entries = who_is_on_call(at("2026-11-23T03:00Z"))
    # Then the founder is on call in the middle of the night
    assert [(e.schedule.name, e.user.username) for e in entries] == [("Founder 24/7", "founder")]


@pytest.mark.django_db
def test_who_is_on_call_is_a_constant_number_of_queries(
    people: dict[str, Any], make_schedule: Any, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    make_schedule("A", [people["alice"], people["bob"]])
    with django_assert_num_queries(5):
        who_is_on_call(at("2026-03-05T12:00Z"))
    for i in range(5):
        make_schedule(f"B{i}", [people["carol"], people["emma"]], kind="weekly")
    with django_assert_num_queries(5):
        assert len(who_is_on_call(at("2026-03-05T12:00Z"))) == 6
