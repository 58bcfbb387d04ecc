"""Writes of the reports app: the record of who exported what.

An `ExportRecord` is itself the audit record of an export (with its actor); the
`reports` app is not in the audit log's apps, so no audit entry doubles it.
"""

from __future__ import annotations

from django.utils import timezone

from portal.audit.scope import audited_service
from portal.kernel.actors import Actor
from portal.project.reports.models import ExportRecord
from portal.project.reports.periods import Period


@audited_service
def record_export(*, name: str, fmt: str, period: Period, actor: Actor) -> ExportRecord:
    """One row per export (admin, API, CLI, evidence pack); written before streaming starts."""
    record = ExportRecord(
        name=name,
        fmt=fmt,
        period_start=period.first_day,
        period_end=period.last_day,
        actor_label=actor.label[:160],
        actor_user_id=actor.user_id,
        at=timezone.now(),
    )
    record.full_clean()
    record.save()
    return record
