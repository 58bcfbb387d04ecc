"""The Slack door: buttons and /incident as the mapped portal user, refusals for
others, answers before work, pinned/marked messages on the timeline, and every
request verified (bad signature → 401, nothing written)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_q.models import OrmQ
from pytest_django import DjangoCaptureOnCommitCallbacks

from incidents.choices import TimelineKind
from incidents.models import Incident, PolicyVersion, TimelineEntry
from incidents.oncall.models import Page, Rotation, RotationMember
from incidents.slack.models import SlackApp, SlackCall, SlackIdentity, WarRoom
from tests.slack.conftest import (
    block_action_body,
    post_signed,
    sign,
    slash_body,
    view_submission_form,
)
from tests.slack.conftest import event_body as _event
from tests.slack.standin import SlackStandIn


@pytest.mark.django_db
def test_acknowledge_button_acknowledges_as_the_mapped_user_and_the_timeline_says_so(
    client: Client,
    sev1: Incident,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    room = WarRoom.objects.get(incident=sev1)
    body = block_action_body(
        "incident.acknowledge",
        sev1.ref,
        user_id="U0RESP",
        response_url=slack.response_url("ack"),
        channel_id=room.channel_id,
    )
    # When the responder presses "I am on it" in Slack
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(client, "/slack/interactions/", body)
    assert response.status_code == 200
    # Then the incident is acknowledged by the portal user mapped by e-mail
    sev1.refresh_from_db()
    assert sev1.acknowledged_at is not None
    entry = TimelineEntry.objects.get(incident=sev1, kind=TimelineKind.ACKNOWLEDGED)
    assert entry.actor == responder
    assert entry.message == "Acknowledged by responder: I am on it."
    assert SlackIdentity.objects.get(slack_user_id="U0RESP").user == responder
    # and Slack hears it: an ephemeral answer, the war room told, the responder invited
    assert slack.responses[-1]["response_type"] == "ephemeral"
    assert slack.responses[-1]["text"] == f"{sev1.ref} acknowledged: you are on it."
    assert slack.messages[room.channel_id][-1]["text"] == "✋ responder: I am on it."
    assert "U0RESP" in slack.members[room.channel_id]


@pytest.mark.django_db
def test_resolve_button_resolves_through_the_same_service(
    client: Client,
    sev1: Incident,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    body = block_action_body(
        "incident.resolve", sev1.ref, user_id="U0RESP", response_url=slack.response_url()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post_signed(client, "/slack/interactions/", body).status_code == 200
    sev1.refresh_from_db()
    assert sev1.status == "resolved"
    assert TimelineEntry.objects.get(incident=sev1, kind=TimelineKind.RESOLVED).actor == responder


@pytest.mark.django_db
def test_update_button_opens_the_modal_and_its_submission_posts_the_update(
    client: Client,
    sev1: Incident,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    body = block_action_body(
        "incident.update", sev1.ref, user_id="U0RESP", response_url=slack.response_url()
    )
    assert post_signed(client, "/slack/interactions/", body).status_code == 200
    [opened] = slack.called("views.open")
    assert opened["view"]["private_metadata"] == sev1.ref
    form = view_submission_form(
        sev1.ref,
        user_id="U0RESP",
        status="identified",
        message="Primary DB out of disk.",
        next_steps="Grow it.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(client, "/slack/interactions/", form)
    assert response.json() == {"response_action": "clear"}
    update = sev1.status_updates.get()
    assert (update.status, update.message, update.posted_by) == (
        "identified",
        "Primary DB out of disk.",
        responder,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["unmapped", "unauthorised"])
def test_unmapped_or_unauthorised_users_get_an_ephemeral_refusal_and_nothing_changes(
    client: Client,
    sev1: Incident,
    slack: SlackStandIn,
    django_user_model: type[User],
    who: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    if who == "unauthorised":
        django_user_model.objects.create_user("viewer", "viewer@example.com", "pw-viewer-1")
        slack.users_by_email["viewer@example.com"] = "U0VIEW"
    body = block_action_body(
        "incident.acknowledge", sev1.ref, user_id="U0VIEW", response_url=slack.response_url()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post_signed(client, "/slack/interactions/", body).status_code == 200
    sev1.refresh_from_db()
    assert sev1.acknowledged_at is None
    refusal = slack.responses[-1]
    assert refusal["response_type"] == "ephemeral"
    expected = "not linked to a portal user" if who == "unmapped" else "not allowed"
    assert expected in refusal["text"]


@pytest.mark.django_db
def test_slash_open_answers_first_then_declares_opens_the_channel_and_pages_the_rotation(
    client: Client,
    load_policy: Callable[..., PolicyVersion],
    slack_app: SlackApp,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # Given 003 (follow-the-sun) with the responder on the Platform rotation
    load_policy("follow-the-sun")
    rotation = Rotation.objects.get(layer__schedule__name="Platform")
    RotationMember.objects.create(rotation=rotation, user=responder, position=1)
    body = slash_body(
        'open --sev 2 --summary "Checkout p99 elevated"',
        user_id="U0RESP",
        response_url=slack.response_url("open"),
    )
    # When the command arrives, Slack gets its answer before any work is done
    with django_capture_on_commit_callbacks(execute=False) as queued:
        started = time.monotonic()
        response = post_signed(client, "/slack/commands/", body)
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 3
    assert response.json()["response_type"] == "ephemeral"
    assert response.json()["text"].startswith("On it: /incident open")
    assert not Incident.objects.exists()
    # When the queued work runs
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    # Then the incident is declared by the mapped user, with the playbook's words
    incident = Incident.objects.get()
    assert (incident.severity.code, incident.title) == ("SEV-2", "Checkout p99 elevated")
    assert incident.declared_by == responder
    # and the channel is created and the runbook pinned, and the rotation paged
    day = incident.declared_at.strftime("%Y-%m-%d")
    assert slack.called("conversations.create")[0]["name"] == (
        f"incident-{day}-checkout-p99-elevated"
    )
    assert slack.pins
    assert Page.objects.filter(incident=incident, user=responder).exists()
    # and the page reaches the responder in Slack too, with the buttons
    [dm] = [p for p in slack.called("chat.postMessage") if p["channel"] == "U0RESP"]
    assert dm["text"].startswith("You are paged (Platform / primary on call): SEV-2: Checkout p99")
    assert dm["blocks"][1]["elements"][0]["action_id"] == "incident.acknowledge"
    assert slack.responses[-1]["text"] == (
        f"{incident.ref} declared (SEV-2): Checkout p99 elevated"
    )


@pytest.mark.django_db
def test_slash_ack_update_resolve_in_the_war_room_channel(
    client: Client,
    sev1: Incident,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    room = WarRoom.objects.get(incident=sev1)
    for text in (
        "ack",
        'update --status identified --message "Disk full on primary"',
        "resolve",
    ):
        body = slash_body(
            text, user_id="U0RESP", response_url=slack.response_url(), channel_id=room.channel_id
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert post_signed(client, "/slack/commands/", body).status_code == 200
    sev1.refresh_from_db()
    assert sev1.acknowledged_at is not None
    assert sev1.status == "resolved"
    assert sev1.status_updates.get().message == "Disk full on primary"
    assert [r["text"] for r in slack.responses[-3:]] == [
        f"{sev1.ref} acknowledged: you are on it.",
        f"{sev1.ref}: update posted (identified).",
        f"{sev1.ref} resolved.",
    ]


@pytest.mark.django_db
def test_slash_oncall_and_syntax_errors(
    client: Client,
    sev1: Incident,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    body = slash_body("open --sev 2", user_id="U0RESP", response_url=slack.response_url())
    response = post_signed(client, "/slack/commands/", body)
    assert response.status_code == 200
    assert "the following arguments are required: --summary" in response.json()["text"]
    body = slash_body("oncall", user_id="U0RESP", response_url=slack.response_url())
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, "/slack/commands/", body)
    assert slack.responses[-1]["text"].startswith(("On call now:", "Nobody is on call."))


def _bad_requests(body: str) -> list[dict[str, Any]]:
    stale = sign(body, timestamp=int(time.time()) - 6 * 60)
    return [
        sign(body, secret="not-the-signing-secret"),
        stale,
        {"HTTP_X_SLACK_REQUEST_TIMESTAMP": str(int(time.time()))},
        {"HTTP_X_SLACK_REQUEST_TIMESTAMP": "yesterday", "HTTP_X_SLACK_SIGNATURE": "v0=00"},
        {},
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/slack/commands/", "/slack/interactions/", "/slack/events/"])
def test_bad_signature_gets_401_and_writes_nothing(
    client: Client,
    sev1: Incident,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    path: str,
) -> None:
    if path == "/slack/commands/":
        body = slash_body(
            'open --sev 1 --summary "Forged"', user_id="U0RESP", response_url=slack.response_url()
        )
    elif path == "/slack/interactions/":
        body = block_action_body(
            "incident.acknowledge", sev1.ref, user_id="U0RESP", response_url=slack.response_url()
        )
    else:
        body = json.dumps({"type": "url_verification", "challenge": "abc"})
    counts = (
        Incident.objects.count(),
        TimelineEntry.objects.count(),
        SlackCall.objects.count(),
        OrmQ.objects.count(),
        SlackIdentity.objects.count(),
    )
    calls = len(slack.calls)
    for headers in _bad_requests(body):
        with CaptureQueriesContext(connection) as queries:
            response = client.generic(
                "POST", path, body, content_type="application/x-www-form-urlencoded", **headers
            )
        assert response.status_code == 401, headers
        assert not [q for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    sev1.refresh_from_db()
    assert sev1.acknowledged_at is None
    assert counts == (
        Incident.objects.count(),
        TimelineEntry.objects.count(),
        SlackCall.objects.count(),
        OrmQ.objects.count(),
        SlackIdentity.objects.count(),
    )
    assert len(slack.calls) == calls
    assert slack.responses == []


@pytest.mark.django_db
def test_events_url_verification_answers_the_challenge(client: Client, slack_app: SlackApp) -> None:
    body = json.dumps(
        {
            "token": "x",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    response = client.generic(
        "POST", "/slack/events/", body, content_type="application/json", **sign(body)
    )
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


@pytest.mark.django_db
def test_pinned_and_marked_messages_land_on_the_timeline_with_author_and_time_once(
    client: Client,
    sev1: Incident,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    room = WarRoom.objects.get(incident=sev1)
    pinned = {
        "type": "message",
        "user": "U0RESP",
        "text": "Rolled back to v41.",
        "ts": "1790000123.000200",
    }
    body = _event(
        "pin_added",
        user="U0RESP",
        channel_id=room.channel_id,
        item={"type": "message", "channel": room.channel_id, "message": pinned},
        event_ts="1790000200.000100",
    )
    for _ in range(2):  # Slack may send an event twice
        with django_capture_on_commit_callbacks(execute=True):
            response = client.generic(
                "POST", "/slack/events/", body, content_type="application/json", **sign(body)
            )
        assert response.status_code == 200
    [entry] = TimelineEntry.objects.filter(incident=sev1, message__startswith="From Slack")
    assert entry.message == "From Slack (pinned): Rolled back to v41."
    assert entry.actor == responder
    assert entry.at.timestamp() == pytest.approx(1790000123.0002)
    # A message marked with :memo: is read back from the channel and recorded too
    slack.messages[room.channel_id].append(
        {
            "type": "message",
            "user": "U0FOUNDER",
            "text": "Error rate back to 0.1%",
            "ts": "1790000300.000100",
        }
    )
    body = _event(
        "reaction_added",
        user="U0RESP",
        reaction="memo",
        item={"type": "message", "channel": room.channel_id, "ts": "1790000300.000100"},
        item_user="U0FOUNDER",
        event_ts="1790000301.000100",
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.generic(
            "POST", "/slack/events/", body, content_type="application/json", **sign(body)
        )
    marked = TimelineEntry.objects.get(incident=sev1, message__startswith="From Slack (:memo:)")
    assert marked.message.endswith("Error rate back to 0.1%")
    assert marked.actor is not None
    assert marked.actor.username == "founder"


@pytest.mark.django_db
def test_a_user_without_a_matching_email_links_once_then_acts_as_themselves(
    client: Client,
    sev1: Incident,
    slack: SlackStandIn,
    responder: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    responder.groups.add(Group.objects.get(name="Responders"))
    # Given a Slack user whose Slack e-mail is not the portal one
    body = slash_body("link", user_id="U0OTHER", response_url=slack.response_url())
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, "/slack/commands/", body)
    link = slack.responses[-1]["text"].split()[1]
    path = link.removeprefix("http://127.0.0.1:8000")
    assert path.startswith("/slack/link/")
    # When they open the link logged in to the portal and confirm
    client.force_login(responder)
    assert "will act as" in client.get(path).content.decode()
    client.post(path)
    client.logout()
    identity = SlackIdentity.objects.get(slack_user_id="U0OTHER")
    assert (identity.user, identity.source) == (responder, "link")
    # Then their button presses act as that portal user
    body = block_action_body(
        "incident.acknowledge", sev1.ref, user_id="U0OTHER", response_url=slack.response_url()
    )
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, "/slack/interactions/", body)
    sev1.refresh_from_db()
    assert sev1.acknowledged_at is not None
    # A tampered link links nobody
    client.force_login(responder)
    assert "invalid or expired" in client.get(path[:-3] + "xx/").content.decode()
