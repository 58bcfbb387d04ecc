"""`manage.py drill …`: draw prints the drill id and incident ref; production refused with one line."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from drills.choices import DrillStatus
from drills.models import Drill, Scenario
from incidents.models import Incident

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    out = StringIO()
    call_command("drill", *args, stdout=out)
    return out.getvalue()


def test_draw_starts_the_next_planned_drill(planned: Drill) -> None:
    out = run("draw").splitlines()
    drill = Drill.objects.get(pk=planned.pk)
    incident = Incident.objects.get(is_drill=True)
    assert out[0] == f"{drill.pk} {incident.ref}"
    assert drill.status == DrillStatus.RUNNING
    assert drill.scenario is not None
    assert out[1].startswith(f"Drawn: {drill.scenario.title}")


def test_draw_a_given_drill_and_unknown_ids(planned: Drill) -> None:
    with pytest.raises(CommandError, match=r"^drill: No drill 999"):
        run("draw", "--drill", "999")
    assert run("draw", "--drill", str(planned.pk)).startswith(f"{planned.pk} INC-")


def test_draw_without_a_planned_drill_fails_clearly(policy: Any) -> None:
    Drill.objects.all().delete()
    with pytest.raises(CommandError, match="^--drill: no drill is planned"):
        run("draw")


def test_plan_refuses_production(policy: Any) -> None:
    Drill.objects.all().delete()
    with pytest.raises(CommandError, match="^environment: Drills never run against production"):
        run("plan", "--date", "2026-08-18", "--env", "production")
    assert not Drill.objects.exists()


def test_plan_bad_date(policy: Any) -> None:
    with pytest.raises(CommandError, match="^--date: use YYYY-MM-DD"):
        run("plan", "--date", "18/08/2026")


def test_schedule_prints_the_next_drill(planned: Drill) -> None:
    out = run("schedule")
    assert f"Next drill #{planned.pk} on 2026-05-18 (planned, staging)" in out


def test_list_keeps_the_scenario_sealed(planned: Drill) -> None:
    out = run("list")
    assert "2026-05-18  planned" in out
    assert "(sealed)" in out


def test_seed_is_idempotent(db: Any) -> None:
    assert run("seed").strip() == "15 scenario(s) added."
    assert run("seed").strip() == "0 scenario(s) added."
    assert Scenario.objects.count() == 15


@pytest.mark.skipif(not (ROOT / "manage.py").exists(), reason="needs manage.py")
def test_production_from_the_shell_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    # Given a fresh SQLite database (the child process cannot see the test transaction)
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "PATH": "/usr/bin:/bin",
        "DEBUG": "1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,  # noqa: S603
        capture_output=True,
    )
    # When planning a production drill from the shell
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "manage.py",
            "drill",
            "plan",
            "--date",
            "2026-08-18",
            "--env",
            "production",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    # Then it exits non-zero with exactly one line naming the field
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "CommandError: environment: Drills never run against production; choose staging or development."
    ]
