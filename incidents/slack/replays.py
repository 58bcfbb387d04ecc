"""Slack requests act once: a replay or retry within the signature window is recognised.

The key is the event's `event_id` for Events API deliveries (Slack's retries carry a new
timestamp and signature but the same id), else the request's signature, which is unique
per (timestamp, body): the same signed request sent again is the same request.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from incidents.slack.models import SlackRequestSeen

# Slack refuses signatures older than five minutes; a little more covers clock skew.
WINDOW = datetime.timedelta(minutes=10)


def request_key(request: HttpRequest, event_id: str = "") -> str:
    if event_id:
        return f"event:{event_id}"[:100]
    return f"sig:{request.headers.get('X-Slack-Signature', '')}"[:100]


def first_time(key: str) -> bool:
    """Record `key`; False if it was already seen within the window (a replay)."""
    now = timezone.now()
    SlackRequestSeen.objects.filter(seen_at__lt=now - WINDOW).delete()
    try:
        with transaction.atomic():
            SlackRequestSeen.objects.create(key=key, seen_at=now)
    except IntegrityError:
        return False
    return True
