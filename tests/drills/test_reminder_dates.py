"""Issue 15: the drill reminder never names a date months in the past."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from drills import services
from drills.scheduling import ensure_next_drill, reminder_days
from portal.kernel.actors import Actor

pytestmark = pytest.mark.django_db


def test_next_drill_after_a_long_gap_is_planned_ahead_not_in_the_past(
    policy: Any, founder: Any
) -> None:
    from drills.models import Drill

    actor = Actor.for_user(founder)
    Drill.objects.filter(status="planned").delete()
    # Given the last drill was held on 2026-02-02, nearly ten months ago
    with time_machine.travel(datetime.datetime(2026, 2, 2, 10, tzinfo=datetime.UTC), tick=False):
        drill = services.plan_drill(actor=actor, planned_on=datetime.date(2026, 2, 2))
        drill = services.start_drill(drill=drill, actor=actor)
        services.complete_drill(drill=drill, actor=actor)
    today = datetime.date(2026, 11, 27)
    # When the scheduler plans the next one
    planned = ensure_next_drill(actor=actor, today=today)
    # Then it is planned ahead (after the reminder's notice), not on 2026-05-02
    assert planned is not None
    assert planned.planned_on == today + datetime.timedelta(days=reminder_days())
