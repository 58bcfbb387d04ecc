"""Drills in various states, made through the services."""

from __future__ import annotations

import datetime

from drills import services
from drills.models import Drill
from portal.kernel.actors import Actor


def held_drills(count: int, actor: Actor, *, complete: bool = True) -> list[Drill]:
    """`count` drills started (and completed) through the services, one planned at a time."""
    made = []
    Drill.objects.filter(status="planned").delete()
    for i in range(count):
        drill = services.plan_drill(
            actor=actor, planned_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=i)
        )
        drill = services.start_drill(drill=drill, actor=actor)
        if complete:
            drill = services.complete_drill(
                drill=drill, actor=actor, playbook_updates=[f"Update {i}"]
            )
        else:
            drill = services.cancel_drill(drill=drill, actor=actor)
        made.append(drill)
    return made
