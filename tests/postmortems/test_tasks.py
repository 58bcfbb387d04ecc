"""Reminders before and after due dates (once each), the weekly pattern escalation, SCHEDULES."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine

from portal.notifications.models import OutboxMessage
from postmortems import reminders, services, tasks

UTC = datetime.UTC
TODAY = datetime.date(2026, 3, 16)


def _item(actor: Any, owner: Any, description: str, due: datetime.date, pm: Any = None) -> Any:
    return services.create_action_item(
        actor=actor, postmortem=pm, description=description, owner=owner, due_date=due
    )


def test_reminders_before_and_after_the_due_date_are_sent_once(
    policy: Any, founder_actor: Any, founder: Any, system: Any
) -> None:
    soon = _item(founder_actor, founder, "Due in two days", TODAY + datetime.timedelta(days=2))
    late = _item(founder_actor, founder, "Due yesterday", TODAY - datetime.timedelta(days=1))
    _item(founder_actor, founder, "Due next month", TODAY + datetime.timedelta(days=30))
    done = _item(founder_actor, founder, "Done already", TODAY - datetime.timedelta(days=3))
    services.update_action_item(item=done, actor=founder_actor, changes={"status": "done"})
    # When the sweep runs twice the same day, and again the next day
    for _ in range(2):
        reminders.send_action_item_reminders(actor=system, today=TODAY)
    reminders.send_action_item_reminders(actor=system, today=TODAY + datetime.timedelta(days=1))
    # Then each item got one "due soon" and one "overdue" message at most, to its owner
    rows = OutboxMessage.objects.order_by("id")
    assert sorted((m.kind, m.data["action_item"]) for m in rows) == sorted(
        [("action_item_due_soon", soon.pk), ("action_item_overdue", late.pk)]
    )
    assert all(m.recipient_user_id == founder.pk for m in rows)
    assert "Due yesterday" in rows.get(kind="action_item_overdue").subject
    # Once its due date passes, the "due soon" item gets its one overdue reminder too
    reminders.send_action_item_reminders(actor=system, today=TODAY + datetime.timedelta(days=3))
    assert OutboxMessage.objects.filter(kind="action_item_overdue").count() == 2


def test_reminder_window_follows_the_setting(
    db: Any, founder_actor: Any, founder: Any, system: Any, settings: Any
) -> None:
    settings.POSTMORTEM_REMINDER_DAYS_BEFORE = 5
    _item(founder_actor, founder, "Due in five days", TODAY + datetime.timedelta(days=5))
    reminders.send_action_item_reminders(actor=system, today=TODAY)
    assert OutboxMessage.objects.filter(kind="action_item_due_soon").count() == 1


def test_weekly_escalation_to_founders_once_per_week(
    policy: Any, resolve_at: Any, founder_actor: Any, founder: Any, system: Any
) -> None:
    pm = resolve_at("SEV-1").postmortem
    _item(founder_actor, founder, "Never shipped", datetime.date(2026, 3, 10), pm=pm)
    for _ in range(2):
        assert reminders.escalate_patterns(actor=system, today=TODAY) == 1
    message = OutboxMessage.objects.get(kind="postmortem_patterns")
    assert message.recipient_user_id == founder.pk
    assert pm.incident.ref in message.body
    assert "never shipped" in message.body


def test_no_escalation_when_there_is_no_pattern(db: Any, founder: Any, system: Any) -> None:
    assert reminders.escalate_patterns(actor=system, today=TODAY) == 0
    assert not OutboxMessage.objects.exists()


def test_tasks_are_scheduled(db: Any) -> None:
    names = {s["name"]: s for s in tasks.SCHEDULES}
    assert (
        names["postmortems-action-item-reminders"]["func"]
        == "postmortems.tasks.remind_action_items"
    )
    assert names["postmortems-weekly-patterns"]["cron"] == "0 8 * * 1"
    with time_machine.travel(datetime.datetime(2026, 3, 16, 8, tzinfo=UTC), tick=False):
        assert tasks.remind_action_items() == 0
        assert tasks.escalate_patterns() == 0
