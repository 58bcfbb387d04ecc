"""The demo loader is idempotent."""

from __future__ import annotations

from typing import Any

from drills.demo import load_demo
from drills.models import Drill, Scenario
from portal.kernel.actors import Actor


def test_load_demo_twice(policy: Any, system: Actor) -> None:
    load_demo(actor=system)
    load_demo(actor=system)
    assert Scenario.objects.count() == 15
    assert Drill.objects.filter(status="planned").count() == 1
