"""Action-item reminders and the weekly pattern escalation, written to the outbox.

Each message carries a dedupe key, so a sweep that runs twice (or two workers at the
same time) sends each reminder once: the outbox writes nothing for a key it has seen.
"""

from __future__ import annotations

import datetime

from django.conf import settings

from portal.audit.scope import audited_service
from portal.kernel.actors import Actor
from portal.notifications.services import enqueue_notification
from postmortems.models import ActionItem
from postmortems.selectors import PatternReport, action_items_to_remind, founders, pattern_report


def reminder_days_before() -> int:
    return settings.POSTMORTEM_REMINDER_DAYS_BEFORE


def _link(item: ActionItem) -> str:
    base = settings.PORTAL_BASE_URL
    return f"{base}/admin/postmortems/actionitem/{item.pk}/change/"


@audited_service
def send_action_item_reminders(
    *, actor: Actor, today: datetime.date, days_before: int | None = None
) -> int:
    """Remind owners `days_before` days before the due date, and once after it passed.
    Returns how many reminders were considered (the outbox drops repeats)."""
    days_before = reminder_days_before() if days_before is None else days_before
    count = 0
    for item in action_items_to_remind(today=today, days_before=days_before):
        if item.due_date is None:  # excluded by the selector; keeps the type checker honest
            continue
        incident = item.postmortem.incident if item.postmortem else None
        where = f" ({incident.ref})" if incident else ""
        if item.due_date < today:
            kind, when = "overdue", f"was due {item.due_date:%Y-%m-%d}"
        else:
            kind, when = "due-soon", f"is due {item.due_date:%Y-%m-%d}"
        enqueue_notification(
            kind=f"action_item_{kind.replace('-', '_')}",
            subject=f"Action item {when}{where}: {item.description[:80]}",
            body=f"{item.description}\n\nStatus: {item.get_status_display()}\n"
            f"Ticket: {item.ticket_url or '-'}\n{_link(item)}",
            # The due date is in the key: a re-planned item is reminded again, once.
            dedupe_key=f"action-item:{item.pk}:{kind}:{item.due_date:%Y-%m-%d}",
            incident=incident,
            recipient_user=item.owner,
            data={
                "action_item": item.pk,
                "due_date": item.due_date.isoformat(),
                "sent_by": actor.label,
            },
        )
        count += 1
    return count


def pattern_report_text(report: PatternReport) -> str:
    lines = []
    if report.stalled:
        lines.append("Post-mortems whose action items never shipped (all open, all past due):")
        lines += [
            f"- {pm.incident.ref} {pm.incident.title} ({pm.action_items.count()} items)"
            for pm in report.stalled
        ]
    if report.repeat_root_causes:
        lines.append("Repeat root causes:")
        for group in report.repeat_root_causes:
            lines.append(
                "- " + ", ".join(pm.incident.ref for pm in group) + f": {group[0].root_cause[:120]}"
            )
    return "\n".join(lines)


@audited_service
def escalate_patterns(*, actor: Actor, today: datetime.date) -> int:
    """Send this week's pattern report to each founder, once per ISO week. Returns messages asked for."""
    report = pattern_report(today=today)
    if report.is_empty:
        return 0
    year, week, _ = today.isocalendar()
    body = pattern_report_text(report)
    sent = 0
    for user in founders():
        enqueue_notification(
            kind="postmortem_patterns",
            subject=f"Post-mortem patterns, week {year}-W{week:02d}: {len(report.stalled)} stalled, "
            f"{len(report.repeat_root_causes)} repeat root causes",
            body=body,
            dedupe_key=f"postmortem-patterns:{year}-W{week:02d}:user-{user.pk}",
            recipient_user=user,
            data={
                "stalled": [pm.incident.ref for pm in report.stalled],
                "repeats": [[pm.incident.ref for pm in g] for g in report.repeat_root_causes],
                "sent_by": actor.label,
            },
        )
        sent += 1
    return sent
