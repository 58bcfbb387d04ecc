"""Demo rows: fill the draft post-mortem of the demo's resolved checkout incident (idempotent)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from portal.kernel.actors import Actor
from postmortems import services
from postmortems.models import PostMortem


@transaction.atomic
def load_demo(*, actor: Actor) -> None:
    pm = (
        PostMortem.objects.filter(
            incident__title="Card payments failing at checkout", root_cause=""
        )
        .select_related("incident")
        .first()
    )
    if pm is None or pm.is_published:
        return
    services.update_postmortem(
        postmortem=pm,
        actor=actor,
        changes={
            "summary": "A deploy changed how webhook signatures were checked; renewals failed for 40 minutes.",
            "root_cause": "The webhook receiver compared signatures against the re-serialised body, "
            "not the raw bytes, so every Stripe event was rejected with a 500.",
            "contributing_causes": "No contract test with a signed sample event; the deploy went out "
            "on a Friday evening with nobody watching the error tracker.",
            "what_worked": "The error tracker alerted within 3 minutes; rollback took 5.",
            "what_didnt": "Renewals had to be replayed by hand; the status page went up late.",
            "customer_impact_summary": "Renewals of 37 customers were delayed by up to 2 hours.",
            "customers_affected": 37,
        },
    )
    if not pm.action_items.exists():
        services.create_action_item(
            actor=actor,
            postmortem=pm,
            description="Add a contract test that replays a signed Stripe sample event.",
            owner=actor.user,
            due_date=timezone.now().date() + datetime.timedelta(days=14),
            ticket_url="https://example.com/tickets/OPS-1",
        )
