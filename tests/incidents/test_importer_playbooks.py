"""Importing a policy: the five real playbooks read as written (the list (002) and diff
(003) playbooks were not read at all, issue 17), and `import_markdown_policy` /
`manage.py importpolicy` turning a document into an audited draft version.
"""

from __future__ import annotations

import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.choices import PolicyStatus
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from portal.project.playbook_import import import_markdown_policy, read_severity_table
from tests.incidents.importer_documents import needs_playbooks, playbook, targets

# --- the five playbooks ---------------------------------------------------------------


@needs_playbooks
def test_playbook_000_founder_table_every_level_target_and_comms() -> None:
    result = read_severity_table(playbook("000"))
    assert "Markdown table at line 2" in result.source
    assert targets(result) == [
        ("SEV-1", "15 min", None, "4 hr"),
        ("SEV-2", "1 hr", None, "1 business day"),
        ("SEV-3", "4 hr", None, "3 business days"),
        ("SEV-4", "1 business day", None, "2 weeks"),
    ]
    assert [lv["rank"] for lv in result.levels] == [1, 2, 3, 4]
    assert result.levels[0]["definition"].startswith("Production outage")
    comms = [
        [(c["channel"], c.get("deadline"), c.get("only_if_longer_than")) for c in lv["comms"]]
        for lv in result.levels
    ]
    assert comms == [
        [("status_page", "60 min", None), ("email", "60 min", None)],
        [("status_page", "2 hr", None), ("email", None, "4hr")],
        [("banner", None, None)],
        [],
    ]
    assert result.problems == []


@needs_playbooks
def test_playbook_001_reads_names_from_the_description_and_passes_over_the_sev_list() -> None:
    result = read_severity_table(playbook("001"))
    assert "Markdown table at line 25 under 'Severity Levels'" in result.source
    assert [
        (lv["code"], lv["name"], lv["definition"], lv["ack_target"]) for lv in result.levels
    ] == [
        ("SEV-1", "Critical", "Service down or data loss", "Immediate"),
        ("SEV-2", "High", "Major feature broken", "Same day"),
        ("SEV-3", "Medium", "Minor feature impact", "Within 48 hours"),
        ("SEV-4", "Low", "Cosmetic issues", "Next sprint"),
    ]
    assert result.levels[0]["examples"] == "API down, database failure"
    assert len(result.passed_over) == 1
    assert "list at line 67 under 'On-Call Rotation'" in result.passed_over[0]
    assert result.problems == []


@needs_playbooks
def test_playbook_002_written_as_a_list_is_read_with_its_targets_and_its_refusal() -> None:
    result = read_severity_table(playbook("002"))
    assert "list at line 15 under 'Severity Matrix'" in result.source
    assert targets(result) == [
        ("SEV1", "< 5m", "< 30m", "< 2h"),
        ("SEV2", "< 15m", "< 1h", "< 4h"),
        ("SEV3", "< 1h", None, "< 24h"),
        ("SEV4", None, None, None),
    ]
    assert result.levels[1]["definition"] == (
        "Major functionality degraded (payments delayed, tenant isolation risk)"
    )
    assert result.problems == [
        "line 18: target 'plan fix in next sprint' names no acknowledge, mitigate or resolve "
        "target; not read"
    ]


@needs_playbooks
def test_playbook_003_shown_as_a_diff_with_line_numbers_is_read() -> None:
    result = read_severity_table(playbook("003"))
    assert result.notes == ["read as a diff with line numbers: added lines kept, the rest dropped"]
    assert "Markdown table at line 23 under 'Severity ladder'" in result.source
    assert [(lv["code"], lv["who_is_paged"]) for lv in result.levels] == [
        ("SEV-1", "All platform on-call + EM on-call + founder on-call"),
        ("SEV-2", "Service owner + platform on-call"),
        ("SEV-3", "Service owner only"),
    ]
    assert result.levels[2]["examples"] == "Internal degradation, no customer impact."
    assert result.problems == []


@needs_playbooks
def test_playbook_004_levels_and_names() -> None:
    result = read_severity_table(playbook("004"))
    assert [(lv["code"], lv["name"], lv["ack_target"]) for lv in result.levels] == [
        ("S1", "Critical", "Immediate - < 30 min"),
        ("S2", "Major", "< 2 hours"),
        ("S3", "Minor", "Next business day"),
        ("S4", "Low", "Current or next sprint"),
    ]
    assert result.problems == []


# --- the service and the command ------------------------------------------------------------


@pytest.mark.django_db
@needs_playbooks
def test_import_creates_a_draft_with_notes_and_audit_entries() -> None:
    version, result = import_markdown_policy(
        name="Ops", markdown=playbook("002"), actor=Actor.system("t"), source="002.md"
    )
    assert version.status == PolicyStatus.DRAFT
    assert list(version.levels.values_list("code", "ack_target", "resolve_target")) == [
        ("SEV1", "< 5m", "< 2h"),
        ("SEV2", "< 15m", "< 4h"),
        ("SEV3", "< 1h", "< 24h"),
        ("SEV4", "", ""),
    ]
    assert "Imported from 002.md. Took the list at line 15" in version.notes
    assert "plan fix in next sprint" in version.notes
    entries = list(AuditEntry.objects.filter(actor_label="t").order_by("id"))
    assert (entries[0].action, entries[0].object_type) == ("create", "incidents.policy")
    # Every row of the draft is on record with the importer's actor, and the import
    # report (source, what was not read) with the version.
    created = [e.object_type for e in entries if e.action == "create"]
    assert created.count("incidents.severitylevel") == 4
    report = [
        e
        for e in entries
        if e.object_type == "incidents.policyversion" and e.after and e.after.get("source")
    ]
    assert report[0].after is not None
    assert report[0].after["source"] == "002.md"


@pytest.mark.django_db
def test_command_reads_stdin_and_prints_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = "## Severity\n| Sev | Ack | Owner |\n|-|-|-|\n| P1 | Within 8 hrs of paging | Ana |\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(doc))
    out = StringIO()
    call_command("importpolicy", "-", "--name", "Stdin", stdout=out)
    text = out.getvalue()
    assert "Stdin v1 (Draft): Took the Markdown table at line 2 under 'Severity'" in text
    assert "  1. P1 — ack 8 hr" in text
    assert "  not read: line 2: column 'Owner' not read: no level field matches it" in text
    assert "  note: line 4: ack_target: read '8 hrs' in the prose as 8 hr" in text


@pytest.mark.django_db
def test_command_refuses_a_document_without_levels_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "none.md"
    bad.write_text("no table here")
    with pytest.raises(CommandError, match="file: No severity table or list was found"):
        call_command("importpolicy", str(bad), "--name", "X", stdout=StringIO())
    with pytest.raises(CommandError, match="file: .*missing.md does not exist"):
        call_command("importpolicy", str(tmp_path / "missing.md"), "--name", "X")


@pytest.mark.django_db
@needs_playbooks
@pytest.mark.parametrize(
    ("prefix", "codes"),
    [
        ("000", ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]),
        ("001", ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]),
        ("002", ["SEV1", "SEV2", "SEV3", "SEV4"]),
        ("003", ["SEV-1", "SEV-2", "SEV-3"]),
        ("004", ["S1", "S2", "S3", "S4"]),
    ],
)
def test_every_playbook_imports_as_a_valid_draft(prefix: str, codes: list[str]) -> None:
    version, _ = import_markdown_policy(
        name=f"Playbook {prefix}", markdown=playbook(prefix), actor=Actor.system("t")
    )
    assert list(version.levels.order_by("rank").values_list("code", flat=True)) == codes
    for level in version.levels.all():
        level.full_clean()  # every stored target is a duration the portal can compute with


@pytest.mark.django_db
def test_command_reads_a_saved_web_page_and_records_its_url(tmp_path: Path) -> None:
    page = tmp_path / "incident-response.html"
    page.write_text(
        "<html><body><h2>Severity levels</h2><table><thead><tr><th>Severity</th>"
        "<th>Response time</th></tr></thead><tbody><tr><td><b>P1</b></td><td>Within 2 business "
        "hours of becoming aware of the issue</td></tr><tr><td>P2</td><td>Within 8 hrs</td></tr>"
        "</tbody></table></body></html>"
    )
    out = StringIO()
    call_command(
        "importpolicy", str(page), "--name", "Web", "--source", "https://example.com/ir",
        stdout=out,
    )  # fmt: skip
    assert "  1. P1 — ack 2 business hours" in out.getvalue()
    assert "  2. P2 — ack Within 8 hrs" in out.getvalue()
    from incidents.models import PolicyVersion

    notes = PolicyVersion.objects.get(policy__name="Web").notes
    assert notes.startswith("Imported from https://example.com/ir. Took the HTML table")
