"""Each preset's paging against its playbook's own words, minute by minute, frozen clock.

`walk()` declares an incident at T0, then moves the clock one minute at a time and
runs one engine cycle per minute; it returns who was paged at each minute. The
expected tables are the playbook lines quoted above each test.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client

from incidents.choices import DeadlineKind, TimelineKind
from incidents.models import PolicyVersion, Service
from incidents.oncall.models import Escalation, Page, Rotation, RotationMember
from incidents.services import acknowledge_incident, declare_incident, resolve_incident
from portal.kernel.actors import Actor
from portal.project.engine import run_cycle

# A Monday, 01:00 UTC: alice holds the first 8-hour follow-the-sun shift of the day.
T0 = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)


def staff(rotation_name: str, *users: Any) -> None:
    rotation = Rotation.objects.get(name=rotation_name)
    rotation.memberships.all().delete()
    RotationMember.objects.bulk_create(
        [RotationMember(rotation=rotation, user=u, position=i) for i, u in enumerate(users, 1)]
    )


def walk(
    severity: str,
    *,
    minutes: int = 70,
    ack: tuple[int, Any] | None = None,
    resolve_at: int | None = None,
    services: list[Service] | None = None,
) -> tuple[dict[int, list[str]], Any]:
    """{minute: sorted usernames paged at that minute} and the incident."""
    system = Actor.system("test")
    timeline: dict[int, list[str]] = {}
    seen = Page.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with time_machine.travel(T0, tick=False) as clock:
        incident = declare_incident(
            actor=system, title="Walk", severity=severity, services=services or []
        )
        for minute in range(minutes + 1):
            clock.move_to(T0 + datetime.timedelta(minutes=minute))
            if ack is not None and ack[0] == minute:
                acknowledge_incident(incident=incident, actor=Actor.for_user(ack[1]))
            if resolve_at == minute:
                resolve_incident(incident=incident, actor=system, message="fixed")
            run_cycle()
            new = list(Page.objects.filter(pk__gt=seen).order_by("id"))
            if new:
                timeline[minute] = sorted(p.user.get_username() for p in new)
                seen = new[-1].pk
    return timeline, incident


@pytest.fixture
def cast(people: dict[str, Any], founder: Any, django_user_model: Any) -> dict[str, Any]:
    people["olivia"] = django_user_model.objects.create_user(
        "olivia", "olivia@example.com", "pw-x-123456"
    )
    people["founder"] = founder
    return people


# --- 000 founder-24x7 -----------------------------------------------------------------
# "Founder is on-call 24/7. Slack-paged … Slack #alerts channel with @here mention for SEV-1/2."


@pytest.mark.django_db
def test_000_sev1_pages_the_founder_in_alerts_with_here_every_15_minutes(
    load_policy: Callable[..., PolicyVersion], cast: dict[str, Any]
) -> None:
    load_policy("founder-24x7")
    staff("founder", cast["founder"])
    paged, _ = walk("SEV-1", minutes=60)
    # The policy repeats the page at the SEV-1 MTTA (15 min), twice, then gives up.
    assert paged == {0: ["founder"], 15: ["founder"], 30: ["founder"]}
    pages = Page.objects.values_list("channel__name", "message__body", "message__status")
    assert {channel for channel, _, _ in pages} == {"#alerts"}
    assert all(body.startswith("<!here> founder") for _, body, _ in pages)
    # #alerts is disabled until its webhook is set: the pages wait there, not in a log.
    assert {status for _, _, status in pages} == {"pending"}


@pytest.mark.django_db
def test_000_sev3_still_pages_the_founder_but_without_here(
    load_policy: Callable[..., PolicyVersion], cast: dict[str, Any]
) -> None:
    load_policy("founder-24x7")
    staff("founder", cast["founder"])
    paged, _ = walk("SEV-3", minutes=60)
    assert paged == {0: ["founder"]}
    assert "@here" not in Page.objects.values_list("message__body", flat=True).get()


# --- 001 rotation-small-team ----------------------------------------------------------
# "SEV-1: All hands on deck. SEV-2: On-call + available engineers.
#  Escalation Path: 1. On-call engineer 2. All available engineers (for SEV-1)
#  3. Founder/CTO (if no resolution in 1 hour)". SEV-1 response time: "Immediate".


@pytest.fixture
def small_team(load_policy: Any, cast: dict[str, Any]) -> dict[str, Any]:
    load_policy("rotation-small-team")
    staff("weekly", cast["alice"])
    staff("founders", cast["founder"])
    engineers = Group.objects.get(name="Engineers")
    engineers.user_set.set([cast["alice"], cast["bob"], cast["carol"]])
    return cast


@pytest.mark.django_db
def test_001_sev1_all_hands_then_founder_if_unresolved_after_an_hour_despite_ack(
    small_team: dict[str, Any],
) -> None:
    paged, incident = walk("SEV-1", ack=(2, small_team["alice"]))
    # On-call alice and all engineers at once; the ack at minute 2 does not cancel the
    # "if no resolution in 1 hour" step: the founder is paged at 60.
    assert paged == {0: ["alice", "bob", "carol"], 60: ["founder"]}
    # "Immediate": met on acknowledgement, never a 0-minute miss.
    ack = incident.deadlines.get(kind=DeadlineKind.ACKNOWLEDGE)
    assert ack.due_at is None
    assert ack.met_at == T0 + datetime.timedelta(minutes=2)
    assert not incident.timeline.filter(
        kind=TimelineKind.DEADLINE_MISSED, message__startswith="Acknowledge"
    ).exists()


@pytest.mark.django_db
def test_001_sev2_on_call_and_engineers_founder_only_when_not_resolved_in_an_hour(
    small_team: dict[str, Any],
) -> None:
    paged, _ = walk("SEV-2", ack=(10, small_team["bob"]), resolve_at=45)
    assert paged == {0: ["alice", "bob", "carol"]}  # resolved at 45: no founder
    paged, _ = walk("SEV-2", ack=(10, small_team["bob"]))
    assert paged == {0: ["alice", "bob", "carol"], 60: ["founder"]}


@pytest.mark.django_db
def test_001_sev4_pages_the_on_call_engineer(small_team: dict[str, Any]) -> None:
    paged, _ = walk("SEV-4", minutes=90)
    assert paged == {0: ["alice"]}


# --- 002 ops-platform -----------------------------------------------------------------
# "SEV1 … Target: acknowledge < 5m"; "SEV2 … ack < 15m"; "Escalation: TBD (on-call rotation …)".


@pytest.fixture
def ops(load_policy: Any, cast: dict[str, Any]) -> dict[str, Any]:
    load_policy("ops-platform")
    staff("ops-platform", cast["alice"])
    return cast


@pytest.mark.django_db
def test_002_sev1_pages_the_ops_on_call_again_at_each_5_minute_ack_target(
    ops: dict[str, Any],
) -> None:
    paged, _ = walk("SEV1", minutes=30)
    assert paged == {0: ["alice"], 5: ["alice"], 10: ["alice"]}


@pytest.mark.django_db
def test_002_sev2_pages_the_ops_on_call_then_again_at_15_unless_acknowledged(
    ops: dict[str, Any],
) -> None:
    paged, _ = walk("SEV2", minutes=30)
    assert paged == {0: ["alice"], 15: ["alice"]}
    paged, _ = walk("SEV2", minutes=30, ack=(3, ops["alice"]))
    assert paged == {0: ["alice"]}


# --- 003 follow-the-sun ---------------------------------------------------------------
# "SEV-1 | All platform on-call + EM on-call + founder on-call; SEV-2 | Service owner +
#  platform on-call; SEV-3 | Service owner only." "If … nobody answers within 5 minutes,
#  … pages the next person in the rotation. If the second person doesn't answer within 5
#  more, the EM on-call is paged. If they don't answer, the founder on-call is paged."


@pytest.fixture
def sun(load_policy: Any, cast: dict[str, Any]) -> dict[str, Any]:
    load_policy("follow-the-sun")
    staff("follow-the-sun", cast["alice"], cast["bob"], cast["carol"])
    staff("managers", cast["emma"])
    staff("founders", cast["founder"])
    cast["checkout"] = Service.objects.create(
        name="Checkout", slug="checkout", owner=cast["olivia"]
    )
    return cast


@pytest.mark.django_db
def test_003_sev1_pages_platform_em_and_founder_at_once(sun: dict[str, Any]) -> None:
    paged, _ = walk("SEV-1", minutes=30)
    assert paged == {
        0: ["alice", "emma", "founder"],
        5: ["bob"],  # next in rotation
        10: ["alice", "emma", "founder"],  # the chain once more
        15: ["bob"],
    }


@pytest.mark.django_db
def test_003_sev2_pages_the_service_owner_and_platform_then_the_unbroken_chain(
    sun: dict[str, Any],
) -> None:
    paged, _ = walk("SEV-2", minutes=45, services=[sun["checkout"]])
    assert paged == {
        0: ["alice", "olivia"],
        5: ["bob"],
        10: ["emma"],
        15: ["founder"],
        20: ["alice", "olivia"],
        25: ["bob"],
        30: ["emma"],
        35: ["founder"],
    }


@pytest.mark.django_db
def test_003_sev3_pages_the_service_owner_only(sun: dict[str, Any]) -> None:
    paged, _ = walk("SEV-3", minutes=30, services=[sun["checkout"]])
    assert paged == {0: ["olivia"]}


# --- 004 s-levels ---------------------------------------------------------------------
# "Discord #errors | Automated error notifications (S1/S2)"; "#warnings (S3)";
# S1 response time "Immediate - < 30 min".


@pytest.fixture
def sartiq(load_policy: Any, cast: dict[str, Any]) -> dict[str, Any]:
    load_policy("s-levels")
    staff("operators", cast["alice"])
    return cast


@pytest.mark.django_db
def test_004_s1_pages_the_operator_in_errors_with_here_again_at_30(sartiq: dict[str, Any]) -> None:
    paged, _ = walk("S1", minutes=45)
    assert paged == {0: ["alice"], 30: ["alice"]}
    pages = Page.objects.values_list("channel__name", "message__body")
    assert {channel for channel, _ in pages} == {"#errors"}
    assert all(body.startswith("@here") for _, body in pages)


@pytest.mark.django_db
def test_004_s2_pages_the_operator_in_errors_once_and_s3_in_warnings(
    sartiq: dict[str, Any],
) -> None:
    paged, _ = walk("S2", minutes=45)
    assert paged == {0: ["alice"]}
    paged, _ = walk("S3", minutes=45)
    assert paged == {0: ["alice"]}
    assert Page.objects.order_by("id").values_list("channel__name", flat=True).last() == "#warnings"


# --- Never silently nobody ------------------------------------------------------------


@pytest.mark.django_db
def test_sev1_with_an_empty_rotation_pages_the_fallback_and_warns(
    small_team: dict[str, Any], admin_client: Client
) -> None:
    # Given the small-team rotation and the Engineers group are empty
    staff("weekly")
    Group.objects.get(name="Engineers").user_set.clear()
    paged, incident = walk("SEV-1", minutes=5)
    # Then the founder (the policy's fallback: Founder on-call) is paged at once
    assert paged == {0: ["founder"]}
    assert Page.objects.get().target == "fallback (Founder on-call on call)"
    # And the timeline says so, step by step
    notes = list(
        incident.timeline.filter(data__nobody=True).order_by("id").values_list("message", flat=True)
    )
    assert notes[0] == (
        "Escalation step 1 (Engineering on-call on call) resolved to nobody: "
        "paged the fallback: founder."
    )
    assert len(notes) == 2  # step 2 (the Engineers group) was empty too
    # And the incident page shows the warning
    warning = Escalation.objects.get().warning
    assert "resolved to nobody" in warning
    from django.urls import reverse

    page = admin_client.get(reverse("admin:incidents_incident_change", args=[incident.pk]))
    assert "resolved to nobody" in page.content.decode()


@pytest.mark.django_db
def test_a_level_without_any_policy_says_so_on_the_timeline(sartiq: dict[str, Any]) -> None:
    _, incident = walk("S4", minutes=1)
    assert Page.objects.count() == 0
    assert incident.timeline.filter(
        kind=TimelineKind.NOTE, message__startswith="No escalation policy for S4"
    ).exists()
