"""Shared by the phone tests: a founder-24x7 SEV-1 paged to a phone, and Twilio-signed
webhook requests (signed as Twilio signs them: `RequestValidator.compute_signature` over
the public URL, PORTAL_BASE_URL + path, and the POST parameters)."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.conf import settings
from django.test import Client
from twilio.request_validator import RequestValidator

from incidents.models import Incident
from incidents.oncall.models import Page
from incidents.services import declare_incident
from portal.kernel.actors import Actor
from portal.notifications.channels import update_channel
from portal.notifications.models import OutboxMessage
from portal.notifications.tasks import deliver_outbox_message
from tests.notifications.standins.twilio_standin import AUTH_TOKEN

T0 = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)
PHONE = "+15551230001"
OTHER_PHONE = "+15551239999"


def later(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


def page_to_phone(
    load_policy: Any, capture: Any, *, kind: str, title: str = "Checkout down"
) -> tuple[Incident, Page, OutboxMessage]:
    """The founder-24x7 preset's #alerts channel made `kind` to PHONE; a SEV-1 declared
    and its page delivered at T0."""
    system = Actor.system("test")
    load_policy("founder-24x7")
    update_channel(name="#alerts", kind=kind, target=PHONE, enabled=True, actor=system)
    with time_machine.travel(T0, tick=False):
        with capture(execute=True):
            incident = declare_incident(actor=system, title=title, severity="SEV-1")
        page = Page.objects.select_related("message", "user").get()
        assert page.message is not None
        assert deliver_outbox_message(page.message.pk) == "sent"
    page.refresh_from_db()
    assert page.message_id is not None
    message = OutboxMessage.objects.get(pk=page.message_id)
    return incident, page, message


def post_signed(
    client: Client, path: str, params: dict[str, str], *, token: str = AUTH_TOKEN
) -> Any:
    url = f"{settings.PORTAL_BASE_URL}{path}"
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def assert_acknowledged_by_reply(
    incident: Incident, page: Page, *, at: datetime.datetime, via: str
) -> None:
    """The reply acknowledged the page and the incident as the paged person, at `at`:
    the timeline says how, and the audit names them."""
    from incidents.choices import TimelineKind
    from portal.audit.choices import AuditAction
    from portal.audit.models import AuditEntry

    incident.refresh_from_db()
    page.refresh_from_db()
    assert incident.acknowledged_at == at
    assert page.acknowledged_at == at
    [acked] = incident.timeline.filter(kind=TimelineKind.ACKNOWLEDGED)
    assert acked.actor_id == page.user.pk
    [note] = incident.timeline.filter(data__via=via)
    assert note.message == f"{page.user.get_username()} acknowledged their page in {via}."
    assert note.actor_id == page.user.pk
    audited = AuditEntry.objects.filter(
        at=at, action=AuditAction.UPDATE, object_type="incidents.incident"
    )
    assert audited.exists()
    assert {entry.actor_user_id for entry in audited} == {page.user.pk}
