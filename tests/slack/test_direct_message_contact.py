"""Issue 23, item 1: a Slack direct message as a person's own contact method, through
the installed Slack app, with Acknowledge and Open buttons; verified by a code or the
link in the message before a page uses it. The Slack side is the stand-in of Slack's
Web API (tests/slack/standin.py); clicks are signed as Slack signs them."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from incidents.oncall import contacts
from incidents.oncall.models import ContactMethod, NotificationRule, Page, PersonalNotification
from incidents.services import declare_incident
from incidents.slack.models import SlackApp
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage
from portal.notifications.tasks import deliver_outbox_message
from tests.slack.conftest import block_action_body, post_signed
from tests.slack.standin import SlackStandIn

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """What a service leaves until its commit (the first step's pages) runs."""
    return functools.partial(django_capture_on_commit_callbacks, execute=True)


def dm_calls(slack: SlackStandIn, user_id: str) -> list[dict[str, Any]]:
    return [p for p in slack.called("chat.postMessage") if p["channel"] == user_id]


def buttons(call: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for block in call.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("type") == "button":
                found[element["text"]["text"]] = element
    return found


def test_a_slack_dm_method_is_verified_by_the_code_it_receives(
    founder: User, slack: SlackStandIn, slack_app: SlackApp
) -> None:
    slack.users_by_email["founder@example.com"] = "U0FOUNDER"
    me = Actor.for_user(founder)
    with time_machine.travel(T0, tick=False):
        method = contacts.add_contact_method(
            actor=me, user=founder, kind="slack_dm", address="u0founder"
        )
        assert method.address == "U0FOUNDER"
        message = OutboxMessage.objects.get(kind="verification")
        assert message.provider_kind == "slack_dm"
        assert deliver_outbox_message(message.pk) == "sent"
    [dm] = dm_calls(slack, "U0FOUNDER")
    code = re.search(r"\b(\d{6})\b", dm["text"])
    assert code is not None
    assert buttons(dm)["Verify"]["url"] == message.data["verify_url"]
    with time_machine.travel(T0 + datetime.timedelta(minutes=1), tick=False):
        contacts.verify_contact_method(actor=me, method=method, code=code.group(1))
    method.refresh_from_db()
    assert method.usable


def test_a_slack_dm_to_nobody_in_the_workspace_is_refused_with_slacks_error(
    founder: User, slack: SlackStandIn, slack_app: SlackApp
) -> None:
    with time_machine.travel(T0, tick=False):
        contacts.add_contact_method(
            actor=Actor.for_user(founder), user=founder, kind="slack_dm", address="U0NOBODY"
        )
        message = OutboxMessage.objects.get(kind="verification")
        assert deliver_outbox_message(message.pk) == "pending"
    message.refresh_from_db()
    assert "channel_not_found" in message.last_error


@pytest.fixture
def paged_in_slack(
    load_policy: Callable[..., Any],
    founder: User,
    system: Actor,
    committed: Any,
    slack: SlackStandIn,
    slack_app: SlackApp,
) -> tuple[Any, OutboxMessage]:
    load_policy("founder-24x7")
    slack.users_by_email["founder@example.com"] = "U0FOUNDER"
    slack.users_by_email["other@example.com"] = "U0OTHER"
    ContactMethod.objects.create(user=founder, kind="slack_dm", address="U0FOUNDER", verified_at=T0)
    with time_machine.travel(T0, tick=False), committed():
        incident = declare_incident(actor=system, title="Checkout down", severity="SEV-1")
    message = OutboxMessage.objects.get(provider_kind="slack_dm", kind="page")
    with time_machine.travel(T0, tick=False):
        assert deliver_outbox_message(message.pk) == "sent"
    return incident, message


def test_a_page_reaches_the_persons_slack_dm_and_its_button_acknowledges_as_them(
    client: Client,
    paged_in_slack: Any,
    slack: SlackStandIn,
    founder: User,
    run_tasks: Any,
    committed: Any,
) -> None:
    incident, message = paged_in_slack

    def click(body: str) -> int:
        with committed():
            return int(post_signed(client, "/slack/interactions/", body).status_code)

    [dm] = dm_calls(slack, "U0FOUNDER")
    assert incident.ref in dm["text"]
    assert "SEV-1" in dm["text"]
    shown = buttons(dm)
    assert set(shown) == {"Acknowledge", "Open incident"}
    assert shown["Acknowledge"]["value"] == str(message.pk)
    assert shown["Open incident"]["url"].endswith(
        f"/admin/incidents/incident/{incident.pk}/change/"
    )
    action = shown["Acknowledge"]["action_id"]
    # Somebody else's click (the message forwarded, a shared screen) changes nothing.
    other = block_action_body(
        action, str(message.pk), user_id="U0OTHER", response_url=slack.response_url("other")
    )
    assert click(other) == 200
    assert slack.responses[-1]["text"] == "This page was sent to someone else: nothing changed."
    assert Page.objects.get().acknowledged_at is None
    # The paged person's click acknowledges the page and the incident as them.
    mine = block_action_body(
        action, str(message.pk), user_id="U0FOUNDER", response_url=slack.response_url("mine")
    )
    assert click(mine) == 200
    assert slack.responses[-1]["text"] == f"{incident.ref}: acknowledged, you are on it."
    assert Page.objects.get().acknowledged_at is not None
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    note = incident.timeline.get(data__via="Slack")
    assert note.message == "founder acknowledged their page in Slack."
    assert note.actor == founder
    assert AuditEntry.objects.filter(object_type="oncall.page", actor_label="founder").exists()
    # A second click (or Slack's retry) changes nothing more.
    again = block_action_body(
        action, str(message.pk), user_id="U0FOUNDER", response_url=slack.response_url("again")
    )
    assert click(again) == 200
    assert (
        slack.responses[-1]["text"]
        == f"{incident.ref}: already acknowledged or over; nothing changed."
    )


def test_without_the_slack_app_a_slack_dm_page_is_said_and_the_next_method_tried(
    load_policy: Callable[..., Any], founder: User, system: Actor, committed: Any
) -> None:
    load_policy("founder-24x7")
    dm = ContactMethod.objects.create(
        user=founder, kind="slack_dm", address="U0FOUNDER", verified_at=T0
    )
    sms = ContactMethod.objects.create(
        user=founder, kind="sms", address="+15551230001", verified_at=T0
    )
    NotificationRule.objects.create(user=founder, contact_method=dm, delay_minutes=0)
    NotificationRule.objects.create(user=founder, contact_method=sms, delay_minutes=3)
    with time_machine.travel(T0, tick=False), committed():
        incident = declare_incident(actor=system, title="Checkout down", severity="SEV-1")
    message = OutboxMessage.objects.get(provider_kind="slack_dm")
    with time_machine.travel(T0, tick=False):
        assert deliver_outbox_message(message.pk) == "pending"
    note = incident.timeline.filter(data__undeliverable=True).get()
    assert "the Slack app is not set up" in note.message
    assert "Trying their next contact method now." in note.message
    assert PersonalNotification.objects.get(delay_minutes=3).due_at == T0


def test_a_person_paged_by_their_own_slack_dm_gets_no_second_war_room_dm(
    load_policy: Callable[..., Any],
    founder: User,
    slack: SlackStandIn,
    slack_app: SlackApp,
    run_tasks: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The war room's page DM (issue 27) and the person's own Slack method are one DM."""
    from incidents.slack.models import SlackCall

    load_policy("rotation-small-team")  # its SEV-1 opens a war room and DMs the paged
    slack.users_by_email["founder@example.com"] = "U0FOUNDER"
    ContactMethod.objects.create(user=founder, kind="slack_dm", address="U0FOUNDER", verified_at=T0)
    with django_capture_on_commit_callbacks(execute=True):
        incident = declare_incident(
            actor=Actor.system("monitoring"), title="API down", severity="SEV-1"
        )
    for message in OutboxMessage.objects.filter(provider_kind="slack_dm", status="pending"):
        deliver_outbox_message(message.pk)
    assert SlackCall.objects.filter(operation="page", incident=incident).exists()
    assert len(dm_calls(slack, "U0FOUNDER")) == 1
    assert "Acknowledge" in buttons(dm_calls(slack, "U0FOUNDER")[0])
