"""Issue 23, item 1: Microsoft Teams (Workflows) as a person's contact method, and
verification by a link where a message can carry one (e-mail, Teams), next to the code.

The Teams chat is a stand-in built from Microsoft's published Workflows reference
(tests/notifications/standins/teams_standin.py): it refuses what Workflows refuse
(message cards, oversize bodies) and records the Adaptive Cards it accepted."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from incidents.oncall import contacts
from incidents.oncall.models import ContactMethod, Page
from incidents.services import declare_incident
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.notifications.choices import OutboxStatus
from portal.notifications.models import OutboxMessage
from portal.notifications.tasks import deliver_outbox_message
from tests.notifications.standins.teams_standin import RunningTeams

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def teams() -> Iterator[RunningTeams]:
    standin = RunningTeams()
    yield standin
    standin.stop()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def deliver_all() -> None:
    for pk in OutboxMessage.objects.filter(status=OutboxStatus.PENDING).values_list(
        "pk", flat=True
    ):
        deliver_outbox_message(pk)


def test_teams_method_gets_its_code_as_a_card_and_is_verified_by_the_link(
    ana: User, teams: RunningTeams, client: Client
) -> None:
    me = Actor.for_user(ana)
    with time_machine.travel(T0, tick=False):
        method = contacts.add_contact_method(
            actor=me, user=ana, kind="teams", address=teams.workflow_url
        )
        assert not method.usable
        deliver_all()
    [card] = teams.received
    assert re.search(r"\b\d{6}\b", " ".join(card.texts)), card.texts
    verify = card.actions["Verify"]
    # Opening the link (a chat client's preview fetches it too) verifies nothing.
    with time_machine.travel(T0 + datetime.timedelta(minutes=2), tick=False):
        shown = client.get(path_of(verify))
        assert shown.status_code == 200
        assert b"Confirm" in shown.content
        method.refresh_from_db()
        assert method.verified_at is None
        done = client.post(path_of(verify))
    assert done.status_code == 200
    assert b"verified" in done.content
    method.refresh_from_db()
    assert method.usable
    entry = AuditEntry.objects.filter(object_type="oncall.contactmethod").latest("pk")
    assert entry.actor_label == "ana"  # they proved they hold it: the audit names them
    # The same link again changes nothing and says so.
    again = client.post(path_of(verify))
    assert b"already verified" in again.content


def test_a_verification_link_expires_and_a_resent_code_replaces_it(
    ana: User, client: Client
) -> None:
    me = Actor.for_user(ana)
    with time_machine.travel(T0, tick=False):
        method = contacts.add_contact_method(actor=me, user=ana, kind="email", address="a@x.org")
    first = OutboxMessage.objects.filter(kind="verification").latest("pk")
    link = first.data["verify_url"]
    assert link in first.body  # the e-mail carries the link as well as the code
    with time_machine.travel(T0 + datetime.timedelta(minutes=11), tick=False):
        late = client.post(path_of(link))
    assert late.status_code == 400
    assert b"expired" in late.content
    with time_machine.travel(T0 + datetime.timedelta(minutes=12), tick=False):
        contacts.resend_code(actor=me, method=method)
        stale = client.post(path_of(link))
    assert stale.status_code == 400
    assert b"A newer message replaced this link" in stale.content
    method.refresh_from_db()
    assert method.verified_at is None
    with time_machine.travel(T0 + datetime.timedelta(minutes=13), tick=False):
        newest = OutboxMessage.objects.filter(kind="verification").latest("pk")
        assert client.post(path_of(newest.data["verify_url"])).status_code == 200
    method.refresh_from_db()
    assert method.usable
    tampered = client.post(path_of(link[:-4] + "xyz/"))
    assert tampered.status_code == 404
    assert b"This link is not valid." in tampered.content


def test_teams_addresses_are_checked_when_added(ana: User) -> None:
    me = Actor.for_user(ana)
    for wrong in ("not a url", "ftp://example.com/x", "http://example.com/workflows/1"):
        with pytest.raises(DomainError) as refused:
            contacts.add_contact_method(actor=me, user=ana, kind="teams", address=wrong)
        assert refused.value.field == "address"
    assert not ContactMethod.objects.exists()


def test_a_page_reaches_the_persons_teams_chat_with_acknowledge_and_open(
    load_policy: Callable[..., Any],
    founder: User,
    system: Actor,
    committed: Any,
    teams: RunningTeams,
    client: Client,
) -> None:
    load_policy("founder-24x7")
    ContactMethod.objects.create(
        user=founder, kind="teams", address=teams.workflow_url, verified_at=T0
    )
    with time_machine.travel(T0, tick=False), committed():
        incident = declare_incident(actor=system, title="Checkout down", severity="SEV-1")
    [message] = OutboxMessage.objects.filter(provider_kind="teams")
    with time_machine.travel(T0, tick=False):
        assert deliver_outbox_message(message.pk) == "sent"
    [card] = teams.received
    assert any(incident.ref in text and "SEV-1" in text for text in card.texts)
    assert "<!here>" not in " ".join(card.texts)  # channel syntax stays with its channel
    assert set(card.actions) == {"Acknowledge", "Open incident"}
    assert card.actions["Open incident"].endswith(
        f"/admin/incidents/incident/{incident.pk}/change/"
    )
    with time_machine.travel(T0 + datetime.timedelta(minutes=1), tick=False):
        acked = client.post(path_of(card.actions["Acknowledge"]))
    assert acked.status_code == 200
    page = Page.objects.get()
    assert page.acknowledged_at is not None
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None


def test_a_refusing_teams_workflow_is_said_on_the_incident_and_the_next_method_tried(
    load_policy: Callable[..., Any],
    founder: User,
    system: Actor,
    committed: Any,
    teams: RunningTeams,
) -> None:
    from incidents.oncall.models import NotificationRule, PersonalNotification

    load_policy("founder-24x7")
    chat = ContactMethod.objects.create(
        user=founder, kind="teams", address=teams.workflow_url, verified_at=T0
    )
    sms = ContactMethod.objects.create(
        user=founder, kind="sms", address="+15551230001", verified_at=T0
    )
    NotificationRule.objects.create(user=founder, contact_method=chat, delay_minutes=0)
    NotificationRule.objects.create(user=founder, contact_method=sms, delay_minutes=5)
    teams.fail(429)
    with time_machine.travel(T0, tick=False), committed():
        incident = declare_incident(actor=system, title="Checkout down", severity="SEV-1")
    [message] = OutboxMessage.objects.filter(provider_kind="teams")
    with time_machine.travel(T0, tick=False):
        assert deliver_outbox_message(message.pk) == "pending"
    message.refresh_from_db()
    assert "HTTP 429 ServiceUnavailable Try again later." in message.last_error
    note = incident.timeline.filter(data__undeliverable=True).get()
    assert "Microsoft Teams" in note.message
    assert "Trying their next contact method now." in note.message
    assert PersonalNotification.objects.get(delay_minutes=5).due_at == T0


def test_teams_and_slack_in_every_door(
    ana: User, founder: User, teams: RunningTeams, make_token: Any
) -> None:
    out = StringIO()
    call_command("contact", "add", "ana", "--kind", "teams", "--to", teams.workflow_url, stdout=out)
    assert "code" in out.getvalue().lower()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(founder)[1]}")
    listed = api.get("/api/v1/contact-methods/", {"user": "ana"})
    assert listed.status_code == 200
    body = listed.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [m["kind"] for m in rows] == ["teams"]
    created = api.post(
        "/api/v1/contact-methods/", {"kind": "slack_dm", "address": "U0FOUNDER"}, format="json"
    )
    assert created.status_code == 201, created.json()
    refused = api.post(
        "/api/v1/contact-methods/",
        {"kind": "slack_dm", "address": "founder@example.com"},
        format="json",
    )
    assert refused.status_code == 400
    assert "address" in refused.json()
