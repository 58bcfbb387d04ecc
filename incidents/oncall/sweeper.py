"""The minute sweeper: due escalation steps and providers' follow-ups (replies to pages).

Missed deadlines are the incidents core's (`incidents/missed_deadlines.py`, task
`incidents.tasks.record_missed_deadlines`); outbox sends and retries are the
notifications app's (`portal.notifications.tasks.deliver_due_messages`).

Exactly once: each batch claims its rows (SELECT … FOR UPDATE SKIP LOCKED in primary
key order on PostgreSQL; on SQLite the IMMEDIATE transaction serialises writers) and
marks them in the same transaction as their pages, so a second sweeper skips them and
a sweeper that dies mid-batch rolls the whole batch back for the next run.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from incidents.oncall.paging import run_due_escalations
from portal.kernel.batches import batch_size, max_batches


def sweep(now: datetime.datetime | None = None) -> dict[str, Any]:
    """One pass over the due escalation steps (up to SWEEP_MAX_BATCHES batches; whatever
    is left waits for the next minute) and the due follow-ups of two-way providers."""
    now = now or timezone.now()
    size, result = batch_size(), {"pages": 0}
    for _ in range(max_batches()):
        run = run_due_escalations(now=now, limit=size)
        result["pages"] += run.pages
        # A full batch of escalations means more may be due, whether or not they paged.
        if run.escalations < size:
            break
    from incidents.oncall.personal import send_due_personal_notifications

    result["personal"] = sum(send_due_personal_notifications(now=now, limit=size).values())
    from portal.notifications.follow_up import poll_due  # imports the audit: not at load

    result["follow_ups"] = sum(poll_due(now, limit=size).values())
    return result
