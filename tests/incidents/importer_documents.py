"""Helpers shared by the policy importer tests: the real playbooks and the targets read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

# ../shared/playbooks beside the repository, or beside the folder of its worktrees.
PLAYBOOKS = next(
    (
        parent / "shared" / "playbooks"
        for parent in Path(__file__).resolve().parents[2:5]
        if (parent / "shared" / "playbooks").is_dir()
    ),
    Path(__file__).resolve().parents[3] / "shared" / "playbooks",
)
needs_playbooks = pytest.mark.skipif(
    not PLAYBOOKS.exists(), reason="../shared/playbooks not beside the repository"
)


def playbook(prefix: str) -> str:
    (path,) = PLAYBOOKS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8", errors="replace")


def targets(result: Any) -> list[tuple[str, str | None, str | None, str | None]]:
    """(code, ack, mitigate, resolve) of every level read, in order."""
    return [
        (lv["code"], lv.get("ack_target"), lv.get("mitigate_target"), lv.get("resolve_target"))
        for lv in result.levels
    ]
