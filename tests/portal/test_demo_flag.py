"""Issue 15, seen 3: demo data only when asked; demo incidents never public, never paging."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from incidents.comms.status_page import public_incidents
from incidents.models import Incident
from incidents.oncall.models import Page

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_seen_3_make_run_loads_demo_data_only_with_demo_1() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "manage.py demo $(if $(filter 1 yes true,$(DEMO)),,--login-only)" in makefile
    assert "make run DEMO=1" in (ROOT / "README.md").read_text()


def test_seen_3_without_demo_there_is_a_login_and_no_incident(capsys: Any) -> None:
    call_command("demo", "--login-only")
    assert "Admin login:" in capsys.readouterr().out
    assert not Incident.objects.exists()


def test_seen_3_demo_incidents_are_never_public_and_never_page(capsys: Any) -> None:
    call_command("demo")
    incidents = list(Incident.objects.all())
    assert incidents, "the demo declares incidents"
    assert all(i.is_demo for i in incidents)
    assert any(i.severity.code == "SEV-1" and i.acknowledged_at is None for i in incidents)
    assert not public_incidents().exists()
    assert not Page.objects.exists()
