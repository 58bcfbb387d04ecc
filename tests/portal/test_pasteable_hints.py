"""Issue 25 (docs): the hint commands a fresh `make run` printed failed as pasted in a new
shell (they need `.venv/bin/python` and `DEBUG=1`). Every hint is built by
`manage_py()`, which names this interpreter and DEBUG; pasted into bash as printed, it runs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from portal.kernel.command_line import manage_py

ROOT = Path(__file__).resolve().parents[2]


def test_a_printed_hint_runs_as_pasted_in_a_new_shell(monkeypatch: Any) -> None:
    monkeypatch.setenv("DEBUG", "1")
    hint = manage_py("check")
    assert hint.startswith("DEBUG=1 ")
    assert " manage.py check" in hint
    # A new shell: none of the make-time variables
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    ran = subprocess.run(  # noqa: S603 - our own hint, pasted as a person would
        ["/bin/bash", "-c", hint], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr


@pytest.mark.django_db
def test_set_up_hints_are_pasteable(monkeypatch: Any, load_policy: Any) -> None:
    from incidents.oncall.coverage import setup_missing

    monkeypatch.setenv("DEBUG", "1")
    load_policy("founder-24x7")
    lines = setup_missing(["SEV-1"])
    assert lines
    for line in lines:
        assert "DEBUG=1 " in line, line
        assert " manage.py " in line
