"""Escalation: follow-the-sun timings with a frozen clock, ack stops it, one-click ack links."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from incidents.choices import TimelineKind
from incidents.models import PolicyVersion
from incidents.oncall.choices import EscalationStatus
from incidents.oncall.models import Escalation, Page, Rotation, RotationMember
from incidents.oncall.sweeper import sweep
from incidents.services import acknowledge_incident, declare_incident, resolve_incident
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage

T0 = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)


def staff(rotation_name: str, *users: User) -> None:
    rotation = Rotation.objects.get(name=rotation_name)
    rotation.memberships.all().delete()
    RotationMember.objects.bulk_create(
        [RotationMember(rotation=rotation, user=u, position=i) for i, u in enumerate(users, 1)]
    )


@pytest.fixture
def follow_the_sun(
    load_policy: Callable[..., PolicyVersion], people: dict[str, Any], founder: User
) -> dict[str, Any]:
    load_policy("follow-the-sun")
    staff("follow-the-sun", people["alice"], people["bob"], people["carol"])
    staff("managers", people["emma"])
    staff("founders", founder)
    return people


def paged() -> list[tuple[int, str]]:
    return list(Page.objects.order_by("id").values_list("step_order", "user__username"))


@pytest.mark.django_db
def test_follow_the_sun_pages_step_by_step(
    follow_the_sun: dict[str, Any], system: Actor, committed: Any
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        # Given alice holds the 00:00-08:00 UTC shift of the Platform rotation; when a SEV-2
        # (no affected service) is declared
        with committed():
            incident = declare_incident(actor=system, title="Region down", severity="SEV-2")
        # Then the primary is paged at once, by email, with a timeline entry
        assert paged() == [(1, "alice")]
        message = OutboxMessage.objects.get()
        assert message.recipient == "alice@example.com"
        assert "/oncall/ack/" in message.body
        assert incident.timeline.filter(kind=TimelineKind.PAGED).count() == 1
        # When nobody answers for 4:59, nothing more happens
        clock.shift(datetime.timedelta(minutes=4, seconds=59))
        sweep()
        assert paged() == [(1, "alice")]
        # After 5 minutes the next person in the rotation is paged
        clock.shift(datetime.timedelta(seconds=1))
        sweep()
        assert paged() == [(1, "alice"), (2, "bob")]
        sweep()  # a second sweep in the same minute pages nobody again
        assert len(paged()) == 2
        # After 5 more, the EM on-call; after 5 more, the founder on-call
        clock.shift(datetime.timedelta(minutes=5))
        sweep()
        assert paged()[-1] == (3, "emma")
        clock.shift(datetime.timedelta(minutes=5))
        sweep()
        assert paged()[-1] == (4, "founder")
        # When the founder acknowledges, the escalation stops and their page is marked
        acknowledge_incident(
            incident=incident,
            actor=Actor.for_user(follow_the_sun["emma"].__class__.objects.get(username="founder")),
        )
        clock.shift(datetime.timedelta(minutes=30))
        sweep()
        assert len(paged()) == 4
        assert Escalation.objects.get().status == EscalationStatus.ACKNOWLEDGED
        assert Page.objects.get(
            user__username="founder"
        ).acknowledged_at == T0 + datetime.timedelta(minutes=15)
        assert incident.timeline.filter(kind=TimelineKind.PAGED).count() == 4


@pytest.mark.django_db
def test_unanswered_chain_repeats_then_finishes(
    follow_the_sun: dict[str, Any], system: Actor
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        incident = declare_incident(actor=system, title="Region down", severity="SEV-2")
        for _ in range(12):
            clock.shift(datetime.timedelta(minutes=5))
            sweep()
    # The policy repeats once: 2 rounds of 4 steps, then it stops and says so
    assert [p[0] for p in paged()] == [1, 2, 3, 4, 1, 2, 3, 4]
    assert Escalation.objects.get().status == EscalationStatus.EXHAUSTED
    assert incident.timeline.filter(message__contains="nobody acknowledged").count() == 1


@pytest.mark.django_db
def test_resolving_stops_the_escalation(
    follow_the_sun: dict[str, Any], system: Actor, committed: Any
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        with committed():
            incident = declare_incident(actor=system, title="Region down", severity="SEV-2")
        resolve_incident(incident=incident, actor=system, message="fixed")
        clock.shift(datetime.timedelta(minutes=20))
        sweep()
    assert paged() == [(1, "alice")]
    assert Escalation.objects.get().status == EscalationStatus.STOPPED


@pytest.mark.django_db
def test_level_without_policy_pages_nobody(
    follow_the_sun: dict[str, Any], system: Actor, committed: Any
) -> None:
    load = follow_the_sun  # noqa: F841 - the preset maps SEV-1..3 only
    with committed():
        declare_incident(actor=system, title="Typo", severity="SEV-3")
    assert len(paged()) == 1  # SEV-3 is mapped by follow-the-sun too
    from incidents.oncall.models import SeverityEscalation

    SeverityEscalation.objects.filter(level_code="SEV-2").delete()
    with committed():
        declare_incident(actor=system, title="Slow", severity="SEV-2")
    assert len(paged()) == 1


def ack_path(page: Page) -> str:
    assert page.message is not None
    found = re.search(r"https?://[^/]+(/oncall/ack/[^/\s]+/)", page.message.body)
    assert found is not None, page.message.body
    return found.group(1)


@pytest.mark.django_db
def test_one_click_ack_link_works_once_without_login(
    follow_the_sun: dict[str, Any], system: Actor, client: Client, committed: Any
) -> None:
    with time_machine.travel(T0, tick=False), committed():
        incident = declare_incident(actor=system, title="Region down", severity="SEV-2")
    page = Page.objects.select_related("message").get()
    path = ack_path(page)
    with time_machine.travel(T0 + datetime.timedelta(minutes=2), tick=False):
        # GET (what a mail scanner would do) only shows a confirmation page
        response = client.get(path)
        assert response.status_code == 200
        assert b"acknowledge" in response.content
        incident.refresh_from_db()
        assert incident.acknowledged_at is None
        # POST acknowledges as alice
        response = client.post(path)
        assert response.status_code == 200
        assert b"Acknowledged" in response.content
    incident.refresh_from_db()
    assert incident.acknowledged_at == T0 + datetime.timedelta(minutes=2)
    ack = incident.timeline.get(kind=TimelineKind.ACKNOWLEDGED)
    assert ack.actor is not None
    assert ack.actor.username == "alice"
    assert Escalation.objects.get().status == EscalationStatus.ACKNOWLEDGED
    # The link is single use
    with time_machine.travel(T0 + datetime.timedelta(minutes=3), tick=False):
        response = client.post(path)
    assert response.status_code == 410
    assert b"already used" in response.content


@pytest.mark.django_db
def test_ack_link_expires_and_rejects_forgeries(
    follow_the_sun: dict[str, Any], system: Actor, client: Client, committed: Any
) -> None:
    with time_machine.travel(T0, tick=False), committed():
        incident = declare_incident(actor=system, title="Region down", severity="SEV-2")
    path = ack_path(Page.objects.select_related("message").get())
    with time_machine.travel(T0 + datetime.timedelta(hours=25), tick=False):
        response = client.post(path)
    assert response.status_code == 410
    assert b"expired" in response.content
    incident.refresh_from_db()
    assert incident.acknowledged_at is None
    forged = path.replace("/ack/", "/ack/x")
    assert client.post(forged).status_code == 404


@pytest.mark.django_db
def test_raising_the_severity_starts_the_new_levels_escalation(
    founder: User, declare: Any, system: Actor, committed: Any
) -> None:
    from incidents.services import change_severity

    # Given a SEV-3 (founder-24x7: the founder, in #alerts, no @here)
    incident = declare("SEV-3", "Slow exports")
    assert paged() == [(1, "founder")]
    assert "@here" not in Page.objects.values_list("message__body", flat=True).get()
    # When it becomes a SEV-1, the SEV-1 chain starts: the founder is paged at once, @here
    with committed():
        change_severity(incident=incident, actor=system, severity="SEV-1", reason="all customers")
    assert paged() == [(1, "founder"), (1, "founder")]
    last_body = Page.objects.order_by("id").values_list("message__body", flat=True).last()
    assert last_body is not None
    assert "<!here>" in last_body
    assert Escalation.objects.get().status == EscalationStatus.ACTIVE
