"""The tamper-evident audit log, login attempts and security findings (SPEC §10).

Audit entries are append-only: the admin offers no change or delete, and a database
trigger (migration 0002) refuses UPDATE (and DELETE on PostgreSQL). Each entry's
`hash` covers its content and the previous entry's hash, so altering or removing a
row breaks the chain, which `manage.py audit verify` detects.
"""

from __future__ import annotations

from django.db import models

from portal.audit.choices import AuditAction, FindingKind, FindingSeverity


class AuditChainHead(models.Model):
    """The single row every writer locks: the serialisation point of the hash chain."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"chain head #{self.last_seq}"


class AuditEntry(models.Model):
    # Plain ids, not foreign keys: deleting a user must not rewrite (SET NULL) history.
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(db_index=True)
    actor_label = models.CharField(max_length=160)
    actor_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_token_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=15, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, db_index=True, help_text="app_label.model")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ("-seq",)
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=("object_type", "object_id"), name="audit_object")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S}Z {self.actor_label} {self.action} {self.object_type}"


class LoginAttempt(models.Model):
    """Every admin login, failed or not: the security audit's raw material."""

    at = models.DateTimeField(db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    succeeded = models.BooleanField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ("-at", "-id")

    def __str__(self) -> str:
        return f"{self.username} {'ok' if self.succeeded else 'failed'} {self.at:%Y-%m-%d %H:%M}Z"


class SecurityFinding(models.Model):
    """An anomaly found by the weekly security audit; unique per week and fingerprint."""

    week_start = models.DateField(db_index=True)
    kind = models.CharField(max_length=20, choices=FindingKind.choices)
    severity = models.CharField(max_length=10, choices=FindingSeverity.choices)
    fingerprint = models.CharField(max_length=200)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-week_start", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("week_start", "fingerprint"), name="finding_once_per_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.week_start} {self.get_kind_display()}: {self.summary}"
