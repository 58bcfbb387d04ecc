"""The weekly security audit's findings: found in the audit log, recorded, and sent to
the founders. Kept apart from the chain writer (`portal.audit.services`), which only
appends entries: whether a finding becomes an incident is the incidents app's decision
(`incidents.security_audit`, the weekly task).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.audit.anomalies import find_anomalies
from portal.audit.hashing import json_safe
from portal.audit.models import SecurityFinding
from portal.audit.roles import active_founders
from portal.audit.sealing import locked_head
from portal.audit.services import record_bulk_update
from portal.kernel.actors import Actor
from portal.notifications.services import enqueue_notification


@transaction.atomic
def record_security_findings(*, week_start: datetime.date) -> list[Any]:
    """Record the week's anomalies as findings; returns the new ones.

    Idempotent per week: findings are unique per (week, fingerprint). Two runs at once
    serialise on the audit chain head: a weekly job may delay sealing by a moment, and
    no business write waits on that row. The audit only finds: whether a finding
    becomes an incident is the incidents app's decision (`incidents.security_audit`).
    """
    locked_head()  # two runs at once: the second waits, then finds the findings made
    known = set(
        SecurityFinding.objects.filter(week_start=week_start).values_list("fingerprint", flat=True)
    )
    now = timezone.now()
    return [
        SecurityFinding.objects.create(
            week_start=week_start,
            kind=a.kind,
            severity=a.severity,
            fingerprint=a.fingerprint[:200],
            summary=a.summary[:300],
            data=json_safe(a.data),
            created_at=now,
        )
        for a in find_anomalies(week_start)
        if a.fingerprint[:200] not in known
    ]


def link_findings_to_incident(*, findings: Sequence[Any], incident: Any, actor: Actor) -> None:
    """Point `findings` at the incident opened for them (shown on the finding), with an
    audit entry per finding naming who opened it."""
    rows = SecurityFinding.objects.filter(pk__in=[f.pk for f in findings]).order_by("pk")
    record_bulk_update(
        actor,
        SecurityFinding,
        [(f.pk, f.summary[:200], {"incident": f.incident_id}) for f in rows],
        {"incident": incident.pk},
    )
    rows.update(incident=incident)


def notify_founders_of_findings(
    *, week_start: datetime.date, findings: Sequence[Any], incident: Any = None
) -> None:
    """One outbox message per founder listing `findings` (and the incident opened for
    them, if any); deduplicated per week and finding, so a rerun sends nothing again."""
    if not findings:
        return
    body = "\n".join(f"[{f.severity}] {f.summary}" for f in findings)
    if incident is not None:
        body += f"\n\nIncident opened: {incident.ref}"
    for founder in active_founders():
        enqueue_notification(
            kind="security_audit",
            subject=f"Security audit, week of {week_start}: {len(findings)} new finding(s)",
            body=body,
            dedupe_key=f"security-audit:{week_start}:{founder.pk}:{findings[0].fingerprint}"[:255],
            incident=incident,
            recipient_user=founder,
            data={"findings": [f.pk for f in findings]},
        )


@transaction.atomic
def audit_security_week(*, week_start: datetime.date) -> list[Any]:
    """Find the week's new anomalies and tell the founders (`manage.py audit security`).
    The weekly task (`incidents.tasks.run_security_audit`) also opens an incident for
    severe ones, including ones this recorded earlier."""
    findings = record_security_findings(week_start=week_start)
    notify_founders_of_findings(week_start=week_start, findings=findings)
    return findings
