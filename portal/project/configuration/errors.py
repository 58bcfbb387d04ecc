"""The one error type of configuration as code: every problem, each with its path."""

from __future__ import annotations

from collections.abc import Iterable


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def path_text(parts: Iterable[str | int]) -> str:
    """`schedules[2].rotations[0].members[1]` from ("schedules", 2, "rotations", 0, …)."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"
