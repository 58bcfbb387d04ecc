"""Comms templates, sent messages and status-page subscribers (SPEC §7)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from incidents.choices import CommsChannel
from incidents.comms.choices import MessageState, TemplateKind
from incidents.comms.placeholders import validate_text
from incidents.models import Incident, PolicyVersion
from portal.notifications.choices import Audience


class CommsTemplate(models.Model):
    """Text with `{placeholders}` for one kind of message, per policy version or global."""

    policy_version = models.ForeignKey(
        PolicyVersion,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comms_templates",
        help_text="Blank = offered for every policy.",
    )
    key = models.SlugField(max_length=80, help_text="Stable name, used when a preset is reloaded.")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=30, choices=TemplateKind.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.CUSTOMER)
    severity_codes = models.CharField(
        max_length=60, blank=True, help_text="Comma-separated levels it is meant for (blank = any)."
    )
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    source = models.CharField(max_length=200, blank=True, help_text="Where the wording comes from.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("kind", "name")
        constraints = [
            models.UniqueConstraint(
                fields=("policy_version", "key"),
                name="comms_template_key_per_version",
                condition=models.Q(policy_version__isnull=False),
            ),
            models.UniqueConstraint(
                fields=("key",),
                name="comms_template_key_global",
                condition=models.Q(policy_version__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        customer = self.audience == Audience.CUSTOMER
        errors: dict[str, list[str]] = {}
        for field in ("subject", "body"):
            try:
                validate_text(getattr(self, field), field=field, customer_facing=customer)
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)


class CommsMessage(models.Model):
    """One message that went out (or was sandboxed during a drill)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="comms_messages")
    channel = models.CharField(max_length=20, choices=CommsChannel.choices)
    template = models.ForeignKey(
        CommsTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    kind = models.CharField(max_length=30, choices=TemplateKind.choices, blank=True)
    announced_status = models.CharField(
        max_length=15, blank=True, help_text="Status shown with it on the status page."
    )
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    state = models.CharField(max_length=10, choices=MessageState.choices)
    public = models.BooleanField(default=False, help_text="Shown on the public status page.")
    extra_recipients = models.JSONField(default=list, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    idempotency_key = models.UUIDField(unique=True, help_text="One send per compose form.")
    sent_at = models.DateTimeField(db_index=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=120)

    class Meta:
        ordering = ("incident", "sent_at", "id")
        indexes = [models.Index(fields=("public", "sent_at"), name="comms_message_public_sent")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {(self.subject or self.body)[:60]}"


class Subscriber(models.Model):
    """An email address that asked for status-page updates (double opt-in)."""

    email = models.EmailField(unique=True, help_text="Stored lower-case.")
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("email",)

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None
