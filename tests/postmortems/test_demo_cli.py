"""The demo loader and the `export` command as an operator runs it (exit code, one stderr line)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from postmortems.demo import load_demo
from postmortems.models import PostMortem

ROOT = Path(__file__).resolve().parents[2]


def test_demo_fills_the_resolved_incident_postmortem(policy: Any, founder_actor: Any) -> None:
    from incidents.services import declare_incident, resolve_incident

    incident = declare_incident(
        actor=founder_actor, title="Card payments failing at checkout", severity="SEV-2"
    )
    resolve_incident(
        incident=incident, actor=founder_actor, unmet_comms_reason="test: no customers here"
    )
    load_demo(actor=founder_actor)
    load_demo(actor=founder_actor)
    pm = PostMortem.objects.get(incident=incident)
    assert pm.root_cause.startswith("The webhook receiver")
    assert pm.action_items.count() == 1


def test_unknown_export_target_exits_non_zero_with_one_line() -> None:
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "export", "nonsense"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        check=False,
    )
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "target" in result.stderr
    assert "nonsense" in result.stderr
