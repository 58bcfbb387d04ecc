"""Load a preset's comms templates (`incidents/comms/presets/<preset>.json`).

The comms `Extension`'s `preset_loader` (incidents/extension_point.py); runs inside
`load_preset`'s transaction. Idempotent: templates are keyed per policy version,
so loading the same preset twice updates the rows in place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from incidents.comms.models import CommsTemplate
from incidents.models import PolicyVersion
from portal.audit.services import record_changed, record_created
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor
from portal.kernel.model_validation import validate_model

PRESET_DIR = Path(__file__).resolve().parent / "presets"
FIELDS = ("name", "kind", "audience", "severity_codes", "subject", "body", "source")


def _read(name: str) -> list[dict[str, Any]]:
    path = PRESET_DIR / f"{name}.json"
    if not path.exists():
        return []
    templates: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8")).get(
        "templates", []
    )
    return templates


def preset_templates(preset_name: str) -> list[dict[str, Any]]:
    """The preset's own templates, then portal defaults for the kinds it does not cover."""
    own = _read(preset_name)
    kinds = {t["kind"] for t in own}
    keys = {t["key"] for t in own}
    return own + [t for t in _read("_defaults") if t["kind"] not in kinds and t["key"] not in keys]


def load_preset_templates(version: PolicyVersion, preset_name: str, actor: Actor) -> None:
    """Runs inside `load_preset` (an audited service): writes its own audit entries."""
    for raw in preset_templates(preset_name):
        template = CommsTemplate.objects.filter(policy_version=version, key=raw["key"]).first()
        before = None if template is None else snapshot(template, list(FIELDS))
        template = template or CommsTemplate(policy_version=version, key=raw["key"])
        for field in FIELDS:
            setattr(template, field, raw.get(field, ""))
        validate_model(template, where=f"comms template {raw['key']}", field="templates")
        template.save()
        if before is None:
            record_created(actor, template)
        else:
            record_changed(actor, template, before)
