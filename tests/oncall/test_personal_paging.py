"""Issue 23, "page the person, not the room": a page rings its person's own contact
methods by their notification rules; nothing stale, nothing silent.

Each test names the line of "What was seen" it reproduces."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from incidents.models import Incident
from incidents.oncall.choices import PersonalNotificationStatus
from incidents.oncall.models import ContactMethod, NotificationRule, Page, PersonalNotification
from incidents.oncall.personal import send_due_personal_notifications
from incidents.services import acknowledge_incident, declare_incident
from portal.kernel.actors import Actor
from portal.notifications.channels import update_channel
from portal.notifications.choices import OutboxStatus
from portal.notifications.models import OutboxMessage
from portal.notifications.tasks import deliver_outbox_message

T0 = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)
pytestmark = pytest.mark.django_db


def method(user: User, kind: str, address: str, *, verified: bool = True) -> ContactMethod:
    return ContactMethod.objects.create(
        user=user, kind=kind, address=address, verified_at=T0 if verified else None
    )


def at(minutes: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


@pytest.fixture
def sev1(load_policy: Callable[..., Any], founder: User, system: Actor, committed: Any) -> Any:
    load_policy("founder-24x7")

    def _declare(**kwargs: Any) -> Incident:
        with time_machine.travel(T0, tick=False), committed():
            return declare_incident(actor=system, title="Checkout down", severity="SEV-1", **kwargs)

    return _declare


def test_rules_ring_the_persons_own_phone_in_order_until_acknowledged(
    sev1: Any, founder: User, system: Actor
) -> None:
    sms = method(founder, "sms", "+15551230001")
    voice = method(founder, "voice", "+15551230001")
    NotificationRule.objects.create(user=founder, contact_method=sms, delay_minutes=0)
    NotificationRule.objects.create(user=founder, contact_method=voice, delay_minutes=2)
    incident = sev1()
    page = Page.objects.get()
    # SMS at once, to the person's number, through the phone provider.
    [text] = OutboxMessage.objects.filter(provider_kind="phone_sms")
    assert (text.recipient, text.recipient_user, text.kind) == ("+15551230001", founder, "page")
    assert not OutboxMessage.objects.filter(provider_kind="phone_call").exists()
    entry = incident.timeline.get(kind="paged", data__has_key="pages")
    assert "founder (" in entry.message
    assert "SMS …0001 now, Voice call …0001 at +2 min" in entry.message
    assert "#alerts is DISABLED: the page was not posted there." in entry.message
    # Nobody answers: the voice call at +2 min.
    with time_machine.travel(at(2), tick=False):
        assert send_due_personal_notifications() == {"sent": 1, "stale": 0, "undeliverable": 0}
    [call] = OutboxMessage.objects.filter(provider_kind="phone_call")
    assert call.recipient == "+15551230001"
    assert call.data["page"] == page.pk


def test_a_later_rule_is_not_sent_once_acknowledged(sev1: Any, founder: User) -> None:
    """What was seen: stale pages are delivered."""
    sms = method(founder, "sms", "+15551230001")
    voice = method(founder, "voice", "+15551230001")
    NotificationRule.objects.create(user=founder, contact_method=sms, delay_minutes=0)
    NotificationRule.objects.create(user=founder, contact_method=voice, delay_minutes=2)
    incident = sev1()
    with time_machine.travel(at(1), tick=False):
        acknowledge_incident(incident=incident, actor=Actor.for_user(founder))
    with time_machine.travel(at(2), tick=False):
        assert send_due_personal_notifications() == {"sent": 0, "stale": 1, "undeliverable": 0}
    assert not OutboxMessage.objects.filter(provider_kind="phone_call").exists()
    late = PersonalNotification.objects.get(delay_minutes=2)
    assert late.status == PersonalNotificationStatus.STALE
    assert late.detail == "Not sent: acknowledged, resolved or closed first."


def test_enabling_a_channel_later_sends_no_stale_pages(
    sev1: Any, founder: User, system: Actor
) -> None:
    """What was seen: enabling #alerts eight minutes later sent pages for a closed and a
    resolved incident."""
    incident = sev1()
    post = OutboxMessage.objects.get(channel__name="#alerts")
    assert post.status == OutboxStatus.PENDING  # the channel is disabled: it waits
    with time_machine.travel(at(3), tick=False):
        acknowledge_incident(incident=incident, actor=Actor.for_user(founder))
    update_channel(name="#alerts", kind="console", target="", enabled=True, actor=system)
    with time_machine.travel(at(8), tick=False):
        assert deliver_outbox_message(post.pk) == "cancelled"
    post.refresh_from_db()
    assert post.status == OutboxStatus.CANCELLED
    assert post.sent_at is None


def test_no_verified_method_uses_the_persons_email(sev1: Any, founder: User) -> None:
    method(founder, "sms", "+15551230001", verified=False)
    incident = sev1()
    [email] = OutboxMessage.objects.filter(channel__isnull=True, kind="page")
    assert (email.recipient, email.provider_kind) == ("founder@example.com", "")
    paged = incident.timeline.get(kind="paged", data__has_key="pages")
    assert "by e-mail to f…@example.com" in paged.message


def test_a_person_with_no_method_and_no_email_is_said_and_the_fallback_is_paged(
    load_policy: Callable[..., Any],
    founder: User,
    django_user_model: type[User],
    system: Actor,
    committed: Any,
) -> None:
    """What was seen: a page to a person with no e-mail address vanishes."""
    from incidents.oncall.models import RotationMember

    load_policy("founder-24x7")
    eng3 = django_user_model.objects.create_user("eng3", is_staff=True)  # no e-mail
    RotationMember.objects.update(user=eng3)
    with time_machine.travel(T0, tick=False), committed():
        incident = declare_incident(actor=system, title="Checkout down", severity="SEV-3")
    pages = {p.user.username: p for p in Page.objects.all()}
    assert set(pages) == {"eng3", "founder"}
    assert pages["founder"].target.endswith("eng3 unreachable")
    entry = incident.timeline.get(kind="paged", data__has_key="pages")
    assert (
        "eng3 (Founder 24/7 / primary on call): COULD NOT BE REACHED: no verified contact method "
        "and no e-mail address" in entry.message
    )
    assert entry.data["unreachable"] == ["eng3"]
    # The founder is reached (by e-mail here), and nothing is addressed to nobody.
    assert OutboxMessage.objects.filter(recipient="founder@example.com").count() == 1
    assert not OutboxMessage.objects.filter(recipient="", channel__isnull=True).exists()


def test_a_failed_delivery_is_said_at_once_and_the_next_method_tried_now(
    sev1: Any, founder: User, settings: Any
) -> None:
    """What was seen: the on-call's page failed 10 times while the timeline said "Paged"."""
    email = method(founder, "email", "founder@example.com")
    voice = method(founder, "voice", "+15551230001")
    NotificationRule.objects.create(user=founder, contact_method=email, delay_minutes=0)
    NotificationRule.objects.create(user=founder, contact_method=voice, delay_minutes=5)
    settings.EMAIL_BACKEND = "tests.oncall.test_personal_paging.RefusingBackend"
    incident = sev1()
    [mail] = OutboxMessage.objects.filter(provider_kind="email")
    with time_machine.travel(at(0.5), tick=False):
        assert deliver_outbox_message(mail.pk) == "pending"  # retried later
    note = incident.timeline.filter(data__undeliverable=True).get()
    assert note.message.startswith("The page to founder could not be delivered (Email to founder)")
    assert "Trying their next contact method now." in note.message
    voice_rule = PersonalNotification.objects.get(delay_minutes=5)
    assert voice_rule.due_at == at(0.5)
    with time_machine.travel(at(0.5), tick=False):
        assert send_due_personal_notifications()["sent"] == 1
    assert OutboxMessage.objects.filter(provider_kind="phone_call").count() == 1
    # A second failure of the same message says nothing more.
    with time_machine.travel(at(10), tick=False):
        deliver_outbox_message(mail.pk)
    assert incident.timeline.filter(data__undeliverable=True).count() == 1


class RefusingBackend:
    """An e-mail backend whose server refuses everything."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.options = kwargs  # what Django's get_connection() hands any backend

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("smtp refused")


def test_queries_of_a_paging_batch_do_not_grow_with_people(
    load_policy: Callable[..., Any], founder: User, system: Actor, committed: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents.oncall.paging import run_due_escalations

    load_policy("founder-24x7")
    method(founder, "sms", "+15551230001")

    def count(n: int) -> int:
        with time_machine.travel(T0, tick=False):
            for i in range(n):
                declare_incident(actor=system, title=f"Outage {n}-{i}", severity="SEV-1")
        with time_machine.travel(at(20), tick=False), CaptureQueriesContext(connection) as ctx:
            run_due_escalations(now=timezone.now())
        return len(ctx.captured_queries)

    assert count(2) == count(6)
