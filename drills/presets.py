"""The drills part of a policy preset: `drills/presets/<preset>.json` (optional per preset).

Keys: `next_drill_on` (ISO date, planned as the next drill), `environment` (default
staging), `seed_catalogue` (add the built-in scenarios). Idempotent: a drill already
planned (on any date, perhaps edited since) is left alone.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from drills.choices import DrillStatus
from drills.models import Drill
from drills.services import plan_drill, seed_scenarios
from incidents.models import PolicyVersion
from portal.kernel.actors import Actor

PRESET_DIR = Path(__file__).resolve().parent / "presets"


def load_drill_preset(version: PolicyVersion, preset_name: str, actor: Actor) -> None:
    path = PRESET_DIR / f"{preset_name}.json"
    if not path.is_file():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("seed_catalogue"):
        seed_scenarios(actor=actor)
    if data.get("next_drill_on"):
        planned_on = datetime.date.fromisoformat(data["next_drill_on"])
        if Drill.objects.filter(planned_on=planned_on).exists():
            return
        if Drill.objects.filter(status=DrillStatus.PLANNED).exists():
            return
        plan_drill(
            actor=actor,
            planned_on=planned_on,
            environment=data.get("environment", "staging"),
            notes=f"From the {preset_name} playbook.",
        )
