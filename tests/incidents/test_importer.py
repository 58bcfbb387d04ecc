"""The Markdown importer reads a playbook's severity table into a draft and reports the rest."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.choices import PolicyStatus
from incidents.importer import import_markdown_policy, read_severity_table
from portal.actors import Actor

PLAYBOOKS = Path(__file__).resolve().parents[3] / "shared" / "playbooks"
pytestmark = pytest.mark.skipif(
    not PLAYBOOKS.exists(), reason="../shared/playbooks not beside the repository"
)


def test_reads_the_founder_table():
    text = (PLAYBOOKS / "000_748352a25890ec46.txt").read_text()
    result = read_severity_table(text)
    assert [lv["code"] for lv in result.levels] == ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
    assert result.levels[0]["ack_target"] == "15 min"
    assert result.levels[1]["resolve_target"] == "1 business day"
    assert any("comms" in p for p in result.problems)


def test_unreadable_durations_are_reported_not_guessed():
    markdown = "| Sev | Response Time |\n|---|---|\n| P1 | ASAP-ish |\n| P2 | 2 hours |\n"
    result = read_severity_table(markdown)
    assert "ack_target" not in result.levels[0]
    assert result.levels[1]["ack_target"] == "2 hours"
    assert "line 3: ack_target 'ASAP-ish'" in result.problems[0]


@pytest.mark.django_db
def test_import_creates_a_draft(tmp_path):
    text = (PLAYBOOKS / "004_fcc0b667c415c9fe.txt").read_text()
    version, _ = import_markdown_policy(name="Sartiq", markdown=text, actor=Actor.system("t"))
    assert version.status == PolicyStatus.DRAFT
    assert list(version.levels.values_list("code", "ack_target")) == [
        ("S1", "Immediate - < 30 min"),
        ("S2", "< 2 hours"),
        ("S3", "Next business day"),
        ("S4", "Current or next sprint"),
    ]
    bad = tmp_path / "none.md"
    bad.write_text("no table here")
    with pytest.raises(CommandError, match="file: No Markdown table"):
        call_command("importpolicy", str(bad), "--name", "X", stdout=StringIO())
