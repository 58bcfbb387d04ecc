"""Choices of the notification outbox (channel kinds are the providers:
`portal/notifications/providers/`)."""

from django.db import models


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"
    SANDBOXED = "sandboxed", "Sandboxed (drill, never sent)"
    CANCELLED = "cancelled", "Not sent: no longer wanted (acknowledged or closed first)"


class Audience(models.TextChoices):
    """Who a message is for: the outbox routes by it, comms templates are written for it."""

    INTERNAL = "internal", "Internal (responders)"
    CUSTOMER = "customer", "Customer"
