"""Exports: every name and format, the API's errors, permissions, and the CLI."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from portal.project.reports.exporters import EXPORTERS
from portal.project.reports.models import ExportRecord

URL = "/api/v1/exports/{}/?from=2026-03-01&to=2026-03-31&format={}"


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("name", sorted(EXPORTERS))
def test_every_export_streams_as_csv_json_and_xlsx(api: Any, history: Any, name: str) -> None:
    for fmt in ("csv", "json", "xlsx"):
        response = api.get(URL.format(name, fmt))
        assert response.status_code == 200, response.content
        assert (
            response["Content-Disposition"]
            == f'attachment; filename="{name}_2026-03-01_2026-03-31.{fmt}"'
        )
        body = _body(response)
        if fmt == "csv":
            header = next(csv.reader(io.StringIO(body.decode())))
            assert tuple(header) == EXPORTERS[name].columns
        elif fmt == "json":
            assert isinstance(json.loads(body), list)
        else:
            assert body[:2] == b"PK"


def test_incident_register_has_every_incident_of_the_period(api: Any, history: Any) -> None:
    rows = list(
        csv.DictReader(io.StringIO(_body(api.get(URL.format("incident-register", "csv"))).decode()))
    )
    # The register is complete: drills and cancelled incidents are in it, flagged
    assert [r["title"] for r in rows] == [
        "Checkout down",
        "Slow search",
        "Emails delayed",
        "Game day",
        "False alarm",
    ]
    first = rows[0]
    assert first["severity"] == "SEV-1"
    assert first["declared_at"] == "2026-03-02T09:00:00Z"
    assert first["tta_seconds"] == "600"
    assert first["ttr_seconds"] == "3600"
    assert rows[3]["is_drill"] == "true"


def test_json_rows_are_objects_with_the_columns(api: Any, history: Any) -> None:
    data = json.loads(_body(api.get(URL.format("deadline-compliance", "json"))))
    assert data
    assert list(data[0]) == list(EXPORTERS["deadline-compliance"].columns)
    assert {row["outcome"] for row in data} <= {"met", "missed", "open", "waived", "superseded"}


def test_export_is_recorded(api: Any, history: Any) -> None:
    api.get(URL.format("audit-log", "csv"))
    record = ExportRecord.objects.get()
    assert (record.name, record.fmt, record.actor_label) == (
        "audit-log",
        "csv",
        "founder (token test)",
    )


def test_bad_name_is_404_and_bad_inputs_are_400_naming_the_field(api: Any, db: Any) -> None:
    assert api.get(URL.format("nope", "csv")).status_code == 404
    bad_format = api.get(URL.format("drills", "pdf"))
    assert bad_format.status_code == 400
    assert "format" in bad_format.json()
    bad_date = api.get("/api/v1/exports/drills/?from=2026-02-30")
    assert bad_date.status_code == 400
    assert "from" in bad_date.json()
    reversed_ = api.get("/api/v1/exports/drills/?from=2026-04-01&to=2026-03-01")
    assert reversed_.status_code == 400
    assert "from" in reversed_.json()
    assert not ExportRecord.objects.exists()


def test_exports_need_the_export_permission(
    db: Any, responder: Any, make_token: Any, django_user_model: Any
) -> None:
    from django.apps import apps

    from portal.audit.roles import setup_roles

    setup_roles(apps)
    _, key = make_token(responder)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(URL.format("drills", "csv")).status_code == 403
    auditor = django_user_model.objects.create_user("aud", "a@example.com", "pw-aud-12345")
    auditor.groups.add(apps.get_model("auth", "Group").objects.get(name="Auditors"))
    _, key = make_token(auditor, read_only=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(URL.format("drills", "csv")).status_code == 200
    assert APIClient().get(URL.format("drills", "csv")).status_code == 401


def test_cli_export_writes_a_file(history: Any, tmp_path: Any) -> None:
    out = tmp_path / "register.csv"
    call_command(
        "export",
        "incident-register",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert out.read_text().splitlines()[0].startswith("ref,title,severity")
    assert len(out.read_text().splitlines()) == 6


def test_cli_bad_date_is_one_line_naming_the_field(db: Any) -> None:
    with pytest.raises(CommandError, match=r"^from: not a date"):
        call_command("export", "drills", "--from", "yesterday")


def test_project_wide_commands_live_on_the_top_floor() -> None:
    from django.core.management import get_commands

    # Every auditor export is the reports app's; every app's schedules, the project's.
    commands = get_commands()
    assert commands["export"] == "portal.project.reports"
    assert commands["setup_schedules"] == "portal.project"


@pytest.mark.parametrize("name", sorted(EXPORTERS))
def test_a_period_to_the_end_of_the_calendar_is_refused_naming_the_field(
    api: Any, history: Any, name: str
) -> None:
    """Issue 24: 0001-01-01 to 9999-12-31 broke the register mid-stream (the day after
    9999-12-31 does not exist); a period the portal cannot hold is a 400 on `to`."""
    response = api.get(f"/api/v1/exports/{name}/?from=0001-01-01&to=9999-12-31&format=csv")
    assert response.status_code == 400, response
    assert "to" in response.json(), response.json()


@pytest.mark.parametrize("name", sorted(EXPORTERS))
def test_a_long_export_streams_to_its_end(api: Any, history: Any, name: str) -> None:
    """From the first day the portal accepts to the last, every register ends cleanly."""
    import datetime

    last = (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=365)).isoformat()
    response = api.get(f"/api/v1/exports/{name}/?from=1970-01-01&to={last}&format=csv")
    assert response.status_code == 200, response.content
    body = _body(response).decode()
    assert body.endswith("\n")
    assert next(csv.reader(io.StringIO(body))) == list(EXPORTERS[name].columns)
