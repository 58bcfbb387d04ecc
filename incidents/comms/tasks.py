"""Recurring comms housekeeping (django-q2)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from incidents.comms.models import Subscriber

UNCONFIRMED_KEEP = datetime.timedelta(days=30)

SCHEDULES = [
    {
        "name": "comms-purge-unconfirmed-subscribers",
        "func": "incidents.comms.tasks.purge_unconfirmed_subscribers",
        "schedule_type": "D",
    },
]


@transaction.atomic
def purge_unconfirmed_subscribers() -> int:
    """Forget addresses that never confirmed within 30 days (idempotent)."""
    cutoff = timezone.now() - UNCONFIRMED_KEEP
    deleted, _ = Subscriber.objects.filter(
        confirmed_at__isnull=True, created_at__lt=cutoff
    ).delete()
    return deleted
