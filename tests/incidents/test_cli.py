"""`manage.py incident …` and `loadpolicy`: what an operator types and reads."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.choices import IncidentStatus
from incidents.models import Incident, PolicyVersion

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    out = StringIO()
    call_command("incident", *args, stdout=out)
    return out.getvalue()


def test_open_prints_the_reference_first(policy: PolicyVersion) -> None:
    out = run("open", "--sev", "2", "--summary", "Checkout p99 elevated in eu-frankfurt")
    ref = out.splitlines()[0]
    incident = Incident.objects.get(ref=ref)
    assert incident.severity.code == "SEV-2"
    assert incident.title == "Checkout p99 elevated in eu-frankfurt"
    assert "SEV-2 investigating" in out


def test_ack_update_resolve(policy: PolicyVersion) -> None:
    ref = run(
        "open", "--sev", "SEV-1", "--summary", "DB down", "--title", "Primary DB down"
    ).splitlines()[0]
    run("ack", ref)
    run("update", ref, "--status", "identified", "--message", "Disk full on primary")
    out = run("resolve", ref)
    incident = Incident.objects.get(ref=ref)
    assert incident.acknowledged_at is not None
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.status_updates.get().message == "Disk full on primary"
    assert out.splitlines()[0] == ref


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("open", "--sev", "9", "--summary", "x"), "severity: Unknown severity '9'"),
        (("open", "--sev", "2", "--summary", "  "), "--summary: must not be empty"),
        (
            ("open", "--sev", "2", "--summary", "x", "--service", "nope"),
            "--service: unknown service 'nope'",
        ),
        (("ack", "INC-19990101-01"), "ref: No incident"),
    ],
)
def test_bad_input_is_a_command_error_naming_the_argument(
    policy: PolicyVersion, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert Incident.objects.count() == 0


def test_refused_transition_is_a_command_error(policy: PolicyVersion) -> None:
    ref = run("open", "--sev", "2", "--summary", "x").splitlines()[0]
    run("cancel", ref, "--reason", "false alarm")
    with pytest.raises(
        CommandError, match="status: An incident that is cancelled cannot become resolved"
    ):
        run("resolve", ref)


def test_bad_arguments_exit_non_zero_with_one_stderr_line(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "incident", "open", "--summary", "x"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "manage.py incident open: error: the following arguments are required: --sev/--severity"
    ]
