"""Demo rows for the drills app: the scenario catalogue and the next drill (idempotent)."""

from __future__ import annotations

from drills.scheduling import ensure_next_drill
from drills.services import seed_scenarios
from portal.kernel.actors import Actor


def load_demo(*, actor: Actor) -> None:
    seed_scenarios(actor=actor)
    ensure_next_drill(actor=actor)
