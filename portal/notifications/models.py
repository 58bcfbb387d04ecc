"""Notification channels, severity routing rules and the outbox (SPEC §5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.notifications import providers
from portal.notifications.choices import Audience, DeliveryState, OutboxStatus


class NotificationChannel(models.Model):
    """Where messages go: a provider's kind (`portal/notifications/providers/`) and its
    target (an apprise URL, an ntfy topic URL, an e-mail address; blank for the console)."""

    name = models.CharField(
        max_length=80, unique=True, help_text="e.g. '#errors' or 'Founder email'."
    )
    kind = models.CharField(max_length=10, choices=providers.kind_choices)
    target = models.CharField(
        max_length=500,
        blank=True,
        help_text="An apprise URL (e.g. discord://webhook_id/webhook_token, json://host/path), "
        "or an email address for the email kind; blank for console.",
    )
    enabled = models.BooleanField(
        default=True, help_text="Disabled channels keep their messages pending."
    )
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class NotificationRoute(models.Model):
    """Internal notifications of incidents of severity `level_code` go to `channel`.

    By level code (not by policy version) so that the routing survives a new policy
    version; `*` matches every level.
    """

    level_code = models.CharField(
        max_length=20, help_text="A severity code (S1, SEV-2…) or * for all."
    )
    channel = models.ForeignKey(
        NotificationChannel, on_delete=models.CASCADE, related_name="routes"
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ("level_code", "channel__name")
        constraints = [
            models.UniqueConstraint(fields=("level_code", "channel"), name="routing_rule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.level_code} → {self.channel}"


class OutboxMessage(models.Model):
    """One message to one destination, written in the transaction that caused it
    and delivered by the worker (`tasks.deliver_outbox_message`)."""

    kind = models.CharField(max_length=40, help_text="What it is about: page, deadline_missed…")
    channel = models.ForeignKey(
        NotificationChannel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    recipient = models.CharField(
        max_length=300, blank=True, help_text="The address without a channel: e-mail, phone…"
    )
    # Which provider carries a message that has no channel (a person's own contact
    # method: "phone_sms", "phone_call"…); blank: e-mail to `recipient`, or the console.
    provider_kind = models.CharField(max_length=20, blank=True)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.INTERNAL)
    # `destination` makes the idempotency key concrete: "channel:<id>" or "email:<address>".
    destination = models.CharField(max_length=300)
    dedupe_key = models.CharField(max_length=255)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="outbox"
    )
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # The provider's id for the message (a receipt, a message or call SID); for a
    # two-way provider `follow_up_at` is when to check it for the reply, null once closed.
    provider_ref = models.CharField(max_length=64, blank=True)
    follow_up_at = models.DateTimeField(null=True, blank=True)
    # What the carrier said after accepting it (status callbacks: delivered, undelivered,
    # answered…), or "summarised" when the per-number limit folded it into a summary.
    delivery_state = models.CharField(max_length=12, choices=DeliveryState.choices, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("dedupe_key", "destination"), name="outbox_dedupe_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=("next_attempt_at",),
                name="outbox_due",
                condition=models.Q(status__in=("pending", "sending")),
            ),
            # The engine's follow-up poll, every cycle.
            models.Index(
                fields=("follow_up_at",),
                name="outbox_follow_up_due",
                condition=models.Q(follow_up_at__isnull=False),
            ),
            # Carriers' webhooks (delivery status, a call's key pressed) find their message.
            models.Index(
                fields=("provider_ref",),
                name="outbox_provider_ref",
                condition=~models.Q(provider_ref=""),
            ),
            # The per-number SMS limit counts a phone's texts of the last minute.
            models.Index(
                fields=("recipient", "sent_at"),
                name="outbox_recipient_recent",
                condition=~models.Q(provider_kind=""),
            ),
            # The engine's "stuck in sending" check, every cycle.
            models.Index(
                fields=("sending_since",),
                name="outbox_sending",
                condition=models.Q(status="sending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject[:60]} → {self.destination} ({self.status})"
