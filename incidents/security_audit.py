"""The weekly security audit's incident: the audit finds, the incidents core declares.

`portal.audit` records the week's anomalies as findings and knows nothing of incidents;
this module opens one incident (detection source `security_audit`) for the week's
severe findings, links them to it and tells the founders.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from incidents.models import Incident, SeverityLevel
from incidents.selectors import active_policy_version
from incidents.services import declare_incident
from portal.access.security_findings import (
    link_findings_to_incident,
    notify_founders_of_findings,
    record_security_findings,
)
from portal.audit.selectors import security_incident_of_week, severe_findings_without_incident
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError


def security_severity() -> SeverityLevel | None:
    """The level of a security incident: SECURITY_AUDIT_SEVERITY (a code) or the rank-2 level."""
    try:
        version = active_policy_version()
    except DomainError:  # no policy in force: the findings and notifications still stand
        return None
    levels = list(version.levels.order_by("rank"))
    wanted = settings.SECURITY_AUDIT_SEVERITY
    chosen = next((lv for lv in levels if lv.code == wanted), None) if wanted else None
    return chosen or next((lv for lv in levels if lv.rank == 2), levels[0] if levels else None)


def _week_incident(week_start: datetime.date, severe: list[Any], actor: Actor) -> Incident | None:
    existing: Incident | None = security_incident_of_week(week_start)
    if existing is not None:
        return existing
    level = security_severity()
    if level is None:
        return None
    lines = "\n".join(f"- {f.summary}" for f in severe)
    return declare_incident(
        actor=actor,
        title=f"Security audit: {len(severe)} severe finding(s), week of {week_start}",
        severity=level.code,
        summary=f"The weekly security audit flagged:\n{lines}",
        detection_source="security_audit",
        customer_facing=False,
    )


@transaction.atomic
def record_security_audit(*, week_start: datetime.date, actor: Actor) -> list[Any]:
    """Record the week's new findings, open one incident for the severe ones (also those
    an earlier `manage.py audit security` recorded) and notify the founders of the new
    ones. Idempotent per week: one incident a week, notifications deduplicated by key.
    Returns the new findings."""
    new = record_security_findings(week_start=week_start)
    severe = severe_findings_without_incident(week_start)
    incident = _week_incident(week_start, severe, actor) if severe else None
    if incident is not None:
        link_findings_to_incident(findings=severe, incident=incident, actor=actor)
    notify_founders_of_findings(week_start=week_start, findings=new, incident=incident)
    return new
