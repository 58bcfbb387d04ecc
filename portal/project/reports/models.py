"""Who exported what: every export (admin, API, CLI, evidence pack) leaves a row.

The model also carries the `reports.export` permission that the Auditors role holds.
"""

from __future__ import annotations

from django.db import models


class ExportRecord(models.Model):
    name = models.CharField(max_length=40)
    fmt = models.CharField("format", max_length=8)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    actor_label = models.CharField(max_length=160)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("-at", "-id")
        default_permissions = ("view",)
        permissions = [("export", "Can export reports and evidence packs")]

    def __str__(self) -> str:
        return f"{self.name}.{self.fmt} {self.period_start}…{self.period_end} by {self.actor_label}"
