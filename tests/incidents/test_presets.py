"""Each preset against its playbook: levels and targets read from the playbook text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from incidents.choices import PolicyStatus
from incidents.models import PolicyVersion, SeverityLevel
from incidents.policies import preset_names, read_preset
from portal.kernel.durations import parse_duration

pytestmark = pytest.mark.django_db

PLAYBOOKS = Path(__file__).resolve().parents[3] / "shared" / "playbooks"
PRESET_FILES = {
    "founder-24x7": "000_748352a25890ec46.txt",
    "rotation-small-team": "001_181cbefa9d951f6a.txt",
    "ops-platform": "002_b7c85c35f9a5aaa4.txt",
    "follow-the-sun": "003_9630180661bac05f.txt",
    "s-levels": "004_fcc0b667c415c9fe.txt",
}


def playbook(name: str) -> str:
    path = PLAYBOOKS / PRESET_FILES[name]
    if not path.exists():  # a checkout without ../shared beside it
        pytest.skip(f"playbook {path} not found beside the repository")
    return path.read_text(encoding="utf-8")


def table_rows(text: str, first_cell: str) -> dict[str, list[str]]:
    """Markdown table rows whose first cell matches `first_cell`, keyed by it."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip().strip("*").strip() for c in line.strip().strip("|").split("|")]
        if cells and re.fullmatch(first_cell, cells[0]):
            rows[cells[0]] = cells
    return rows


def levels(name: str) -> dict[str, SeverityLevel]:
    call_command("loadpolicy", name)
    version = PolicyVersion.objects.get(status=PolicyStatus.ACTIVE)
    assert version.policy.preset == name
    return {lv.code: lv for lv in version.levels.all()}


def same(a: str, b: str) -> bool:
    return parse_duration(a) == parse_duration(b)


def test_list_prints_one_preset_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("loadpolicy", "--list")
    assert capsys.readouterr().out.split() == sorted(PRESET_FILES)
    assert preset_names() == sorted(PRESET_FILES)


@pytest.mark.parametrize("name", sorted(PRESET_FILES))
def test_every_target_is_written_in_the_playbook(name: str) -> None:
    """Nothing invented: each duration in the preset appears verbatim in its playbook."""
    text = playbook(name)
    data = read_preset(name)
    assert data["source"].endswith(PRESET_FILES[name])
    for level in data["levels"]:
        assert level["code"] in text
        for key in (
            "ack_target",
            "mitigate_target",
            "resolve_target",
            "update_cadence",
            "postmortem_due",
        ):
            if level.get(key):
                assert level[key] in text, f"{name} {level['code']} {key}={level[key]!r}"
        for comms in level.get("comms", []):
            for key in ("deadline", "only_if_longer_than"):
                if comms.get(key):
                    assert comms[key] in text, f"{name} {level['code']} comms {key}={comms[key]!r}"


def test_founder_24x7_matches_its_severity_table() -> None:
    text = playbook("founder-24x7")
    rows = table_rows(text, r"SEV-\d")
    loaded = levels("founder-24x7")
    assert sorted(loaded) == sorted(rows) == ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
    for code, (_, definition, mtta, mttr, comms) in rows.items():
        level = loaded[code]
        assert level.definition == definition
        assert same(level.ack_target, mtta)
        assert same(level.resolve_target, mttr)
        assert level.mitigate_target == ""
        assert bool(level.comms_requirements.exists()) == (comms != "None")
    assert [lv.postmortem_required for lv in sorted(loaded.values(), key=lambda lv: lv.rank)] == [
        True,
        True,
        False,
        False,
    ]  # "mandatory for SEV-1 & SEV-2"
    assert loaded["SEV-1"].postmortem_due == "5 business days"
    assert loaded["SEV-1"].war_room_required
    assert not loaded["SEV-2"].war_room_required
    sev1 = {c.channel: c.deadline for c in loaded["SEV-1"].comms_requirements.all()}
    assert sev1 == {"status_page": "60 min", "email": "60 min"}
    version = loaded["SEV-1"].version
    # Issue 26: in force but awaiting a founder's sign-off; the playbook's own sign-off
    # (Founder (Lakshmi), 2026-02-18) is kept as what the playbook states, and its review date
    assert version.approved_at is None
    assert version.approved_by is None
    assert version.approver_name == ""
    assert "The playbook states its sign-off: Founder (Lakshmi) on 2026-02-18." in version.notes
    assert version.next_review_on is not None
    assert version.next_review_on.isoformat() == "2026-05-18"
    assert len(version.content_hash) == 64


def test_rotation_small_team_matches_its_severity_table() -> None:
    rows = table_rows(playbook("rotation-small-team"), r"SEV-\d")
    loaded = levels("rotation-small-team")
    assert sorted(loaded) == sorted(rows)
    for code, (_, description, response, examples) in rows.items():
        assert same(loaded[code].ack_target, response)
        assert loaded[code].definition == description
        assert loaded[code].examples == examples
        assert loaded[code].postmortem_due == "48 hours"
    assert loaded["SEV-1"].update_cadence == loaded["SEV-2"].update_cadence == "15 min"
    assert loaded["SEV-3"].update_cadence == ""


def test_ops_platform_matches_its_severity_matrix() -> None:
    text = playbook("ops-platform")
    loaded = levels("ops-platform")
    matrix = dict(re.findall(r"\*\*(SEV\d):\*\*\s*(.+)", text))
    assert sorted(loaded) == sorted(matrix)
    for code, line in matrix.items():
        targets = dict(re.findall(r"(ack(?:nowledge)?|mitigate|resolve)\s*(<\s*\d+\s*[mhd])", line))
        level = loaded[code]
        for word, attr in (
            ("ack", "ack_target"),
            ("acknowledge", "ack_target"),
            ("mitigate", "mitigate_target"),
            ("resolve", "resolve_target"),
        ):
            if word in targets:
                assert same(getattr(level, attr), targets[word]), (code, word)
    assert same(loaded["SEV4"].resolve_target, "Next sprint")
    assert loaded["SEV1"].postmortem_due == "48h"
    assert loaded["SEV3"].postmortem_due == "5d"
    assert not loaded["SEV4"].postmortem_required
    validated = loaded["SEV1"].version.last_validated_on
    assert validated is not None
    assert validated.isoformat() == "2025-12-17"


def test_follow_the_sun_matches_its_ladder() -> None:
    rows = table_rows(playbook("follow-the-sun"), r"\d*\+?\s*\|?\s*SEV-\d") or {}
    text = playbook("follow-the-sun")
    loaded = levels("follow-the-sun")
    ladder = re.findall(r"\|\s*(SEV-\d)\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|", text)
    assert sorted(loaded) == sorted(code for code, _, _ in ladder)
    for code, examples, who in ladder:
        assert loaded[code].examples == examples
        assert loaded[code].who_is_paged == who
        assert loaded[code].update_cadence == "15 min"
        assert loaded[code].postmortem_due == "72 hours"
        assert not loaded[code].ack_target  # the playbook sets no acknowledge target
    emails = {
        code: [c.deadline for c in lv.comms_requirements.filter(channel="email", anchor="resolved")]
        for code, lv in loaded.items()
    }
    assert emails == {"SEV-1": ["24 hours"], "SEV-2": ["24 hours"], "SEV-3": []}
    assert rows is not None


def test_s_levels_matches_its_table() -> None:
    rows = table_rows(playbook("s-levels"), r"S\d")
    loaded = levels("s-levels")
    assert sorted(loaded) == sorted(rows) == ["S1", "S2", "S3", "S4"]
    for code, (_, name, description, response, examples) in rows.items():
        level = loaded[code]
        assert (level.name, level.definition, level.examples) == (name, description, examples)
        assert same(level.ack_target, response)
    assert same(loaded["S1"].ack_target, "30 min")
    assert [lv.postmortem_required for lv in sorted(loaded.values(), key=lambda lv: lv.rank)] == [
        True,
        True,
        False,
        False,
    ]


def test_loading_the_same_preset_twice_reuses_the_version() -> None:
    call_command("loadpolicy", "s-levels")
    first = PolicyVersion.objects.get(status=PolicyStatus.ACTIVE)
    call_command("loadpolicy", "s-levels")
    assert PolicyVersion.objects.get(status=PolicyStatus.ACTIVE) == first
    assert PolicyVersion.objects.count() == 1


def test_unknown_preset_is_a_clear_error() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown preset 'nope'"):
        call_command("loadpolicy", "nope")
