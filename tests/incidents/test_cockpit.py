"""Issue 15: the incident page as a cockpit, and the closing duties enforced at resolve."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.contrib import admin
from django.utils import timezone

from incidents import services
from incidents.admin.incident import DeadlineInline
from incidents.choices import CommsChannel, DeadlineKind, TimelineKind
from incidents.cockpit import countdown_words
from incidents.models import Deadline, StatusUpdate, TimelineEntry
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from tests.incidents.admin_pages import change_url, view_url

pytestmark = pytest.mark.django_db


def _sev1(declare: Any, founder: Any) -> Any:
    incident = declare("SEV-1", title="Checkout API returns 502", actor=Actor.for_user(founder))
    services.acknowledge_incident(incident=incident, actor=Actor.for_user(founder))
    return incident


# --- What was seen 1: a SEV-1 resolved and closed with the customer email unsent ---------


def test_seen_1_resolving_sev1_with_customer_email_unsent_asks_for_a_reason_and_records_it(
    declare: Any, founder: Any
) -> None:
    actor = Actor.for_user(founder)
    incident = _sev1(declare, founder)
    # The status page went out, the email did not.
    services.record_comms_sent(
        incident=incident, actor=actor, channel=CommsChannel.STATUS_PAGE, summary="investigating"
    )
    # Resolving without a reason is refused, naming the unmet email and the field
    with pytest.raises(DomainError) as refused:
        services.resolve_incident(incident=incident, actor=actor, message="")
    assert refused.value.field == "unmet_comms_reason"
    assert "Customer email" in refused.value.message
    incident.refresh_from_db()
    assert incident.resolved_at is None
    # With a reason it resolves, and the reason is on the timeline
    services.resolve_incident(
        incident=incident, actor=actor, unmet_comms_reason="Email goes with the post-mortem."
    )
    incident.refresh_from_db()
    assert incident.status == "resolved"
    note = TimelineEntry.objects.get(
        incident=incident, kind=TimelineKind.NOTE, message__startswith="Resolved with comms unmet"
    )
    assert "Resolved with comms unmet: Customer email" in note.message
    assert "Reason: Email goes with the post-mortem." in note.message
    assert note.actor_label == "founder"


def test_seen_1_admin_resolve_of_sev1_shows_the_duties_and_needs_the_reason(
    client: Any, declare: Any, founder: Any
) -> None:
    client.force_login(founder)
    incident = _sev1(declare, founder)
    page = client.get(view_url("resolve", incident)).content.decode()
    assert 'id="closing-duties"' in page
    assert "Unmet: Customer email" in page
    assert "Unmet: Status page" in page
    assert "A post-mortem, due 5 business days after resolution." in page
    # Submitting without a reason re-renders the form with the error on the reason field
    response = client.post(view_url("resolve", incident), {"message": "All fixed.", "public": "on"})
    assert response.status_code == 200
    assert "The playbook still requires: Customer email" in response.content.decode()
    incident.refresh_from_db()
    assert incident.resolved_at is None
    response = client.post(
        view_url("resolve", incident),
        {"message": "All fixed.", "public": "on", "unmet_comms_reason": "Sent by hand from Gmail."},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert TimelineEntry.objects.filter(
        incident=incident, kind=TimelineKind.NOTE, message__contains="Sent by hand from Gmail."
    ).exists()


def test_seen_1_resolve_posts_a_public_closing_update_that_counts_as_status_page_comms(
    declare: Any, founder: Any
) -> None:
    actor = Actor.for_user(founder)
    incident = _sev1(declare, founder)
    services.record_comms_sent(
        incident=incident, actor=actor, channel=CommsChannel.EMAIL, summary="email"
    )
    services.resolve_incident(
        incident=incident, actor=actor, message="Payments work again.", public=True
    )
    update = StatusUpdate.objects.get(incident=incident, status="resolved")
    assert update.public is True
    status_page = Deadline.objects.get(
        incident=incident, kind=DeadlineKind.COMMS, channel=CommsChannel.STATUS_PAGE
    )
    assert status_page.met_at is not None


def test_seen_1_a_public_closing_update_needs_its_text(declare: Any, founder: Any) -> None:
    incident = _sev1(declare, founder)
    with pytest.raises(DomainError) as refused:
        services.resolve_incident(incident=incident, actor=Actor.for_user(founder), public=True)
    assert refused.value.field == "message"


def test_seen_1_a_closed_incident_shows_no_live_countdown(
    client: Any, declare: Any, founder: Any
) -> None:
    client.force_login(founder)
    actor = Actor.for_user(founder)
    incident = declare("SEV-3", title="Slow exports", actor=actor)  # no post-mortem: closes
    services.resolve_incident(incident=incident, actor=actor)
    incident.refresh_from_db()
    assert incident.status == "closed"
    page = client.get(change_url(incident)).content.decode()
    assert "data-due=" not in page
    assert "due in" not in page
    assert "Deadlines (closed: nothing running)" in page
    listing = client.get("/admin/incidents/incident/").content.decode()
    assert "due in" not in listing


def test_seen_1_closing_retires_the_deadlines_still_running(declare: Any, founder: Any) -> None:
    actor = Actor.for_user(founder)
    incident = _sev1(declare, founder)
    services.resolve_incident(incident=incident, actor=actor, unmet_comms_reason="test")
    services.close_incident(incident=incident, actor=actor, reason="done")
    incident.refresh_from_db()
    assert incident.next_deadline_at is None
    assert not Deadline.objects.filter(
        incident=incident,
        met_at__isnull=True,
        superseded_at__isnull=True,
        due_at__gt=timezone.now(),
    ).exists()


# --- What was seen 2: the Missed column reads backwards ------------------------------


def test_seen_2_deadline_icons_green_when_met_on_time_red_when_missed(
    declare: Any, founder: Any
) -> None:
    incident = _sev1(declare, founder)
    ack = Deadline.objects.get(incident=incident, kind=DeadlineKind.ACKNOWLEDGE)
    inline = DeadlineInline(Deadline, admin.site)
    assert inline.on_time(ack) is True  # met in time: green ✓
    missed = Deadline.objects.get(incident=incident, kind=DeadlineKind.RESOLVE)
    missed.due_at = timezone.now() - datetime.timedelta(minutes=3)
    assert inline.on_time(missed) is False  # missed: red ✗
    pending = Deadline.objects.get(
        incident=incident, kind=DeadlineKind.COMMS, channel=CommsChannel.EMAIL
    )
    assert inline.on_time(pending) is None  # still open: neither


# --- What was seen 6: a stock change form -----------------------------------------------


def test_seen_6_incident_page_is_a_cockpit_not_a_stock_change_form(
    client: Any, declare: Any, founder: Any
) -> None:
    client.force_login(founder)
    actor = Actor.for_user(founder)
    incident = declare(
        "SEV-2",
        title="Checkout returns 500",
        actor=actor,
        runbook_links=["https://runbooks.example/checkout"],
    )
    services.add_note(incident=incident, actor=actor, text="first note")
    services.add_note(incident=incident, actor=actor, text="second note")
    page = client.get(change_url(incident)).content.decode()
    assert "Change incident" not in page
    for part in (
        'id="cockpit-header"',
        'id="cockpit-severity"',
        'id="cockpit-status"',
        'id="cockpit-commander"',
        'id="cockpit-elapsed"',
        'id="cockpit-actions"',
        'id="cockpit-deadlines"',
        'id="cockpit-timeline"',
        'id="cockpit-roles"',
        'id="cockpit-updates"',
        'id="note-form"',
        'id="edit-facts"',
    ):
        assert part in page, part
    # The header comes before the editable facts; the facts are folded away
    assert page.index('id="cockpit-header"') < page.index('id="edit-facts"')
    assert '<details id="edit-facts">' in page
    # Timeline newest first
    assert page.index("second note") < page.index("first note")
    # Runbook links are links, and the edit box shows one per line, not raw JSON
    assert 'href="https://runbooks.example/checkout"' in page
    assert "[&quot;https://runbooks.example/checkout&quot;]" not in page
    assert ">[]<" not in page


def test_seen_6_note_box_writes_one_line_on_the_timeline(
    client: Any, declare: Any, founder: Any
) -> None:
    client.force_login(founder)
    incident = declare("SEV-2", actor=Actor.for_user(founder))
    response = client.post(view_url("note", incident), {"text": "DB failover started"})
    assert response.status_code == 302
    notes = TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.NOTE, actor=founder)
    entry = notes.get()
    assert entry.message == "DB failover started"
    assert entry.actor_label == "founder"
    client.post(view_url("note", incident), {"text": "   "})
    assert notes.count() == 1


def test_seen_6_closed_incident_has_no_save_buttons_and_no_open_actions(
    client: Any, declare: Any, founder: Any
) -> None:
    client.force_login(founder)
    actor = Actor.for_user(founder)
    incident = declare("SEV-3", actor=actor)
    services.resolve_incident(incident=incident, actor=actor)
    page = client.get(change_url(incident)).content.decode()
    assert 'name="_save"' not in page
    assert 'name="_continue"' not in page
    assert 'id="incident-resolve"' not in page
    assert 'id="incident-acknowledge"' not in page


def test_countdown_words_and_colour_agree() -> None:
    now = timezone.now()
    assert countdown_words(now + datetime.timedelta(minutes=12, seconds=5), now) == (
        "due in 12 min",
        False,
    )
    assert countdown_words(now - datetime.timedelta(minutes=3, seconds=5), now) == (
        "missed 3 min ago",
        True,
    )


def test_cockpit_countdown_class_matches_its_words(client: Any, declare: Any, founder: Any) -> None:
    client.force_login(founder)
    incident = declare("SEV-2", actor=Actor.for_user(founder))
    Deadline.objects.filter(incident=incident, kind=DeadlineKind.ACKNOWLEDGE).update(
        due_at=timezone.now() - datetime.timedelta(minutes=3, seconds=10)
    )
    page = client.get(change_url(incident)).content.decode()
    spans = re.findall(r'<span class="countdown (\w+)" data-due="[^"]+">([^<]+)</span>', page)
    assert spans
    for state, words in spans:
        assert (state == "missed") == words.startswith("missed"), (state, words)
        assert (state == "due") == words.startswith("due in"), (state, words)
    assert ("missed", "missed 3 min ago") in spans


def test_cockpit_page_query_count_does_not_grow_with_the_timeline(
    client: Any, declare: Any, founder: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(founder)
    actor = Actor.for_user(founder)
    incident = declare("SEV-2", actor=actor)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(change_url(incident))
    for n in range(15):
        services.add_note(incident=incident, actor=actor, text=f"note {n}")
        services.post_status_update(
            incident=incident, actor=actor, status="investigating", message=f"u{n}"
        )
    with CaptureQueriesContext(connection) as many:
        client.get(change_url(incident))
    assert len(many) == len(few), "\n".join(q["sql"][:150] for q in many.captured_queries)
