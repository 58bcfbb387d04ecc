"""The admin lists of the Slack app and the tickets: a constant number of queries
whatever the number of rows (pinned), failures visible, "Retry now"."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.models import PolicyVersion
from incidents.slack.choices import CallStatus
from incidents.slack.models import SlackCall, WarRoom
from portal.kernel.actors import Actor
from postmortems.models import ActionItem
from postmortems.tickets.models import ActionItemTicket


def incidents(count: int) -> list[Any]:
    actor = Actor.system("test")
    return [
        services.declare_incident(actor=actor, title=f"Outage {n}", severity="SEV-3")
        for n in range(count)
    ]


def add_rows(found: list[Any]) -> None:
    now = timezone.now()
    for incident in found:
        WarRoom.objects.create(incident=incident, mode="channel", channel_name="#x", created_at=now)
        SlackCall.objects.create(
            incident=incident,
            operation="open",
            dedupe_key=f"k{incident.pk}",
            status=CallStatus.PENDING,
            last_error="attempt 1: Slack answered ratelimited",
            created_at=now,
        )
        item = ActionItem.objects.create(description=f"Fix {incident.ref}")
        ActionItemTicket.objects.create(action_item=item, kind="linear", created_at=now)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/slack/slackcall/",
        "/admin/slack/warroom/",
        "/admin/slack/slackidentity/",
        "/admin/tickets/actionitemticket/",
    ],
)
def test_changelists_run_a_constant_number_of_queries(
    client: Client, policy: PolicyVersion, founder: User, url: str
) -> None:
    client.force_login(founder)
    first = incidents(2)
    add_rows(first)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_rows(incidents(6))
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.status_code == 200
    assert len(many) == len(few)
    if url == "/admin/slack/slackcall/":
        assert "Slack answered ratelimited" in page.content.decode()


@pytest.mark.django_db
def test_retry_now_puts_a_failed_call_back_in_the_queue(
    client: Client, policy: PolicyVersion, founder: User
) -> None:
    [incident] = incidents(1)
    call = SlackCall.objects.create(
        incident=incident,
        operation="open",
        dedupe_key="k",
        status=CallStatus.FAILED,
        attempts=10,
        created_at=timezone.now(),
    )
    client.force_login(founder)
    client.post(
        "/admin/slack/slackcall/",
        {"action": "retry_now", "_selected_action": [call.pk]},
    )
    call.refresh_from_db()
    assert call.status == CallStatus.PENDING
    assert call.next_attempt_at is not None


def test_slack_app_page_refuses_a_bad_bot_token_on_its_field(
    client: Client, policy: PolicyVersion, founder: User
) -> None:
    """A refusal of `configure_slack_app` re-renders the form (issue 12), never "added"."""
    from incidents.slack.models import SlackApp

    client.force_login(founder)
    response = client.post(
        "/admin/slack/slackapp/add/",
        {"new_bot_token": "not-a-token", "team_id": "T1", "api_url": "https://slack.com/api/"},
    )
    assert response.status_code == 200
    assert "xoxb-" in response.context["adminform"].form.errors["new_bot_token"][0]
    assert not SlackApp.objects.exists()
