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


class DeliveryState(models.TextChoices):
    """What the carrier last said about a message it accepted (its status callbacks),
    provider-neutral; blank for providers that report nothing after accepting."""

    ACCEPTED = "accepted", "Accepted by the carrier"
    SENT = "sent", "Sent to the phone network"
    RINGING = "ringing", "Ringing"
    DELIVERED = "delivered", "Delivered to the phone"
    ANSWERED = "answered", "Answered"
    COMPLETED = "completed", "Call ended"
    UNDELIVERED = "undelivered", "Not delivered"
    FAILED = "failed", "Failed at the carrier"
    BUSY = "busy", "Busy"
    NO_ANSWER = "no_answer", "Not answered"
    CANCELED = "canceled", "Canceled"
    SUMMARISED = "summarised", "Summarised (over the per-number limit)"
