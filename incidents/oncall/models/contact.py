"""A person's own contact methods, their notification rules, and the personal
notifications a page schedules from those rules (PagerDuty's notification rules,
GoAlert's contact methods, Grafana OnCall's personal notification steps)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from incidents.oncall.choices import ContactKind, PersonalNotificationStatus


class ContactMethod(models.Model):
    """One way to reach one person: a phone number for SMS or calls (E.164), an e-mail
    address, an ntfy topic URL, a Pushover user key, a Slack member ID, a Teams Workflows
    webhook URL. Used for pages once verified (a code sent to it and entered back, or the
    link in that message followed) and while enabled."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_methods"
    )
    kind = models.CharField(max_length=12, choices=ContactKind.choices)
    address = models.CharField(
        max_length=300,
        help_text="+15551230001 for SMS and voice; an address for email; "
        "https://ntfy.sh/<topic> for ntfy; the user key for Pushover; the member ID "
        "(U…) for Slack; the Workflows webhook URL for Teams.",
    )
    label = models.CharField(max_length=60, blank=True, help_text="e.g. 'Work phone'.")
    enabled = models.BooleanField(default=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    # The verification code, hashed (salted with the row); it expires and allows few tries.
    code_hash = models.CharField(max_length=128, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("user", "kind", "address")
        constraints = [
            models.UniqueConstraint(
                fields=("user", "kind", "address"), name="contact_method_unique"
            ),
        ]

    def __str__(self) -> str:
        name = self.label or self.get_kind_display()
        return f"{name} {self.masked_address()}"

    def masked_address(self) -> str:
        """Enough to recognise it (…0001, a…@example.com), not enough to use it."""
        value = self.address
        if self.kind in (ContactKind.SMS, ContactKind.VOICE):
            return f"…{value[-4:]}"
        if self.kind == ContactKind.EMAIL and "@" in value:
            local, _, domain = value.partition("@")
            return f"{local[:1]}…@{domain}"
        return f"{value[:12]}…" if len(value) > 14 else value

    @property
    def usable(self) -> bool:
        return self.enabled and self.verified_at is not None


class NotificationRule(models.Model):
    """Notify this person on `contact_method` `delay_minutes` after a page to them, if it
    is still unacknowledged (e.g. push at 0, SMS at 1, voice at 3)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_rules"
    )
    contact_method = models.ForeignKey(
        ContactMethod, on_delete=models.CASCADE, related_name="rules"
    )
    delay_minutes = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("user", "delay_minutes", "contact_method")
        constraints = [
            models.UniqueConstraint(
                fields=("contact_method", "delay_minutes"), name="notification_rule_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_method} after {self.delay_minutes} min"


class PersonalNotification(models.Model):
    """One notification a page scheduled from its person's rules (or the fallback when
    they have none): due at `due_at`, sent only if the page is still wanted then."""

    page = models.ForeignKey("oncall.Page", on_delete=models.CASCADE, related_name="notifications")
    contact_method = models.ForeignKey(
        ContactMethod, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delay_minutes = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=14,
        choices=PersonalNotificationStatus.choices,
        default=PersonalNotificationStatus.SCHEDULED,
    )
    message = models.ForeignKey(
        "notifications.OutboxMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("page", "due_at", "id")
        indexes = [
            models.Index(
                fields=("due_at",),
                name="personal_notification_due",
                condition=models.Q(status="scheduled"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.page} via {self.contact_method} at +{self.delay_minutes} min"
