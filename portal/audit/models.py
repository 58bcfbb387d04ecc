"""The tamper-evident audit log, login attempts and security findings (SPEC §10).

Audit entries are append-only: the admin offers no change or delete, and a database
trigger refuses DELETE (PostgreSQL) and any UPDATE except the one that seals an entry.

Writers never wait on each other: a service inserts its entry unsealed (`seq` empty),
its order given by the id sequence inside the business transaction. The sealer
(`portal.audit.sealing`) then links committed entries into the hash chain in batches,
in the order it sees them commit: it alone locks the chain head. Each sealed entry's
`hash` covers its content, its `seq` and the previous entry's hash, so altering,
removing or reordering a sealed row breaks the chain, which `manage.py audit verify`
detects; a cut tail is detected against a head kept outside the database
(`audit verify --expect COUNT:HASH`).
"""

from __future__ import annotations

from django.db import models

from portal.audit.choices import AuditAction, FindingKind, FindingSeverity


class AuditChainHead(models.Model):
    """The end of the sealed chain. Only the sealer locks it, outside business transactions."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"chain head #{self.last_seq}"


class AuditEntry(models.Model):
    # Plain ids, not foreign keys: deleting a user must not rewrite (SET NULL) history.
    # Empty until sealed: the position in the hash chain, given by the sealer.
    seq = models.PositiveBigIntegerField(unique=True, null=True, blank=True, editable=False)
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
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ("-id",)
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=("object_type", "object_id"), name="audit_object"),
            # The sealer's work list: the few entries not yet in the chain.
            models.Index(
                fields=("id",), condition=models.Q(seq__isnull=True), name="audit_unsealed"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq or '-'} {self.at:%Y-%m-%d %H:%M:%S}Z {self.actor_label} {self.action} {self.object_type}"


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
