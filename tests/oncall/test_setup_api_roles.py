"""Issue 24, "The on-call set-up API ignores roles": channels (and their test send),
rotation members, overrides and services grant through the API what the admin grants.

Tokens of four people: a staff user with no group, a Responder, an Auditor and a
Founder (a member of the Founders group, not a superuser). What the product gives each
role is `portal.audit.roles`: Founders every permission; Responders view on on-call and
notifications, add/change on the incidents app (services among them); Auditors view.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from pytest_django import Settings
from rest_framework.test import APIClient

from incidents.models import PolicyVersion, Service
from incidents.oncall.models import Override, RotationMember
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from portal.notifications.channels import save_channel
from portal.notifications.models import NotificationChannel, OutboxMessage
from tests.standin_timing import STANDIN_POLL_SECONDS

pytestmark = pytest.mark.django_db

WHO = ("staff_without_group", "responder", "auditor", "founder")
GROUP = {"responder": "Responders", "auditor": "Auditors", "founder": "Founders"}
SLACK_TARGET = "slack://T0001/B0001/real-secret-token"


class Hook(http.server.BaseHTTPRequestHandler):
    """A generic JSON webhook as apprise's `json://` posts to it (a JSON body with
    `title`, `message`, `type`; https://github.com/caronc/apprise/wiki/Notify_Custom_JSON),
    answering 200 and remembering every body."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet: the bodies are asserted instead."""


@pytest.fixture
def hook() -> Iterator[int]:
    """The port of a JSON webhook stand-in on 127.0.0.1."""
    Hook.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(
        target=server.serve_forever, args=(STANDIN_POLL_SECONDS,), daemon=True
    )
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def setup_rows(
    load_policy: Callable[..., PolicyVersion], people: dict[str, Any], founder: User
) -> dict[str, Any]:
    """A schedule with a member and an override, #alerts with a Slack URL, a console channel."""
    load_policy("follow-the-sun")
    actor = Actor.for_user(founder)
    alerts = save_channel(name="#alerts", kind="slack", target=SLACK_TARGET, actor=actor)
    ops = save_channel(name="Ops log", kind="console", actor=actor)
    api = _client(founder)
    member = api.post(
        "/api/v1/oncall/members/", {"schedule": "Platform", "username": "alice"}, format="json"
    ).json()
    override = api.post(
        "/api/v1/oncall/overrides/",
        {
            "schedule": "Platform",
            "username": "bob",
            "start": "2026-03-02T00:00:00Z",
            "end": "2026-03-02T04:00:00Z",
        },
        format="json",
    ).json()
    return {"alerts": alerts, "ops": ops, "member": member["id"], "override": override["id"]}


def _client(user: User) -> APIClient:
    from portal.access.tokens import create_api_token

    _, key = create_api_token(user=user, name="t", read_only=False, actor=Actor.system("test"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def person(who: str, django_user_model: Any) -> User:
    user: User = django_user_model.objects.create_user(
        f"{who}2", f"{who}2@example.com", "pw-x-123456", is_staff=True
    )
    if who in GROUP:
        user.groups.add(Group.objects.get(name=GROUP[who]))
    return user


@pytest.fixture
def client_of(django_user_model: Any) -> Callable[[str], APIClient]:
    return lambda who: _client(person(who, django_user_model))


def state() -> dict[str, Any]:
    """Everything a set-up write could change."""
    return {
        "channels": sorted(
            NotificationChannel.objects.values_list("name", "kind", "target", "enabled")
        ),
        "members": sorted(RotationMember.objects.values_list("pk", "rotation_id", "user_id")),
        "overrides": sorted(Override.objects.values_list("pk", "user_id", "start", "end")),
        "services": sorted(Service.objects.values_list("name", "owner_id")),
        "test_messages": OutboxMessage.objects.filter(kind="test").count(),
    }


def writes(rows: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("post", "/api/v1/channels/", {"name": "#alerts", "target": "json://127.0.0.1:9/x"}),
        ("post", "/api/v1/channels/", {"name": "#new", "kind": "console"}),
        ("post", f"/api/v1/channels/{rows['ops'].pk}/test/", None),
        ("post", "/api/v1/oncall/members/", {"schedule": "Platform", "username": "carol"}),
        ("delete", f"/api/v1/oncall/members/{rows['member']}/", None),
        (
            "post",
            "/api/v1/oncall/overrides/",
            {
                "schedule": "Platform",
                "username": "carol",
                "start": "2026-03-03T00:00:00Z",
                "end": "2026-03-03T04:00:00Z",
            },
        ),
        ("delete", f"/api/v1/oncall/overrides/{rows['override']}/", None),
        ("post", "/api/v1/services/", {"name": "Checkout", "owner": "alice"}),
    ]


# Who may do which write: Founders everything; Responders services only (the product
# gives them incidents.add/change_service, and only view on on-call and notifications).
ALLOWED = {
    "staff_without_group": set(),
    "responder": {"/api/v1/services/"},
    "auditor": set(),
}


def test_a_staff_user_without_a_group_cannot_point_alerts_at_their_own_url(
    setup_rows: dict[str, Any], client_of: Callable[[str], APIClient], hook: int
) -> None:
    # What was seen: `#alerts` set to json://127.0.0.1:<port>/hijack (200), the next
    # SEV-1 page (with its one-click ack link) went there.
    client = client_of("staff_without_group")
    response = client.post(
        "/api/v1/channels/",
        {"name": "#alerts", "kind": "webhook", "target": f"json://127.0.0.1:{hook}/hijack"},
        format="json",
    )
    assert response.status_code == 403, response.content
    assert NotificationChannel.objects.get(name="#alerts").target == SLACK_TARGET


@pytest.mark.parametrize("who", list(ALLOWED))
def test_set_up_writes_need_the_role_that_holds_the_permission(
    who: str, setup_rows: dict[str, Any], client_of: Callable[[str], APIClient]
) -> None:
    client = client_of(who)
    for method, url, body in writes(setup_rows):
        before = state()
        response = getattr(client, method)(url, body, format="json")
        if url in ALLOWED[who]:
            assert response.status_code in (200, 201, 204), (who, url, response.content)
        else:
            assert response.status_code == 403, (who, method, url, response.content)
            assert state() == before, (who, method, url)


def test_a_founder_does_every_set_up_write(
    setup_rows: dict[str, Any], client_of: Callable[[str], APIClient]
) -> None:
    client = client_of("founder")
    for method, url, body in writes(setup_rows):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code in (200, 201, 204), (method, url, response.content)
    assert NotificationChannel.objects.get(name="#alerts").target == "json://127.0.0.1:9/x"
    assert OutboxMessage.objects.filter(kind="test", status="sent").count() == 1


def test_a_responder_cannot_use_the_test_send_as_a_port_scanner(
    setup_rows: dict[str, Any], client_of: Callable[[str], APIClient], founder: User, hook: int
) -> None:
    # What was seen: `channels/<id>/test/` → {"status":"sent"} for an open port and a
    # different answer for a closed one, to a Responder.
    actor = Actor.for_user(founder)
    open_ = save_channel(
        name="open", kind="webhook", target=f"json://127.0.0.1:{hook}/", actor=actor
    )
    closed = save_channel(
        name="closed", kind="webhook", target=f"json://127.0.0.1:{closed_port()}/", actor=actor
    )
    client = client_of("responder")
    answers = [client.post(f"/api/v1/channels/{c.pk}/test/") for c in (open_, closed)]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].content == answers[1].content
    assert Hook.received == []
    assert not OutboxMessage.objects.filter(kind="test").exists()


@pytest.mark.parametrize(
    "target",
    [
        "json://127.0.0.1:{port}/",
        "json://localhost:{port}/",
        "json://10.1.2.3/hook",
        "json://169.254.169.254/latest/meta-data",
        "json://[::1]:{port}/",
        "ntfys://192.168.1.10/topic",
    ],
)
def test_a_test_send_to_an_internal_address_is_refused(
    target: str, setup_rows: dict[str, Any], client_of: Callable[[str], APIClient], hook: int
) -> None:
    channel = save_channel(
        name="internal",
        kind="webhook",
        target=target.format(port=hook),
        actor=Actor.system("test"),
    )
    response = client_of("founder").post(f"/api/v1/channels/{channel.pk}/test/")
    assert response.status_code == 400, response.content
    assert "CHANNEL_TEST_PRIVATE_TARGETS" in response.json()["target"][0], response.content
    assert Hook.received == []
    assert not OutboxMessage.objects.filter(kind="test").exists()


def test_a_test_send_to_an_internal_address_goes_when_the_setting_allows_it(
    setup_rows: dict[str, Any],
    client_of: Callable[[str], APIClient],
    hook: int,
    settings: Settings,
) -> None:
    settings.CHANNEL_TEST_PRIVATE_TARGETS = True
    channel = save_channel(
        name="local", kind="webhook", target=f"json://127.0.0.1:{hook}/", actor=Actor.system("t")
    )
    response = client_of("founder").post(f"/api/v1/channels/{channel.pk}/test/")
    assert response.json() == {"status": "sent", "error": ""}
    assert len(Hook.received) == 1


@pytest.mark.parametrize("who", ["responder", "auditor"])
def test_channel_urls_are_masked_to_those_who_cannot_change_them(
    who: str, setup_rows: dict[str, Any], client_of: Callable[[str], APIClient]
) -> None:
    listed = client_of(who).get("/api/v1/channels/")
    assert listed.status_code == 200
    assert "real-secret-token" not in listed.content.decode()
    alerts = next(c for c in listed.json() if c["name"] == "#alerts")
    assert alerts["has_target"] is True
    assert alerts["target"].startswith("slack://")


def test_a_founder_reads_the_channel_url_they_may_change(
    setup_rows: dict[str, Any], client_of: Callable[[str], APIClient]
) -> None:
    listed = client_of("founder").get("/api/v1/channels/").json()
    alerts = next(c for c in listed if c["name"] == "#alerts")
    assert alerts["target"] == SLACK_TARGET


@pytest.mark.parametrize("who", ["responder", "auditor"])
def test_the_admin_masks_channel_urls_to_those_who_cannot_change_them(
    who: str, setup_rows: dict[str, Any], django_user_model: Any
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(person(who, django_user_model))
    channel = setup_rows["alerts"]
    page = client.get(f"/admin/notifications/notificationchannel/{channel.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "real-secret-token" not in text
    assert "slack://" in text
    # And it cannot be changed there either
    answer = client.post(
        f"/admin/notifications/notificationchannel/{channel.pk}/change/",
        {"kind": "webhook", "target": "json://127.0.0.1:9/x", "enabled": "on"},
    )
    assert answer.status_code == 403
    assert NotificationChannel.objects.get(pk=channel.pk).target == SLACK_TARGET


def test_the_admin_shows_a_founder_the_url_to_change(
    setup_rows: dict[str, Any], django_user_model: Any
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(person("founder", django_user_model))
    page = client.get(f"/admin/notifications/notificationchannel/{setup_rows['alerts'].pk}/change/")
    assert page.status_code == 200
    assert SLACK_TARGET in page.content.decode()


def test_the_audit_of_a_channel_change_says_which_part_of_the_url_changed(
    setup_rows: dict[str, Any], client_of: Callable[[str], APIClient]
) -> None:
    # What was seen: the hijack's audit entry read {"has_target": true} -> {"has_target": true}.
    client = client_of("founder")
    client.post(
        "/api/v1/channels/",
        {"name": "#alerts", "kind": "webhook", "target": "json://hooks.example.net/hijack"},
        format="json",
    )
    client.post(
        "/api/v1/channels/",
        {"name": "#alerts", "target": "json://hooks.example.net/other-secret"},
        format="json",
    )
    moved, rotated = AuditEntry.objects.filter(
        object_type="notifications.notificationchannel", object_id=str(setup_rows["alerts"].pk)
    ).order_by("pk")[1:]
    assert moved.after is not None
    assert moved.before is not None
    assert moved.after["target_changed"] == ["scheme", "host", "secret"]
    assert moved.before["target"] != moved.after["target"]
    assert moved.after["target"].startswith("json://hooks.example.net/")
    assert rotated.after is not None
    assert rotated.after["target_changed"] == ["secret"]
    for entry in (moved, rotated):
        text = json.dumps([entry.before, entry.after])
        assert "has_target" not in text
        assert "secret-token" not in text
        assert "hijack" not in text
        assert "other-secret" not in text


# The admin's add pages of the same rows: who may open them (and so write) is who may
# write through the API.
ADMIN_ADD_PAGES = {
    "/admin/notifications/notificationchannel/add/": {"founder"},
    "/admin/notifications/notificationroute/add/": {"founder"},
    "/admin/oncall/override/add/": {"founder"},
    "/admin/oncall/rotationmember/add/": {"founder"},
    "/admin/incidents/service/add/": {"founder", "responder"},
}


@pytest.mark.parametrize("who", WHO)
def test_the_admin_grants_what_the_api_grants(
    who: str, setup_rows: dict[str, Any], django_user_model: Any
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(person(who, django_user_model))
    for url, allowed in ADMIN_ADD_PAGES.items():
        status = client.get(url).status_code
        if "rotationmember" in url:
            # Members are edited inline on their rotation: its change page
            rotation = RotationMember.objects.get(pk=setup_rows["member"]).rotation_id
            page = client.get(f"/admin/oncall/rotation/{rotation}/change/")
            can_edit = (
                page.status_code == 200 and 'name="memberships-0-user"' in page.content.decode()
            )
            assert can_edit == (who in allowed), (who, url)
            continue
        assert (status == 200) == (who in allowed), (who, url, status)
