"""send_comms: logged, counted against deadlines, sent once, sandboxed for drills."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from incidents.choices import DeadlineKind, TimelineKind
from incidents.comms.models import CommsMessage
from incidents.models import Deadline, Incident, PolicyVersion
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.notifications.models import OutboxMessage


def _comms_deadline(incident: Incident, channel: str) -> Deadline:
    return incident.deadlines.get(
        kind=DeadlineKind.COMMS, channel=channel, superseded_at__isnull=True
    )


def test_status_page_post_meets_the_deadline_and_logs_on_the_timeline(
    declare: Callable[..., Incident], send: Any
) -> None:
    # Given a SEV-1 under founder-24x7 (status page within 60 min)
    incident = declare("SEV-1", title="Checkout down", what_is_broken="Checkout down")
    # When the status page post goes out
    result = send(incident, "status_page", body="We're investigating {what_is_broken}.")
    # Then the message is public, the deadline met, the timeline says so
    assert result.created
    assert result.message.public
    assert result.message.body == "We're investigating Checkout down."
    assert _comms_deadline(incident, "status_page").met_at == result.message.sent_at
    entry = incident.timeline.get(kind=TimelineKind.COMMS_SENT)
    assert entry.data["comms_message"] == result.message.pk
    assert entry.data["sandbox"] is False


def test_same_idempotency_key_sends_once(
    declare: Callable[..., Incident], send: Any, subscriber: Any
) -> None:
    subscriber("a@customer.test")
    incident = declare("SEV-1")
    key = uuid.uuid4()
    first = send(incident, "email", subject="Down", body="Sorry", idempotency_key=key)
    second = send(incident, "email", subject="Down", body="Sorry", idempotency_key=key)
    assert first.created
    assert not second.created
    assert second.message.pk == first.message.pk
    assert CommsMessage.objects.count() == 1
    assert OutboxMessage.objects.filter(audience="customer").count() == 1
    assert incident.timeline.filter(kind=TimelineKind.COMMS_SENT).count() == 1


def test_email_goes_to_each_confirmed_subscriber_and_the_explicit_list(
    declare: Callable[..., Incident], send: Any, subscriber: Any
) -> None:
    # Given two confirmed subscribers and one who never confirmed
    subscriber("a@customer.test")
    subscriber("b@customer.test")
    from django.utils import timezone

    from incidents.comms.models import Subscriber

    Subscriber.objects.create(email="pending@customer.test", created_at=timezone.now())
    incident = declare("SEV-1")
    # When the post-resolution email is sent with one extra address
    result = send(
        incident, "email", subject="Incident", body="Details", extra_recipients=["Ceo@Big.test"]
    )
    # Then one outbox message per recipient, each with its own dedupe key
    rows = OutboxMessage.objects.filter(audience="customer").order_by("recipient")
    assert [r.recipient for r in rows] == ["a@customer.test", "b@customer.test", "ceo@big.test"]
    assert len({r.dedupe_key for r in rows}) == 3
    assert result.message.recipient_count == 3
    # Subscribers get an unsubscribe link; the explicit recipient does not need one.
    assert "/status/unsubscribe/" in rows[0].body
    assert _comms_deadline(incident, "email").met_at is not None


def test_public_status_page_update_is_mailed_to_subscribers(
    declare: Callable[..., Incident], send: Any, subscriber: Any
) -> None:
    subscriber("a@customer.test")
    incident = declare("SEV-2", title="Login slow", public_title="Login slow")
    send(incident, "status_page", body="Investigating slow logins.")
    row = OutboxMessage.objects.get(audience="customer")
    assert row.subject == "[Investigating] Login slow"
    assert row.body.startswith("Investigating slow logins.")


def test_drill_never_reaches_customers_but_is_timed(
    declare: Callable[..., Incident], send: Any, subscriber: Any
) -> None:
    # Given a drill on staging and a confirmed subscriber
    subscriber("a@customer.test")
    incident = declare("SEV-1", is_drill=True, environment="staging")
    # When the drill's status page post and email "go out"
    page = send(incident, "status_page", body="Drill investigating")
    mail = send(
        incident, "email", subject="Drill", body="Drill email", extra_recipients=["x@y.test"]
    )
    # Then nothing is public or queued for customers, but the deadlines are met
    assert page.message.state == "sandboxed"
    assert not page.message.public
    assert mail.message.state == "sandboxed"
    assert not OutboxMessage.objects.filter(audience="customer").exists()
    assert _comms_deadline(incident, "status_page").met_at is not None
    entries = incident.timeline.filter(kind=TimelineKind.COMMS_SENT)
    assert [e.data["sandbox"] for e in entries] == [True, True]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "pigeon", "body": "x"}, "channel"),
        ({"channel": "email", "body": "x", "extra_recipients": ["not-an-email"]}, "recipients"),
        ({"channel": "status_page", "body": "x", "extra_recipients": ["a@b.test"]}, "recipients"),
        ({"channel": "status_page", "body": "  "}, "body"),
        ({"channel": "status_page", "body": "x", "idempotency_key": "nope"}, "idempotency_key"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    declare: Callable[..., Incident], send: Any, kwargs: dict[str, Any], field: str
) -> None:
    incident = declare("SEV-1")
    channel = kwargs.pop("channel")
    with pytest.raises(DomainError) as exc:
        send(incident, channel, **kwargs)
    assert exc.value.field == field
    assert not CommsMessage.objects.exists()
    assert not incident.timeline.filter(kind=TimelineKind.COMMS_SENT).exists()


def test_template_of_another_policy_is_refused(
    declare: Callable[..., Incident], send: Any, load_policy: Callable[..., PolicyVersion]
) -> None:
    from incidents.comms.models import CommsTemplate

    incident = declare("SEV-1")
    other = load_policy("s-levels")
    template = CommsTemplate.objects.filter(policy_version=other).first()
    with pytest.raises(DomainError) as exc:
        send(incident, "status_page", template=template)
    assert exc.value.field == "template"


def test_template_text_is_used_when_no_body_is_given(
    declare: Callable[..., Incident], send: Any
) -> None:
    from incidents.comms.selectors import templates_for_incident

    incident = declare(
        "SEV-1",
        title="payments failing",
        what_is_broken="payments failing",
        customer_impact="failed payments",
    )
    template = templates_for_incident(incident).get(kind="status_page_investigating")
    message = send(incident, "status_page", template=template).message
    assert message.body.startswith("[INVESTIGATING] ")
    assert "reports of payments failing." in message.body
    assert message.announced_status == "investigating"


def test_public_status_update_is_a_status_page_post(
    declare: Callable[..., Incident], subscriber: Any, system: Actor
) -> None:
    from incidents.services import post_status_update

    # Given a SEV-1 and a confirmed subscriber
    subscriber("a@customer.test")
    incident = declare("SEV-1", title="API down", public_title="API down")
    # When an internal update is posted, nothing goes out and the deadline stays open
    post_status_update(
        incident=incident, actor=system, status="investigating", message="internal only"
    )
    assert not OutboxMessage.objects.filter(audience="customer").exists()
    assert _comms_deadline(incident, "status_page").met_at is None
    # When a public update is posted
    post_status_update(
        incident=incident, actor=system, status="identified", message="Cause found.", public=True
    )
    # Then subscribers get it and the status-page deadline is met
    mail = OutboxMessage.objects.get(audience="customer")
    assert mail.subject == "[Identified] API down"
    assert mail.body.startswith("Cause found.")
    assert _comms_deadline(incident, "status_page").met_at is not None


def test_mailing_subscribers_is_a_constant_number_of_queries(
    declare: Callable[..., Incident], send: Any, subscriber: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(new_subscribers: int, title: str) -> int:
        for i in range(new_subscribers):
            subscriber(f"{title}-{i}@customer.test")
        incident = declare("SEV-2", title=title)
        with CaptureQueriesContext(connection) as ctx:
            send(incident, "status_page", body="Update for everyone")
        return len(ctx.captured_queries)

    # Given 2 subscribers, then 20: the same number of queries per send
    assert queries_for(2, "small") == queries_for(18, "large")
    assert OutboxMessage.objects.filter(audience="customer").count() == 2 + 20
