"""The doors: API, CLI, admin calendar and pages, iCal feed, setup_schedules."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_q.models import Schedule as QSchedule
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from incidents.models import Incident, PolicyVersion
from incidents.oncall.models import Override, Schedule
from portal.kernel.actors import Actor

UTC = datetime.UTC


@pytest.mark.django_db
def test_api_oncall_at_a_time(api: APIClient, people: dict[str, Any], make_schedule: Any) -> None:
    rotation = make_schedule(
        "Platform", [people["alice"], people["bob"]], start=datetime.date(2026, 3, 1)
    )
    Override.objects.create(
        layer=rotation.layer,
        user=people["emma"],
        start=datetime.datetime(2026, 3, 2, 12, tzinfo=UTC),
        end=datetime.datetime(2026, 3, 2, 14, tzinfo=UTC),
    )
    response = api.get("/api/v1/oncall/", {"at": "2026-03-01T10:00:00Z"})
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "schedule": "Platform",
            "layer": "primary",
            "user": "alice",
            "user_email": "alice@example.com",
            "shift_start": "2026-03-01T09:00:00Z",
            "shift_end": "2026-03-02T09:00:00Z",
            "is_override": False,
        }
    ]
    over = api.get("/api/v1/oncall/", {"at": "2026-03-02T13:00:00+00:00"}).json()["results"]
    assert [(e["user"], e["is_override"]) for e in over] == [("emma", True)]


@pytest.mark.django_db
def test_api_oncall_errors_name_the_field(api: APIClient, client: Client) -> None:
    response = api.get("/api/v1/oncall/", {"at": "yesterday-ish"})
    assert response.status_code == 400
    assert "at" in response.json()
    assert client.get("/api/v1/oncall/").status_code in (401, 403)


@pytest.mark.django_db
def test_api_oncall_query_count_is_constant(
    api: APIClient,
    people: dict[str, Any],
    make_schedule: Any,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    make_schedule("S0", [people["alice"]])
    api.get("/api/v1/oncall/")  # the token's first use is recorded once
    # token + schedules, layers, rotations, members, overrides
    with django_assert_num_queries(6):
        assert (
            len(api.get("/api/v1/oncall/", {"at": "2026-03-05T12:00:00Z"}).json()["results"]) == 1
        )
    for i in range(1, 8):
        make_schedule(f"S{i}", [people["bob"], people["carol"]], kind="weekly")
    with django_assert_num_queries(6):
        assert (
            len(api.get("/api/v1/oncall/", {"at": "2026-03-05T12:00:00Z"}).json()["results"]) == 8
        )


@pytest.mark.django_db
def test_cli_oncall_now(people: dict[str, Any], make_schedule: Any) -> None:
    make_schedule("Platform", [people["alice"], people["bob"]], start=datetime.date(2026, 3, 1))
    out = StringIO()
    call_command("oncall", "now", "--at", "2026-03-02T10:00:00Z", stdout=out)
    assert "Platform / primary: bob (2026-03-02 09:00Z – 2026-03-03 09:00Z)" in out.getvalue()
    with pytest.raises(CommandError, match="^at: "):
        call_command("oncall", "now", "--at", "soon")
    with pytest.raises(CommandError, match="^schedule: "):
        call_command("oncall", "now", "--schedule", "Nope")


@pytest.mark.django_db
def test_setup_schedules_twice_creates_no_duplicates() -> None:
    QSchedule.objects.create(name="portal:retired-task", func="x.y", schedule_type="I", minutes=5)
    QSchedule.objects.create(name="hand-made", func="x.z", schedule_type="I", minutes=5)
    call_command("setup_schedules", stdout=StringIO())
    first = sorted(QSchedule.objects.values_list("name", "func"))
    out = StringIO()
    call_command("setup_schedules", stdout=out)
    assert sorted(QSchedule.objects.values_list("name", "func")) == first
    assert "0 created, 0 updated, 0 removed" in out.getvalue()
    names = [n for n, _ in first]
    assert ("portal:oncall-sweep", "incidents.oncall.tasks.sweep") in first
    assert "portal:retired-task" not in names
    assert "hand-made" in names
    assert len(names) == len(set(names))


@pytest.mark.django_db
def test_admin_two_week_calendar_highlights_overrides(
    admin_client: Client, people: dict[str, Any], make_schedule: Any
) -> None:
    rotation = make_schedule(
        "Platform", [people["alice"], people["bob"]], start=datetime.date(2026, 3, 1)
    )
    Override.objects.create(
        layer=rotation.layer,
        user=people["emma"],
        start=datetime.datetime(2026, 3, 4, 10, tzinfo=UTC),
        end=datetime.datetime(2026, 3, 4, 16, tzinfo=UTC),
    )
    url = reverse("admin:oncall_schedule_calendar", args=[rotation.layer.schedule.pk])
    page = admin_client.get(url, {"start": "2026-03-02"}).content.decode()
    assert page.count("<tr><td>") == 14
    assert "Mon 2026-03-02" in page
    assert "Sun 2026-03-15" in page
    assert "emma (override 10:00–16:00 UTC)" in page
    assert 'style="background:#ffe9a8"' in page


@pytest.mark.django_db
def test_ical_feed_at_a_secret_url(
    client: Client, people: dict[str, Any], make_schedule: Any
) -> None:
    rotation = make_schedule(
        "Platform", [people["alice"], people["bob"]], start=datetime.date(2026, 3, 1)
    )
    schedule = Schedule.objects.get(pk=rotation.layer.schedule_id)
    with time_machine.travel(datetime.datetime(2026, 3, 10, tzinfo=UTC)):
        response = client.get(f"/oncall/ical/{schedule.ical_token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART:20260310T090000Z" in body
    assert "SUMMARY:alice on call (primary)" in body
    assert client.get("/oncall/ical/wrong-token.ics").status_code == 404


@pytest.mark.django_db
def test_pages_are_shown_on_the_incident_admin_page(
    admin_client: Client, founder: User, declare: Callable[..., Incident]
) -> None:
    incident = declare("SEV-1", "Checkout down")
    page = admin_client.get(
        reverse("admin:incidents_incident_change", args=[incident.pk])
    ).content.decode()
    assert "Founder 24/7 / primary on call" in page


@pytest.mark.django_db
def test_oncall_changelists_render(
    admin_client: Client, people: dict[str, Any], make_schedule: Any
) -> None:
    make_schedule("Platform", [people["alice"]])
    for name in (
        "schedule",
        "rotation",
        "layer",
        "override",
        "escalationpolicy",
        "severityescalation",
        "escalation",
    ):
        assert admin_client.get(reverse(f"admin:oncall_{name}_changelist")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "preset", ["founder-24x7", "follow-the-sun", "rotation-small-team", "s-levels", "ops-platform"]
)
def test_presets_load_twice_without_duplicates(
    load_policy: Callable[..., PolicyVersion], founder: User, preset: str
) -> None:
    from incidents.oncall.models import EscalationStep, RotationMember, SeverityEscalation
    from portal.notifications.models import NotificationChannel, NotificationRoute

    def counts() -> list[int]:
        return [
            m.objects.count()
            for m in (
                Schedule,
                RotationMember,
                EscalationStep,
                SeverityEscalation,
                NotificationChannel,
                NotificationRoute,
            )
        ]

    load_policy(preset)
    first = counts()
    load_policy(preset)
    assert counts() == first
    if preset == "ops-platform":  # escalation "TBD": an empty Ops/Platform rotation, paged;
        # the Comms Lead's #status channel, routed for SEV1/SEV2 updates (issue 26)
        assert first == [1, 0, 3, 4, 1, 2]


@pytest.mark.django_db
def test_demo_makes_a_sev1_page_visibly(
    load_policy: Callable[..., PolicyVersion],
    founder: User,
    system: Actor,
    capsys: pytest.CaptureFixture[str],
    committed: Any,
) -> None:
    from incidents.oncall.demo import load_demo
    from incidents.services import declare_incident
    from portal.notifications.models import OutboxMessage
    from portal.notifications.tasks import deliver_outbox_message

    load_policy("founder-24x7")
    load_demo(actor=system)
    load_demo(actor=system)
    with committed():
        declare_incident(actor=system, title="Demo outage", severity="SEV-1")
    message = OutboxMessage.objects.get(kind="page", channel__name="#alerts")
    assert deliver_outbox_message(message.pk) == "sent"
    assert "[notification → #alerts] PAGE SEV-1" in capsys.readouterr().out


@pytest.mark.django_db
def test_escalation_and_schedule_changelists_are_constant_queries(
    admin_client: Client, founder: User, declare: Callable[..., Incident]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = [
        reverse("admin:oncall_escalation_changelist"),
        reverse("admin:oncall_schedule_changelist"),
    ]
    declare("SEV-1", "One")
    small = [count(u) for u in urls]
    for i in range(6):
        declare("SEV-2", f"More {i}")
        Schedule.objects.create(name=f"Extra {i}")
    assert [count(u) for u in urls] == small


@pytest.mark.django_db
@pytest.mark.parametrize("when", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_api_oncall_at_the_ends_of_the_calendar_is_400_naming_at(
    api: APIClient, people: dict[str, Any], make_schedule: Any, when: str
) -> None:
    """Issue 24: `?at=9999-12-31T23:59:59Z` answered 500 (a shift end past `datetime.max`)."""
    make_schedule("Platform", [people["alice"], people["bob"]], start=datetime.date(2026, 3, 1))
    response = api.get("/api/v1/oncall/", {"at": when})
    assert response.status_code == 400, response.content
    assert "at" in response.json()
