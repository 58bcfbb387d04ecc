"""What the pinned playbook still requires before an incident is resolved (issue 15).

A read: the resolve form shows it, and `resolve_incident` refuses to leave a
mandatory comms deadline unmet without a reason.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from incidents.choices import CommsChannel, DeadlineKind, Environment
from incidents.deadlines import open_deadlines
from incidents.models import Deadline, Incident


@dataclass(frozen=True)
class ClosingDuties:
    unmet_comms: list[Deadline] = field(default_factory=list)
    public_closing_update: bool = False
    postmortem_required: bool = False
    postmortem_due: str = ""

    @property
    def unmet_comms_text(self) -> str:
        return ", ".join(describe_deadline(d) for d in self.unmet_comms)


def describe_deadline(deadline: Deadline) -> str:
    due = f" (due {deadline.due_at:%H:%M} UTC)" if deadline.due_at else ""
    return f"{deadline.label}{due}"


def unmet_mandatory_comms(
    incident: Incident, at: datetime.datetime | None = None
) -> list[Deadline]:
    """Open customer-comms deadlines owed whatever the duration (or whose condition held).

    Internal announcements are not customer comms; "email if longer than 4 h" is
    owed only once it fell due; a requirement with no deadline ("banner") has no
    due time to miss.
    """
    at = at or timezone.now()
    return list(
        open_deadlines(incident)
        .filter(kind=DeadlineKind.COMMS)
        .exclude(channel=CommsChannel.INTERNAL)
        .filter(due_at__isnull=False)
        .filter(Q(condition_longer_than="") | Q(due_at__lte=at))
        .order_by("due_at", "id")
    )


def customers_can_see(incident: Incident) -> bool:
    """Shown on the public status page, so owed a public closing update."""
    return (
        not incident.is_drill
        and not incident.is_demo
        and incident.environment == Environment.PRODUCTION
        and incident.customer_facing
    )


def closing_duties(incident: Incident) -> ClosingDuties:
    level = incident.severity
    return ClosingDuties(
        unmet_comms=unmet_mandatory_comms(incident),
        public_closing_update=customers_can_see(incident),
        postmortem_required=level.postmortem_required,
        postmortem_due=level.postmortem_due or "",
    )
