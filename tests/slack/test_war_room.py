"""War rooms as the level asks: channel (001, 003) or thread in #alerts (000), the
announcement, responders, runbooks, status updates, archiving; Slack down never
blocks an incident and the outbox delivers once when it returns."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from incidents import services
from incidents.models import PolicyVersion, TimelineEntry
from incidents.slack import tasks
from incidents.slack.choices import CallStatus
from incidents.slack.models import SlackApp, SlackCall, WarRoom
from portal.kernel.actors import Actor
from tests.slack.standin import SlackStandIn


def slack_steps(incident: Any) -> list[str]:
    return list(
        TimelineEntry.objects.filter(incident=incident, message__startswith="Slack: ")
        .order_by("at", "id")
        .values_list("message", flat=True)
    )


@pytest.fixture
def founder_in_slack(slack: Any, founder: Any) -> str:
    slack.users_by_email["founder@example.com"] = "U0FOUNDER"
    return "U0FOUNDER"


def declare(actor: Actor, capture: Any, **kwargs: Any) -> Any:
    with capture(execute=True):
        incident = services.declare_incident(actor=actor, **kwargs)
    incident.refresh_from_db()
    return incident


@pytest.mark.django_db
def test_declare_001_sev1_creates_the_playbook_channel_announces_with_here_and_pins_the_runbook(
    load_policy: Callable[..., PolicyVersion],
    slack: SlackStandIn,
    slack_app: SlackApp,
    founder: User,
    founder_in_slack: str,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # Given the 001 policy (rotation-small-team) and the Slack app installed
    load_policy("rotation-small-team")
    # When a founder declares a SEV-1
    incident = declare(
        Actor.for_user(founder),
        django_capture_on_commit_callbacks,
        title="API down",
        severity="SEV-1",
    )
    day = incident.declared_at.strftime("%Y-%m-%d")
    # Then the channel has the playbook's name #incident-YYYY-MM-DD-brief-description
    [created] = slack.called("conversations.create")
    assert created["name"] == f"incident-{day}-api-down"
    channel_id = next(c["id"] for c in slack.channels.values() if c["name"] == created["name"])
    # and the responders with a Slack identity are invited (the declarer is commander)
    [invite] = slack.called("conversations.invite")
    assert invite == {"channel": channel_id, "users": "U0FOUNDER"}
    # and the announcement says "@here SEV-1: API down", with the playbook's template and buttons
    announcement = slack.called("chat.postMessage")[0]
    assert announcement["channel"] == channel_id
    assert announcement["text"].startswith("<!here> SEV-1: API down\n🚨 SEV-1: API down")
    # The commander is a mention Slack notifies, not plain text (issue 27)
    assert "Incident Commander: <@U0FOUNDER>" in announcement["text"]
    assert f"Channel: #incident-{day}-api-down" in announcement["text"]
    buttons = announcement["blocks"][1]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["I am on it", "Post update", "Resolve"]
    # and the runbook links are posted and pinned
    runbook = slack.called("chat.postMessage")[1]
    assert runbook["text"].startswith("📖 Runbook: runbooks/api-errors.md")
    assert slack.pins == [(channel_id, slack.messages[channel_id][1]["ts"])]
    # and each step is on the timeline
    assert slack_steps(incident) == [
        f"Slack: channel #incident-{day}-api-down created.",
        f"Slack: announcement posted in #incident-{day}-api-down.",
        f"Slack: 1 responder(s) invited to #incident-{day}-api-down.",
        "Slack: runbook pinned: runbooks/api-errors.md, runbooks/database.md, "
        "runbooks/websocket.md, runbooks/matching.md.",
        # 001's SEV-1 is all hands: the founder's page reaches Slack by direct message.
        "Slack: page sent to founder in Slack.",
    ]
    room = WarRoom.objects.get(incident=incident)
    assert room.channel_id == channel_id
    assert room.announcement_ts
    assert set(SlackCall.objects.values_list("status", flat=True)) == {CallStatus.SENT}


@pytest.mark.django_db
def test_closing_the_incident_archives_its_channel(
    load_policy: Callable[..., PolicyVersion],
    slack: SlackStandIn,
    slack_app: SlackApp,
    founder: User,
    founder_in_slack: str,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    load_policy("rotation-small-team")
    actor = Actor.for_user(founder)
    incident = declare(
        actor, django_capture_on_commit_callbacks, title="Matching failing", severity="SEV-2"
    )
    room = WarRoom.objects.get(incident=incident)
    # When it is resolved, then closed (its post-mortem published)
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve_incident(
            incident=incident, actor=actor, unmet_comms_reason="test: comms are not the subject"
        )
    assert slack.called("conversations.archive") == []  # 001 needs a post-mortem first
    with django_capture_on_commit_callbacks(execute=True):
        services.close_incident(incident=incident, actor=actor, reason="post-mortem published.")
    # Then the channel is archived, once, and the timeline says so
    assert slack.called("conversations.archive") == [{"channel": room.channel_id}]
    assert room.channel_id in slack.archived
    room.refresh_from_db()
    assert room.closed_at is not None
    assert slack_steps(incident)[-1] == f"Slack: channel {room.channel_name} archived."
    texts = [m["text"] for m in slack.messages[room.channel_id]]
    assert any(t.startswith("✅ Resolved - ") for t in texts)


@pytest.mark.django_db
def test_status_updates_posted_in_the_portal_appear_in_the_channel(
    load_policy: Callable[..., PolicyVersion],
    slack: SlackStandIn,
    slack_app: SlackApp,
    founder: User,
    founder_in_slack: str,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    load_policy("follow-the-sun")
    actor = Actor.for_user(founder)
    incident = declare(actor, django_capture_on_commit_callbacks, title="EU slow", severity="SEV-2")
    with django_capture_on_commit_callbacks(execute=True):
        services.post_status_update(
            incident=incident,
            actor=actor,
            status="identified",
            message="Bad deploy of the checkout service.",
            next_steps="Rolling back.",
            eta="20 min",
        )
    room = WarRoom.objects.get(incident=incident)
    last = slack.messages[room.channel_id][-1]["text"]
    assert last.startswith("📊 Update #1 - ")
    assert "Status: Identified\nSummary: Bad deploy of the checkout service." in last
    assert "Next: Rolling back.\nETA: 20 min" in last
    # 003 pins its runbook too
    assert slack.called("pins.add")


@pytest.mark.django_db
def test_000_sev1_opens_a_war_room_thread_in_alerts_and_closes_it(
    load_policy: Callable[..., PolicyVersion],
    slack: SlackStandIn,
    slack_app: SlackApp,
    founder: User,
    founder_in_slack: str,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    load_policy("founder-24x7")
    actor = Actor.for_user(founder)
    incident = declare(actor, django_capture_on_commit_callbacks, title="DB down", severity="SEV-1")
    # No channel: the announcement in #alerts starts the thread
    assert slack.called("conversations.create") == []
    root = slack.called("chat.postMessage")[0]
    assert root["channel"] == "alerts"
    assert root["text"].startswith("<!here> SEV-1: DB down")
    room = WarRoom.objects.get(incident=incident)
    assert room.channel_id == "C0ALERTS"
    assert room.thread_ts == room.announcement_ts
    replies = [m for m in slack.messages["C0ALERTS"] if m.get("thread_ts") == room.thread_ts]
    assert any(m["text"] == "Responders: <@U0FOUNDER>" for m in replies)
    # When it is resolved (000 needs a post-mortem) and closed, the thread is closed
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve_incident(
            incident=incident, actor=actor, unmet_comms_reason="test: comms are not the subject"
        )
        services.close_incident(incident=incident, actor=actor, reason="post-mortem published.")
    [update] = slack.called("chat.update")
    assert update["ts"] == room.thread_ts
    assert update["text"].startswith("[closed] SEV-1")
    assert slack.called("conversations.archive") == []
    assert slack_steps(incident)[-1] == "Slack: thread in #alerts closed."


@pytest.mark.django_db
def test_000_sev2_announces_in_alerts_with_here_without_a_war_room(
    load_policy: Callable[..., PolicyVersion],
    slack: SlackStandIn,
    slack_app: SlackApp,
    founder: User,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    load_policy("founder-24x7")
    incident = declare(
        Actor.for_user(founder),
        django_capture_on_commit_callbacks,
        title="Billing broken",
        severity="SEV-2",
    )
    # The announcement in #alerts, no channel; the founder is paged (24/7) but has no
    # Slack account in this workspace, which the timeline says
    # The commander is looked up first, so the announcement mentions them (issue 27)
    assert slack.methods() == ["users.lookupByEmail", "chat.postMessage", "users.lookupByEmail"]
    assert slack.called("chat.postMessage")[0]["text"].startswith("<!here> SEV-2: Billing broken")
    assert slack_steps(incident) == [
        "Slack: announcement posted in #alerts.",
        "Slack: no Slack account for founder: page not sent in Slack.",
    ]


@pytest.mark.django_db
def test_playbooks_that_do_not_name_slack_never_call_it(
    load_policy: Callable[..., PolicyVersion],
    slack: SlackStandIn,
    slack_app: SlackApp,
    founder: User,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    load_policy("s-levels")
    incident = declare(
        Actor.for_user(founder),
        django_capture_on_commit_callbacks,
        title="Search down",
        severity="S1",
    )
    assert slack.calls == []
    assert not WarRoom.objects.filter(incident=incident).exists()
    assert not SlackCall.objects.exists()


@pytest.mark.django_db
def test_without_the_slack_app_installed_a_001_incident_runs_as_before(
    load_policy: Callable[..., PolicyVersion],
    slack: SlackStandIn,
    founder: User,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    load_policy("rotation-small-team")
    incident = declare(
        Actor.for_user(founder),
        django_capture_on_commit_callbacks,
        title="API down",
        severity="SEV-1",
    )
    assert incident.ref
    assert slack.calls == []
    assert not SlackCall.objects.exists()


@pytest.mark.django_db
def test_slack_down_never_blocks_the_incident_and_the_outbox_delivers_once_when_it_returns(
    load_policy: Callable[..., PolicyVersion],
    slack: SlackStandIn,
    slack_app: SlackApp,
    founder: User,
    founder_in_slack: str,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    load_policy("rotation-small-team")
    actor = Actor.for_user(founder)
    t0 = datetime.datetime(2026, 3, 2, 13, 0, tzinfo=datetime.UTC)
    # Given Slack is unreachable (connection refused)
    slack.stop()
    with time_machine.travel(t0, tick=True) as clock:
        # When a SEV-1 is declared and acknowledged
        incident = declare(
            actor, django_capture_on_commit_callbacks, title="API down", severity="SEV-1"
        )
        services.acknowledge_incident(incident=incident, actor=actor)
        # Then the incident is there, acknowledged, untouched by the failure
        incident.refresh_from_db()
        assert incident.status == "investigating"
        assert incident.acknowledged_at is not None
        first = SlackCall.objects.order_by("pk").first()
        assert first is not None
        assert first.status == CallStatus.PENDING
        assert first.attempts == 1
        assert "URLError" in first.last_error or "Connection refused" in first.last_error
        assert first.next_attempt_at is not None
        assert first.next_attempt_at > timezone.now()
        # and the later steps wait behind the first (nothing half-done in Slack)
        assert SlackCall.objects.filter(attempts=0).count() == SlackCall.objects.count() - 1
        # When the sweeper retries while Slack is still down, it backs off
        clock.shift(datetime.timedelta(minutes=1))
        tasks.sweep()
        first.refresh_from_db()
        assert first is not None
        assert first.attempts == 2
        assert first.status == CallStatus.PENDING
        # When Slack comes back and the sweeper runs again (and again)
        slack.start()
        for _ in range(4):
            clock.shift(datetime.timedelta(minutes=5))
            tasks.sweep()
    # Then everything was delivered exactly once, in order
    assert len(slack.called("conversations.create")) == 1
    assert len(slack.called("pins.add")) == 1
    assert slack.methods()[0] == "conversations.create"
    assert set(SlackCall.objects.values_list("status", flat=True)) == {CallStatus.SENT}
    texts = [p["text"] for p in slack.called("chat.postMessage")]
    assert texts.count("✋ founder: I am on it.") == 1
    assert len([t for t in texts if t.startswith("<!here> SEV-1")]) == 1


@pytest.mark.django_db
def test_000_sev2_raised_to_sev1_turns_the_alerts_announcement_into_the_war_room_thread(
    load_policy: Callable[..., PolicyVersion],
    slack: SlackStandIn,
    slack_app: SlackApp,
    founder: User,
    founder_in_slack: str,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    load_policy("founder-24x7")
    actor = Actor.for_user(founder)
    incident = declare(
        actor, django_capture_on_commit_callbacks, title="Billing broken", severity="SEV-2"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.change_severity(
            incident=incident, actor=actor, severity="SEV-1", reason="All customers affected."
        )
    room = WarRoom.objects.get(incident=incident)
    assert room.mode == "thread"
    assert room.thread_ts == room.announcement_ts
    replies = [p for p in slack.called("chat.postMessage") if p.get("thread_ts") == room.thread_ts]
    assert [p["text"] for p in replies] == [
        "Raised to SEV-1: war-room thread.",
        "Responders: <@U0FOUNDER>",
    ]


@pytest.mark.django_db
def test_later_escalation_pages_reach_slack_once_through_the_sweeper(
    load_policy: Callable[..., PolicyVersion],
    slack: SlackStandIn,
    slack_app: SlackApp,
    founder: User,
    responder: User,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    from incidents.oncall import tasks as oncall_tasks
    from incidents.oncall.models import Rotation, RotationMember

    # Given 003 with the responder then the founder on the Platform rotation
    load_policy("follow-the-sun")
    rotation = Rotation.objects.get(layer__schedule__name="Platform")
    RotationMember.objects.create(rotation=rotation, user=responder, position=1)
    RotationMember.objects.create(rotation=rotation, user=founder, position=2)
    slack.users_by_email["responder@example.com"] = "U0RESP"
    slack.users_by_email["founder@example.com"] = "U0FOUNDER"
    # Monday 01:00 UTC: the first 8-hour shift of the day, the responder's
    t0 = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)
    with time_machine.travel(t0, tick=False):
        incident = declare(
            Actor.system("monitoring"),
            django_capture_on_commit_callbacks,
            title="EU down",
            # SEV-2: 003 pages the platform on-call first (SEV-1 wakes everyone at once).
            severity="SEV-2",
        )
    dms = lambda: [p["channel"] for p in slack.called("chat.postMessage") if p["channel"][0] == "U"]  # noqa: E731
    assert dms() == ["U0RESP"]
    # When nobody acknowledges for 6 minutes: the escalation pages the next in rotation
    with time_machine.travel(t0 + datetime.timedelta(minutes=6), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            oncall_tasks.sweep()
        tasks.sweep()
        tasks.sweep()
    # Then the founder's page reaches Slack too, once
    assert dms() == ["U0RESP", "U0FOUNDER"]
    assert "Slack: page sent to founder in Slack." in slack_steps(incident)


@pytest.mark.django_db
def test_no_page_dm_for_an_incident_already_mitigated_when_the_app_is_saved_later(
    load_policy: Any,
    slack_app: Any,
    slack: Any,
    founder: Any,
    run_tasks: Any,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """Issue 27: saving the Slack app sent 13 "You are paged" DMs for pages of the last
    hour, 7 of them for incidents already mitigated."""
    from incidents.slack.tasks import page_recent_escalations

    load_policy("rotation-small-team")
    slack.users_by_email["founder@example.com"] = "U0FOUNDER"
    SlackApp.objects.filter(pk=slack_app.pk).update(enabled=False)  # not saved yet
    actor = Actor.system("monitoring")
    with django_capture_on_commit_callbacks(execute=True):
        mitigated = services.declare_incident(actor=actor, title="API down", severity="SEV-1")
    services.mitigate_incident(incident=mitigated, actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        still_open = services.declare_incident(actor=actor, title="Search slow", severity="SEV-1")
    assert mitigated.pages.exists()
    assert still_open.pages.exists()
    # When the app is saved (enabled) and the minute task looks at the last hour's pages
    SlackApp.objects.filter(pk=slack_app.pk).update(enabled=True)
    page_recent_escalations(timezone.now())
    # Then only the incident still waiting for someone gets page DMs
    paged = set(SlackCall.objects.filter(operation="page").values_list("incident_id", flat=True))
    assert paged == {still_open.pk}
