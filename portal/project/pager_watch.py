"""How late the pager's due work is: the oldest item each engine loop should have done.

A loop can beat while falling behind (a storm, a slow provider, a lock): its heartbeat
says it is alive, not that it keeps up. So `/api/health`, the operations board, the
metrics and the dead man's switch also read the age of the oldest due item per kind,
from the rows that know it:

- `opening`: an alert stored unopened (its incident not declared yet), since first seen;
- `escalation`: an active escalation whose next step is due, since that step's time;
- `personal`: a person's notification (SMS at +1, voice at +3…) due and not yet sent;
- `delivery`: an outbox message due (first send or retry) on an enabled channel.

Past `PAGER_LAG_SECONDS` the pager is late, and the health check answers 503 naming it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from incidents.integrations.models import Alert
from incidents.oncall.choices import EscalationStatus, PersonalNotificationStatus
from incidents.oncall.models import Escalation, PersonalNotification
from portal.notifications.choices import OutboxStatus
from portal.notifications.models import OutboxMessage

KINDS = ("opening", "escalation", "personal", "delivery")
WORDS = {
    "opening": "an alert waits to be opened",
    "escalation": "an escalation step waits to page",
    "personal": "a personal notification waits to be sent",
    "delivery": "a message waits to be delivered",
}


@dataclass(frozen=True)
class DueLag:
    seconds: dict[str, float | None]  # per kind; None: nothing due

    @property
    def worst(self) -> float:
        return max((s for s in self.seconds.values() if s is not None), default=0.0)

    def late(self, threshold: float | None = None) -> dict[str, float]:
        limit = settings.PAGER_LAG_SECONDS if threshold is None else threshold
        return {k: s for k, s in self.seconds.items() if s is not None and s > limit}

    @property
    def words(self) -> str:
        """What is late, in words ("" when nothing is)."""
        return "; ".join(f"{WORDS[k]} for {int(s)} s" for k, s in self.late().items())


def due_lag(now: datetime.datetime | None = None) -> DueLag:
    """Four indexed MIN() queries, whatever the backlog."""
    now = now or timezone.now()
    oldest = {
        "opening": Alert.objects.filter(opening=True).aggregate(at=Min("first_seen_at"))["at"],
        "escalation": Escalation.objects.filter(
            status=EscalationStatus.ACTIVE, next_step_at__lte=now
        ).aggregate(at=Min("next_step_at"))["at"],
        "personal": PersonalNotification.objects.filter(
            status=PersonalNotificationStatus.SCHEDULED, due_at__lte=now
        ).aggregate(at=Min("due_at"))["at"],
        "delivery": OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, next_attempt_at__lte=now
        )
        .exclude(channel__enabled=False)  # held on purpose until the channel is enabled
        .aggregate(at=Min("next_attempt_at"))["at"],
    }
    return DueLag(
        {
            kind: None if at is None else max(0.0, (now - at).total_seconds())
            for kind, at in oldest.items()
        }
    )
