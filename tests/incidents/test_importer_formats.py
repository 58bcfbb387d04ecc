"""The importer reads the forms teams write a severity table in, and reports everything
it did not read.

Covers issue 17 "What was seen": the `|-|` separator, HTML tables, the header that
overwrote the code column and the first-match table, one bad row aborting the
import, durations followed by words, unreported columns and emphasis kept in codes.
"""

from __future__ import annotations

import pytest

from portal.project.playbook_import import read_severity_table
from tests.incidents.importer_documents import targets

# --- GFM tables in every valid form ---------------------------------------------------


@pytest.mark.parametrize(
    "table",
    [
        "| Sev | Ack |\n|-|-|\n| P1 | 5 min |\n| P2 | 1 hr |",
        "Sev | Ack\n-|-\nP1 | 5 min\nP2 | 1 hr",
        "| Sev | Ack |\n|:--|--:|\n| P1 | 5 min |\n| P2 | 1 hr |",
        "|Sev|Ack|\n|:-:|:-:|\n|P1|5 min|\n|P2|1 hr|",
        "  | Sev | Ack |\n  | --- | --- |\n  | P1 | 5 min |\n  | P2 | 1 hr |",
        "> | Sev | Ack |\n> |---|---|\n> | P1 | 5 min |\n> | P2 | 1 hr |",
    ],
    ids=["short-separator", "no-outer-pipes", "aligned", "no-spaces", "indented", "quoted"],
)
def test_gfm_table_forms_including_the_short_separator(table: str) -> None:
    result = read_severity_table(f"# Severity\n\n{table}\n")
    assert targets(result) == [("P1", "5 min", None, None), ("P2", "1 hr", None, None)]
    assert result.problems == []


def test_header_and_delimiter_with_different_cell_counts_is_not_a_table() -> None:
    result = read_severity_table("| Sev | Ack |\n|---|\n| P1 | 5 min |\n| P2 | 1 hr |\n")
    assert result.levels == []
    assert result.problems[0].startswith("No severity table or list was found")


def test_emphasis_code_spans_links_and_escaped_pipes_are_cleaned() -> None:
    doc = (
        "| Severity | Name | Definition |\n|---|---|---|\n"
        "| **SEV-1** | *Critical* | `API` down \\| [data loss](https://x/y) |\n"
        "| `SEV-2` | __Major__ | ~~old~~ degraded |\n"
    )
    result = read_severity_table(doc)
    assert [(lv["code"], lv["name"], lv["definition"]) for lv in result.levels] == [
        ("SEV-1", "Critical", "API down | data loss"),
        ("SEV-2", "Major", "old degraded"),
    ]


def test_code_cell_with_name_in_parentheses_or_after_a_dash() -> None:
    doc = "| Level | Impact |\n|---|---|\n| P1 (Critical) | all down |\n| P2 – Major | slow |\n"
    result = read_severity_table(doc)
    assert [(lv["code"], lv["name"]) for lv in result.levels] == [
        ("P1", "Critical"),
        ("P2", "Major"),
    ]


@pytest.mark.parametrize(
    ("doc", "line"),
    [
        ("Severity levels\n| Sev | Ack |\n|---|---|\n| P1 | 5 min |\n| P2 |\n", 2),
        ("Severity levels\nfor every service\n| Sev | Ack |\n|-|-|\n| P1 | 5 min |\n| P2 |\n", 3),
        ("- Levels:\n  | Sev | Ack |\n  |---|---|\n  | P1 | 5 min |\n  | P2 |\n", 2),
        ("> Levels\n> | Sev | Ack |\n> |---|---|\n> | P1 | 5 min |\n> | P2 |\n", 2),
    ],
    ids=["paragraph", "two-line-paragraph", "list-item", "quoted"],
)
def test_a_table_right_after_a_paragraph_is_at_its_header_row(doc: str, line: int) -> None:
    # The renderer places such a table, and its header row, on the paragraph's line.
    result = read_severity_table(doc)
    assert f"Markdown table at line {line}" in result.source
    assert targets(result) == [("P1", "5 min", None, None), ("P2", None, None, None)]
    assert result.notes == [f"line {line + 3}: the row has 1 of 2 cells; the last 1 read as empty"]


def test_codes_numbered_in_reverse_order_are_ranked_by_their_number() -> None:
    doc = "| Sev | Ack |\n|---|---|\n| P3 | 1 day |\n| P2 | 1 hr |\n| P1 | 5 min |\n"
    result = read_severity_table(doc)
    assert [(lv["code"], lv["rank"]) for lv in result.levels] == [("P1", 1), ("P2", 2), ("P3", 3)]
    assert "levels ranked by the numbers in their codes, not row order" in result.notes


# --- HTML tables -------------------------------------------------------------------------


def test_html_table_inside_markdown() -> None:
    doc = """# Runbook

## Severity levels

<table>
  <thead><tr><th>Severity</th><th>Description</th><th>Response time</th><th>Owner</th></tr></thead>
  <tbody>
    <tr><td><strong>SEV-1</strong></td><td>Outage<br>all customers</td><td>&lt; 15 min</td><td>CTO</td></tr>
    <tr><td>SEV-2</td><td>Degraded</td><td>Within 1 hour</td><td>Lead</td></tr>
  </tbody>
</table>
"""
    result = read_severity_table(doc)
    assert "HTML table at line 6 under 'Severity levels'" in result.source
    assert [(lv["code"], lv["definition"], lv["ack_target"]) for lv in result.levels] == [
        ("SEV-1", "Outage all customers", "< 15 min"),
        ("SEV-2", "Degraded", "Within 1 hour"),
    ]
    assert result.problems == [
        "line 6: column 'Owner' not read: no level field matches it",
        "line 8: cell 'CTO' (column 'Owner') not read",
        "line 9: cell 'Lead' (column 'Owner') not read",
    ]


def test_html_inside_markdown_is_at_its_own_lines_whatever_its_attributes() -> None:
    # `data-sourcepos` is the attribute the Markdown renderer marks its own lines with.
    doc = (
        "# Severity\n\n"
        '<table data-sourcepos="1:1-1:1">\n<tr><th>Sev</th><th>Ack</th></tr>\n'
        "<tr><td>P1</td><td>5 min</td></tr>\n<tr><td>P2</td></tr>\n</table>\n"
    )
    result = read_severity_table(doc)
    assert "HTML table at line 4 under 'Severity'" in result.source
    assert result.notes == ["line 6: the row has 1 of 2 cells; the last 1 read as empty"]


def test_a_saved_page_s_line_attributes_are_not_taken_for_its_lines() -> None:
    # A page exported from a Markdown preview has data-line on its blocks: the lines of
    # the Markdown it came from, not of the page.
    page = (
        "<!DOCTYPE html>\n<html><body>\n"
        '<h2 data-line="0">Severity levels</h2>\n'
        '<table data-line="1" data-sourcepos="2:1-5:9">\n'
        "<thead><tr><th>Sev</th><th>Ack</th></tr></thead>\n<tbody>\n"
        "<tr><td>P1</td><td>5 min</td></tr>\n<tr><td>P2</td><td>1 hr</td></tr>\n"
        "</tbody></table>\n</body></html>\n"
    )
    result = read_severity_table(page)
    assert "HTML table at line 5 under 'Severity levels'" in result.source
    assert targets(result) == [("P1", "5 min", None, None), ("P2", "1 hr", None, None)]
    assert result.notes == []


def test_saved_html_page_with_a_table_without_th_and_a_colspan() -> None:
    page = (
        "<!DOCTYPE html><html><body><h2>Incident severity</h2>\n<table>\n"
        "<tr><td>Level</td><td>Meaning</td><td>Resolve</td></tr>\n"
        '<tr><td>S1</td><td colspan="2">Everything down</td></tr>\n'
        "<tr><td>S2</td><td>Slow</td><td>8 hrs</td></tr>\n"
        "</table></body></html>"
    )
    result = read_severity_table(page)
    assert "HTML table at line 3 under 'Incident severity'" in result.source
    assert [(lv["code"], lv["definition"], lv.get("resolve_target")) for lv in result.levels] == [
        ("S1", "Everything down", None),
        ("S2", "Slow", "8 hrs"),
    ]


def test_saved_html_page_with_a_severity_list() -> None:
    page = (
        "<html><body><h3>Severity Matrix</h3><ul>\n"
        "<li><strong>SEV1:</strong> Outage. Target: acknowledge &lt; 5m, resolve &lt; 2h.</li>\n"
        "<li><strong>SEV2:</strong> Degraded. Target: ack &lt; 15m.</li>\n"
        "</ul></body></html>"
    )
    result = read_severity_table(page)
    assert targets(result) == [("SEV1", "< 5m", None, "< 2h"), ("SEV2", "< 15m", None, None)]


# --- bulleted and numbered lists ----------------------------------------------------------


def test_bulleted_list_with_names_and_targets() -> None:
    doc = """## Severity

- **SEV1 (Critical):** Outage. Target: acknowledge < 5m, mitigate < 30m, resolve < 2h.
- **SEV2 (Major):** Degraded.
  Targets: ack within 15 minutes; resolve 15–30m
1. Not a level at all
"""
    result = read_severity_table(doc)
    assert [(lv["code"], lv.get("name"), lv.get("definition")) for lv in result.levels] == [
        ("SEV1", "Critical", "Outage"),
        ("SEV2", "Major", "Degraded"),
    ]
    assert targets(result) == [
        ("SEV1", "< 5m", "< 30m", "< 2h"),
        ("SEV2", "within 15 minutes", None, "30 min"),
    ]
    assert "line 4: resolve_target: the range '15–30m' is read as its bound 30 min" in result.notes
    # The numbered item is a list of its own (CommonMark), not an item of the levels' list.
    assert result.problems == []


# --- choosing the table by content ---------------------------------------------------------


def test_priority_table_first_is_passed_over_for_the_severity_table_and_reported() -> None:
    doc = """## Ticket priority

| Priority | Ticket type |
|---|---|
| High | Bug in billing |
| Medium | Feature request |
| Low | Typo |

## Severity levels

| Level | Definition | MTTA |
|---|---|---|
| SEV-1 | Outage | 15 min |
| SEV-2 | Degraded | 1 hr |
"""
    result = read_severity_table(doc)
    assert [lv["code"] for lv in result.levels] == ["SEV-1", "SEV-2"]
    assert "Markdown table at line 11 under 'Severity levels'" in result.source
    assert "2 levels with codes (SEV-1…SEV-2); 2 definitions; 2 time targets" in result.source
    assert len(result.passed_over) == 1
    assert "Markdown table at line 3 under 'Ticket priority'" in result.passed_over[0]


def test_priority_header_does_not_overwrite_the_code_column() -> None:
    doc = "| Sev | Priority | Ack |\n|---|---|---|\n| SEV-1 | P0 | 5 min |\n| SEV-2 | P1 | 1 hr |\n"
    result = read_severity_table(doc)
    assert [lv["code"] for lv in result.levels] == ["SEV-1", "SEV-2"]
    assert "line 1: column 'Priority' not read: no level field matches it" in result.problems
    assert "line 3: cell 'P0' (column 'Priority') not read" in result.problems


# --- bad rows never abort --------------------------------------------------------------


def test_over_long_and_duplicate_codes_are_reported_and_the_rest_kept() -> None:
    doc = (
        "| Severity | Ack |\n|---|---|\n"
        "| SEV-1 | 5 min |\n"
        "| A very long severity label indeed | 1 hr |\n"
        "| SEV-1 | 10 min |\n"
        "| SEV-2 | 1 hr |\n"
    )
    result = read_severity_table(doc)
    assert targets(result) == [("SEV-1", "5 min", None, None), ("SEV-2", "1 hr", None, None)]
    assert result.problems == [
        "line 4: code 'A very long severity label indeed' is longer than 20 characters; "
        "row not read",
        "line 5: code 'SEV-1' repeats line 3; row not read",
    ]


def test_every_column_and_cell_not_read_is_reported_with_its_line() -> None:
    doc = (
        "intro\n\n| Sev | Ack | Owner | Budget |\n|---|---|---|---|\n"
        "| P1 | 5 min | Ana | $5 | extra |\n| P2 | ASAP-ish | | $1 |\n"
    )
    result = read_severity_table(doc)
    assert result.problems == [
        "line 3: column 'Owner' not read: no level field matches it",
        "line 3: column 'Budget' not read: no level field matches it",
        "line 5: cell 'extra' beyond the header not read",
        "line 5: cell 'Ana' (column 'Owner') not read",
        "line 5: cell '$5' (column 'Budget') not read",
        "line 6: ack_target 'ASAP-ish': no duration in it",
        "line 6: cell '$1' (column 'Budget') not read",
    ]
    assert targets(result) == [("P1", "5 min", None, None), ("P2", None, None, None)]


# --- durations inside prose ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("Within 2 business hours of becoming aware of the issue", "2 business hours"),
        ("Within 8 hrs", "Within 8 hrs"),
        ("< 2h", "< 2h"),
        ("Respond within 8 hrs, always", "8 hr"),
        ("15–30m", "30 min"),
        ("15-30 minutes", "30 min"),
        ("1 to 2 business days", "2 business days"),
        ("Immediate (page within 5 min)", "5 min"),
        ("Same day, ideally", "Same day"),
    ],
)
def test_durations_inside_prose(cell: str, value: str) -> None:
    result = read_severity_table(f"| Sev | Response |\n|---|---|\n| P1 | {cell} |\n| P2 | 1 hr |\n")
    assert result.levels[0]["ack_target"] == value
    assert result.problems == []


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("ASAP", "no duration in it"),
        ("15 min ack, 4 hours fix", "it names more than one duration"),
        ("TBD", "no duration in it"),
    ],
)
def test_prose_durations_refused_with_the_reason(cell: str, reason: str) -> None:
    result = read_severity_table(f"| Sev | Response |\n|---|---|\n| P1 | {cell} |\n| P2 | 1 hr |\n")
    assert "ack_target" not in result.levels[0]
    assert result.problems[0].startswith(f"line 3: ack_target {cell!r}: {reason}")


def test_unified_diff_is_read_from_added_and_context_lines() -> None:
    doc = (
        "diff --git a/p.md b/p.md\n@@ -1,3 +1,4 @@\n | Sev | Ack |\n |---|---|\n"
        "-| P1 | 1 hr |\n+| P1 | 5 min |\n+| P2 | 1 hr |\n"
    )
    result = read_severity_table(doc)
    assert targets(result) == [("P1", "5 min", None, None), ("P2", "1 hr", None, None)]


def test_fenced_code_tables_are_examples_not_policy() -> None:
    doc = "```\n| Sev | Ack |\n|---|---|\n| P1 | 5 min |\n| P2 | 1 hr |\n```\n"
    assert read_severity_table(doc).levels == []


def test_a_priority_column_before_the_severity_column_does_not_take_the_codes() -> None:
    doc = "| Priority | Severity | Ack |\n|---|---|---|\n| P0 | SEV-1 | 5 min |\n| P1 | SEV-2 | 1 hr |\n"
    result = read_severity_table(doc)
    assert [lv["code"] for lv in result.levels] == ["SEV-1", "SEV-2"]
    assert "line 1: column 'Priority' not read: no level field matches it" in result.problems


def test_numbered_list_of_levels() -> None:
    doc = (
        "### Incident severity\n\n"
        "1. **P1** – Customers cannot log in. Targets: respond within 10 minutes, resolve within 4 hours\n"
        "2. **P2** – Degraded. Targets: respond within 1 hour\n"
    )
    result = read_severity_table(doc)
    assert "list at line 3 under 'Incident severity'" in result.source
    assert [(lv["code"], lv["definition"]) for lv in result.levels] == [
        ("P1", "Customers cannot log in"),
        ("P2", "Degraded"),
    ]
    assert targets(result) == [
        ("P1", "within 10 minutes", None, "within 4 hours"),
        ("P2", "within 1 hour", None, None),
    ]
