"""The hat: draw one scenario at random, keeping recently drawn ones out.

Pure functions (no database) so the randomness can be tested on its own: the
service passes the enabled scenarios and the ids drawn by the last N drills.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar


class HasId(Protocol):
    @property
    def pk(self) -> int | None: ...


T = TypeVar("T", bound=HasId)


class EmptyHat(ValueError):
    """There is nothing to draw from (no enabled scenario)."""


@dataclass(frozen=True)
class DrawOutcome(Generic[T]):
    chosen: T
    candidate_ids: list[int]
    excluded_ids: list[int] = field(default_factory=list)
    note: str = ""


def draw_scenario(
    candidates: Sequence[T], recent: Sequence[int], rng: random.Random | None = None
) -> DrawOutcome[T]:
    """Draw uniformly from `candidates`, leaving out the ids in `recent` (most recent first).

    When leaving out all of `recent` would empty the hat, only the most recent
    ones are left out (as many as still leave a candidate) and `note` says so.
    `rng` defaults to `secrets.SystemRandom()` (the OS's cryptographic source);
    tests pass `random.Random(seed)`.
    """
    if not candidates:
        raise EmptyHat("No enabled scenario to draw from.")
    rng = rng or secrets.SystemRandom()
    recent = list(dict.fromkeys(recent))
    note = ""
    for keep_out in range(len(recent), -1, -1):
        excluded = set(recent[:keep_out])
        pool = [c for c in candidates if c.pk not in excluded]
        if pool:
            if keep_out < len(recent):
                note = (
                    f"Only {len(candidates)} enabled scenario(s): left out the last {keep_out} "
                    f"drawn instead of {len(recent)}, so a recent scenario may repeat."
                )
            break
    chosen = pool[rng.randrange(len(pool))]
    return DrawOutcome(
        chosen=chosen,
        candidate_ids=[int(c.pk or 0) for c in pool],
        excluded_ids=[i for i in recent[:keep_out]],
        note=note,
    )
