"""Loads the Slack part of a preset from `incidents/slack/presets/<name>.json`:
per level, the war room (channel, thread in a named channel, or announcement only),
the mention, the playbook's announcement template and the runbooks to pin.

Presets of playbooks that do not name Slack have no file: nothing happens in Slack
for them. Idempotent (upsert by level code); levels the preset does not name lose
their setting, so switching presets never leaves another playbook's war rooms.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from incidents.models import PolicyVersion
from incidents.slack.models import SlackLevelSetting
from portal.kernel.actors import Actor
from portal.kernel.model_validation import validate_model

PRESET_DIR = Path(__file__).resolve().parent / "presets"
FIELDS = (
    "mode",
    "channel",
    "mention",
    "announcement",
    "runbooks",
    "invite_responders",
    "pin_runbooks",
    "post_updates",
)


def read_slack_preset(name: str) -> dict[str, Any]:
    path = PRESET_DIR / f"{name}.json"
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_slack_preset(version: PolicyVersion, preset_name: str, actor: Actor) -> None:
    data = read_slack_preset(preset_name)
    levels: dict[str, dict[str, Any]] = data.get("levels", {})
    defaults: dict[str, Any] = data.get("defaults", {})
    SlackLevelSetting.objects.exclude(level_code__in=list(levels)).delete()
    for code, raw in levels.items():
        setting = SlackLevelSetting.objects.filter(level_code=code).first()
        setting = setting or SlackLevelSetting(level_code=code)
        merged = {**defaults, **raw}
        for field in FIELDS:
            if field in merged:
                setattr(setting, field, merged[field])
        validate_model(setting, where=f"slack {code}", field="slack")
        setting.save()
