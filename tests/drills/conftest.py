"""Drill fixtures: the founder-24x7 policy (which seeds the hat and plans 2026-05-18)."""

from __future__ import annotations

from typing import Any

import pytest

from drills.choices import DrillStatus
from drills.models import Drill


@pytest.fixture
def planned(policy: Any, founder: Any) -> Drill:
    """The preset's planned drill, with the founder as facilitator."""
    drill = Drill.objects.get(status=DrillStatus.PLANNED)
    drill.facilitator = founder
    drill.save(update_fields=["facilitator"])
    return drill
