"""Choices of the notification outbox."""

from django.db import models


class ChannelKind(models.TextChoices):
    SLACK = "slack", "Slack"
    DISCORD = "discord", "Discord"
    MSTEAMS = "msteams", "Microsoft Teams (Power Automate workflows://)"
    NTFY = "ntfy", "ntfy (push to phones, with an Acknowledge button)"
    PUSHOVER = "pushover", "Pushover (pages at emergency priority; its receipt acknowledges)"
    EMAIL = "email", "Email (Django email backend)"
    WEBHOOK = "webhook", "Generic JSON webhook"
    SMS = "sms", "SMS (through a provider)"
    CONSOLE = "console", "Console (worker log)"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"
    SANDBOXED = "sandboxed", "Sandboxed (drill, never sent)"


class Audience(models.TextChoices):
    """Who a message is for: the outbox routes by it, comms templates are written for it."""

    INTERNAL = "internal", "Internal (responders)"
    CUSTOMER = "customer", "Customer"
