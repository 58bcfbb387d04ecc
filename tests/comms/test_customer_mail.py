"""Issue 27, "Customer e-mails carry the internal title" and "Mail and feeds": what a
customer's mailbox and feed reader get.

RFC 8058 (one-click unsubscribe: https://www.rfc-editor.org/rfc/rfc8058), RFC 3834 §5
(Auto-Submitted: https://www.rfc-editor.org/rfc/rfc3834#section-5), RFC 4287 §4.1.1,
§4.1.2 (atom:author) and §3.1.1 (text constructs: https://www.rfc-editor.org/rfc/rfc4287).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import feedparser
import pytest
from django.core import mail
from django.test import Client
from pytest_django import Settings

from incidents.models import Incident
from incidents.services import post_status_update, update_incident_details
from portal.kernel.actors import Actor
from portal.notifications import delivery
from portal.notifications.models import OutboxMessage
from portal.notifications.services import enqueue_notification

INTERNAL = "Internal: pg replica lag on api-db-2"
PUBLIC = "Slow checkout"


@pytest.fixture
def incident(declare: Callable[..., Incident], system: Actor) -> Incident:
    incident = declare("SEV-2", title=INTERNAL)
    return update_incident_details(
        incident=incident, actor=system, changes={"public_title": PUBLIC}
    )


def _customer_mail() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind="comms_customer").order_by("pk"))


def test_status_page_post_subject_is_the_public_title(
    incident: Incident, send: Any, subscriber: Any
) -> None:
    # Given a subscriber and an incident with an internal and a public title
    subscriber()
    # When the team posts on the status page
    send(incident, "status_page", body="We're looking into slow checkouts.")
    # Then the customer's subject carries the public title, never the internal one
    (message,) = _customer_mail()
    assert message.subject == f"[Investigating] {PUBLIC}"
    assert INTERNAL not in message.subject + message.body


def test_email_and_public_status_update_subjects_are_the_public_title(
    incident: Incident, send: Any, subscriber: Any, system: Actor
) -> None:
    subscriber()
    send(incident, "email", body="Checkout is slow for some customers.")
    post_status_update(
        incident=incident, actor=system, status="identified", message="Found it.", public=True
    )
    subjects = [m.subject for m in _customer_mail()]
    assert subjects == [f"Service update: {PUBLIC}", f"[Identified] {PUBLIC}"]


def test_title_placeholder_in_customer_text_is_the_public_title(
    incident: Incident, send: Any, subscriber: Any
) -> None:
    subscriber()
    send(incident, "email", subject="About {title}", body="{title}: we are on it.")
    (message,) = _customer_mail()
    assert message.subject == f"About {PUBLIC}"
    assert message.body.startswith(f"{PUBLIC}: we are on it.")
    assert INTERNAL not in message.body


def test_subscriber_mail_has_one_click_unsubscribe_and_reply_to(
    incident: Incident, send: Any, subscriber: Any, settings: Settings
) -> None:
    settings.CUSTOMER_REPLY_TO = "support@cartie.test"
    person = subscriber()
    send(incident, "status_page", body="Update")
    (row,) = _customer_mail()
    delivery.send(row)
    (sent,) = mail.outbox
    # RFC 8058: both headers, the URL an HTTP(S) URI in angle brackets
    link = sent.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(r"<https?://[^>]+/status/unsubscribe/[^>]+/>", link)
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.reply_to == ["support@cartie.test"]
    # Written by a person: replies are wanted, so it is not marked auto-generated
    assert "Auto-Submitted" not in sent.extra_headers
    # The mail provider's one-click POST (no cookie, no CSRF token) unsubscribes at once
    path = re.sub(r"^<https?://[^/]+", "", link)[:-1]
    provider = Client(enforce_csrf_checks=True)
    response = provider.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert not person.is_active


def test_machine_mail_is_auto_generated_and_internal_mail_has_no_reply_to(
    incident: Incident, settings: Settings
) -> None:
    settings.CUSTOMER_REPLY_TO = "support@cartie.test"
    (row,) = enqueue_notification(
        kind="page",
        subject="You are paged",
        body="INC",
        dedupe_key="page:test",
        recipient_email="oncall@corp.test",
    )
    delivery.send(row)
    (sent,) = mail.outbox
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "List-Unsubscribe" not in sent.extra_headers
    assert sent.reply_to == []


def test_atom_entries_render_text_as_written_and_have_authors(
    incident: Incident, send: Any, settings: Settings
) -> None:
    settings.PORTAL_NAME = "CARTIE"
    send(incident, "status_page", body="p99 < 500 ms again; a literal <b> tag & more.")
    feed = feedparser.parse(Client().get("/status/feed/").content)
    assert not feed.bozo, feed.bozo_exception
    (entry,) = feed.entries
    # A reader shows exactly what was written (no markup from the text)
    text = re.sub(r"<[^>]+>", "", entry.summary)
    assert html.unescape(text).strip() == "p99 < 500 ms again; a literal <b> tag & more."
    assert "<b>" not in entry.summary
    # RFC 4287 §4.1.1/§4.1.2: an author on the feed and on each entry
    assert feed.feed.author == "CARTIE"
    assert entry.author == "CARTIE"
