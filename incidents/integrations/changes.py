"""Recent changes (PagerDuty change events) and their link to incidents declared after them."""

from __future__ import annotations

import datetime

from django.utils import timezone

from incidents.integrations.formats import ChangeEventData
from incidents.integrations.models import ChangeEvent, IncidentChange, Integration
from incidents.models import Incident
from portal.audit.scope import audited_service
from portal.audit.services import prepare_created, record_entries
from portal.kernel.actors import Actor

RECENT_CHANGES_WINDOW = datetime.timedelta(hours=24)
RECENT_CHANGES_SHOWN = 10


@audited_service
def record_change(*, integration: Integration, change: ChangeEventData) -> ChangeEvent:
    """Store a sender's change event. Change events are ingested data, not audited (as alerts)."""
    now = timezone.now()
    return ChangeEvent.objects.create(
        integration=integration,
        summary=change.summary,
        source=change.source,
        happened_at=min(change.happened_at or now, now),
        received_at=now,
        custom_details=change.custom_details,
        links=change.links,
    )


def link_recent_changes(incident: Incident, actor: Actor) -> None:
    """Hook on declared: the last changes before the declaration, shown on the incident page."""
    since = incident.declared_at - RECENT_CHANGES_WINDOW
    # The rows themselves, not only their ids: each link's audit entry names its change.
    changes = list(
        ChangeEvent.objects.filter(happened_at__gte=since, happened_at__lte=incident.declared_at)
        .order_by("-happened_at", "-id")
        .only("id", "summary")[:RECENT_CHANGES_SHOWN]
    )
    if not changes:
        return
    links = IncidentChange.objects.bulk_create(
        [IncidentChange(incident=incident, change=change) for change in changes]
    )
    record_entries([prepare_created(actor, link) for link in links])
