"""Exports are recorded with the actor of their door; the record is its own audit trail."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from portal.audit.models import AuditEntry
from portal.project.reports.models import ExportRecord


def test_cli_export_is_recorded_as_cli_without_an_audit_entry(db: Any, tmp_path: Any) -> None:
    call_command(
        "export",
        "incident-register",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--out",
        str(tmp_path / "register.csv"),
        stderr=StringIO(),
    )
    record = ExportRecord.objects.get()
    assert (record.name, record.actor_label, record.actor_user_id) == (
        "incident-register",
        "cli",
        None,
    )
    assert not AuditEntry.objects.filter(object_type="reports.exportrecord").exists()


def test_admin_export_is_recorded_as_the_logged_in_user(admin_client: Any, admin_user: Any) -> None:
    from django.urls import reverse

    response = admin_client.get(
        reverse("admin:reports_exports"),
        {"name": "incident-register", "fmt": "csv", "start": "2026-03-01", "end": "2026-03-31"},
    )
    assert response.status_code == 200
    b"".join(response.streaming_content)
    record = ExportRecord.objects.get()
    assert (record.actor_label, record.actor_user_id) == (admin_user.username, admin_user.pk)
