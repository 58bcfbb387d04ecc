"""Fixtures of the Slack tests: the stand-in, an installed app, requests signed as
Slack signs them, and django-q2 run in-process so queued work happens in the test."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group

from incidents import services
from incidents.models import Incident
from incidents.slack.models import SlackApp
from portal.kernel.actors import Actor
from tests.slack.standin import BOT_TOKEN, SlackStandIn

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    standin = SlackStandIn()
    yield standin
    standin.stop()


@pytest.fixture
def slack_app(db: Any, slack: SlackStandIn, founder: Any) -> SlackApp:
    from incidents.slack.services import configure_slack_app

    return configure_slack_app(
        actor=Actor.for_user(founder),
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        team_id="T0001",
        api_url=slack.api_url,
    )


@pytest.fixture
def run_tasks(monkeypatch: Any) -> None:
    """async_task runs the function at once, in this process (django-q2's sync mode)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def sign(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, Any]:
    """Headers exactly as Slack sends them: v0 HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": ts, "HTTP_X_SLACK_SIGNATURE": f"v0={digest}"}


def slash_body(text: str, *, user_id: str, response_url: str, channel_id: str = "C0ALERTS") -> str:
    return urllib.parse.urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": "T0001",
            "team_domain": "example",
            "channel_id": channel_id,
            "channel_name": "alerts",
            "user_id": user_id,
            "user_name": "someone",
            "command": "/incident",
            "text": text,
            "api_app_id": "A0001",
            "response_url": response_url,
            "trigger_id": f"13345224609.738474920.{abs(hash(text)) % 10**8}",
        }
    )


def block_action_body(
    action_id: str, ref: str, *, user_id: str, response_url: str, channel_id: str = "C0ALERTS"
) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001", "domain": "example"},
        "user": {"id": user_id, "username": "someone", "team_id": "T0001"},
        "api_app_id": "A0001",
        "trigger_id": "12466734323.1395872398",
        "channel": {"id": channel_id, "name": "incident"},
        "container": {
            "type": "message",
            "message_ts": "1790000000.000001",
            "channel_id": channel_id,
        },
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": f"incident:{ref}",
                "value": ref,
                "action_ts": "1790000001.000000",
            }
        ],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


@pytest.fixture
def responder_in_slack(slack: Any, responder: Any) -> str:
    responder.groups.add(Group.objects.get(name="Responders"))
    slack.users_by_email["responder@example.com"] = "U0RESP"
    return "U0RESP"


def post_signed(client: Any, path: str, body: str, **headers: Any) -> Any:
    return client.generic(
        "POST",
        path,
        body,
        content_type="application/x-www-form-urlencoded",
        **{**sign(body), **headers},
    )


@pytest.fixture
def sev1(
    load_policy: Any,
    slack_app: Any,
    founder: Any,
    slack: Any,
    run_tasks: Any,
    django_capture_on_commit_callbacks: Any,
) -> Incident:
    load_policy("rotation-small-team")
    slack.users_by_email["founder@example.com"] = "U0FOUNDER"
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.declare_incident(
            actor=Actor.system("monitoring"), title="API down", severity="SEV-1"
        )
    return incident


def event_body(kind: str, **event: Any) -> str:
    return json.dumps(
        {
            "token": "x",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": f"Ev{abs(hash(json.dumps(event))) % 10**8}",
            "event_time": 1790000000,
            "event": {"type": kind, **event},
        }
    )


def view_submission_form(
    ref: str, *, user_id: str, status: str, message: str, next_steps: str | None = None
) -> str:
    """The update modal's `view_submission`, form-encoded as Slack posts it."""
    values: dict[str, Any] = {
        "status": {"value": {"type": "static_select", "selected_option": {"value": status}}},
        "message": {"value": {"type": "plain_text_input", "value": message}},
    }
    if next_steps is not None:
        values["next_steps"] = {"value": {"type": "plain_text_input", "value": next_steps}}
    submission = {
        "type": "view_submission",
        "user": {"id": user_id},
        "view": {
            "callback_id": "incident.update_view",
            "private_metadata": ref,
            "state": {"values": values},
        },
    }
    return urllib.parse.urlencode({"payload": json.dumps(submission)})
