"""Issue 24, "replayed Slack commands act again", and issue 26, "a public title is asked
for in every door": Slack requests act once; `/incident open` takes --public-title or
--internal."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from incidents.models import Incident, PolicyVersion, TimelineEntry
from incidents.slack.models import SlackApp, WarRoom
from tests.slack.conftest import event_body as _event
from tests.slack.conftest import post_signed, sign, slash_body, view_submission_form
from tests.slack.standin import SlackStandIn


def _slash(client: Client, slack: SlackStandIn, capture: Any, text: str) -> Any:
    """`/incident TEXT` from the mapped responder, its queued work run."""
    body = slash_body(text, user_id="U0RESP", response_url=slack.response_url())
    with capture(execute=True):
        return post_signed(client, "/slack/commands/", body)


@pytest.mark.django_db
def test_a_replayed_slash_command_acts_once(
    client: Client,
    load_policy: Callable[..., PolicyVersion],
    slack_app: SlackApp,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """Issue 24: one signed `/incident open` replayed five times within Slack's 5-minute
    window opened five incidents. The same signed request is one request."""
    load_policy("founder-24x7")
    body = slash_body(
        'open --sev 3 --summary "Search slow"', user_id="U0RESP", response_url=slack.response_url()
    )
    headers = sign(body)
    answers = []
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(
                client.generic(
                    "POST",
                    "/slack/commands/",
                    body,
                    content_type="application/x-www-form-urlencoded",
                    **headers,
                )
            )
    assert [a.status_code for a in answers] == [200] * 5
    assert Incident.objects.filter(title="Search slow").count() == 1
    assert "already" in answers[-1].json()["text"]


@pytest.mark.django_db
def test_an_event_slack_retries_with_a_new_signature_acts_once(
    client: Client,
    sev1: Incident,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """Slack retries an event with `X-Slack-Retry-Num`, a new timestamp and signature but
    the same `event_id`: it is recorded once."""
    room = WarRoom.objects.get(incident=sev1)
    message = {"type": "message", "user": "U0RESP", "text": "Rolled back.", "ts": "1790000123.9"}
    body = _event(
        "pin_added",
        user="U0RESP",
        channel_id=room.channel_id,
        item={"type": "message", "channel": room.channel_id, "message": message},
        event_ts="1790000200.000100",
    )
    now = int(time.time())

    def retried(retry: int) -> dict[str, Any]:
        return {"HTTP_X_SLACK_RETRY_NUM": str(retry)} if retry else {}

    for retry, stamp in enumerate((now - 20, now - 10, now)):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.generic(
                "POST",
                "/slack/events/",
                body,
                content_type="application/json",
                **sign(body, timestamp=stamp),
                **retried(retry),
            )
        assert response.status_code == 200
    assert (
        TimelineEntry.objects.filter(incident=sev1, message__startswith="From Slack").count() == 1
    )


@pytest.mark.django_db
def test_slash_open_takes_a_public_title_or_internal(
    client: Client,
    load_policy: Callable[..., PolicyVersion],
    slack_app: SlackApp,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """Issue 26: a public title is asked for in every door, Slack's too."""
    load_policy("founder-24x7")
    for text in (
        'open --sev 1 --summary "pg lag on api-db-2" --public-title "Checkout unavailable"',
        'open --sev 1 --summary "Data breach suspected" --internal',
    ):
        response = _slash(client, slack, django_capture_on_commit_callbacks, text)
        assert response.status_code == 200
    public = Incident.objects.get(title="pg lag on api-db-2")
    assert public.public_title == "Checkout unavailable"
    assert Incident.objects.get(title="Data breach suspected").customer_facing is False


@pytest.mark.django_db
def test_resolve_from_slack_with_a_reason_while_comms_are_open(
    client: Client,
    load_policy: Callable[..., PolicyVersion],
    slack_app: SlackApp,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """Issue 27: an incident could not be resolved from Slack while a comms deadline was
    open: the refusal asked for a reason and `--reason` was rejected."""
    load_policy("founder-24x7")
    _slash(
        client, slack, django_capture_on_commit_callbacks, 'open --sev 1 --summary "Checkout down"'
    )
    incident = Incident.objects.get(title="Checkout down")
    for text in (
        "resolve " + incident.ref,
        f'resolve {incident.ref} --reason "customers were told by phone"',
    ):
        response = _slash(client, slack, django_capture_on_commit_callbacks, text)
        assert response.status_code == 200
        if text.startswith("resolve " + incident.ref) and "--reason" not in text:
            refusal = slack.responses[-1]["text"]
            assert refusal.startswith("Refused (unmet_comms_reason): The playbook still requires")
            assert "--reason" in refusal
            incident.refresh_from_db()
            assert incident.status == "investigating"
    incident.refresh_from_db()
    assert incident.status in ("resolved", "closed")
    assert incident.timeline.filter(message__contains="customers were told by phone").exists()


@pytest.mark.django_db
def test_a_refused_modal_submission_says_why_in_the_modal(
    client: Client,
    sev1: Incident,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """Issue 27: "a refused modal submission closes the modal and the refusal goes only
    to the task log". Refused, the answer is Slack's `response_action: errors`, on the
    field at fault, and nothing is posted."""

    def submit(message: str) -> Any:
        form = view_submission_form(
            sev1.ref, user_id="U0RESP", status="identified", message=message
        )
        with django_capture_on_commit_callbacks(execute=True):
            return post_signed(client, "/slack/interactions/", form)

    refused = submit("   ")
    assert refused.status_code == 200
    body = refused.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["message"]
    assert body["errors"]["message"]
    assert not sev1.status_updates.exists()
    assert submit("Disk full on primary.").json() == {"response_action": "clear"}
    assert sev1.status_updates.count() == 1


@pytest.mark.django_db
def test_the_resolve_button_refused_for_comms_says_how_to_give_the_reason(
    client: Client,
    load_policy: Callable[..., PolicyVersion],
    slack_app: SlackApp,
    slack: SlackStandIn,
    responder: User,
    responder_in_slack: str,
    run_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    from tests.slack.conftest import block_action_body

    load_policy("founder-24x7")
    _slash(
        client, slack, django_capture_on_commit_callbacks, 'open --sev 1 --summary "Checkout down"'
    )
    incident = Incident.objects.get(title="Checkout down")
    body = block_action_body(
        "incident.resolve", incident.ref, user_id="U0RESP", response_url=slack.response_url()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post_signed(client, "/slack/interactions/", body).status_code == 200
    said = slack.responses[-1]["text"]
    assert said.startswith("Refused: The playbook still requires")
    assert f"/incident resolve {incident.ref} --reason" in said
