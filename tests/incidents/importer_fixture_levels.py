"""What a reader finds in each fixture of `importer_fixtures/`: the levels as stated.

Each fixture is written in one of the shapes the importer had never seen (issue 26,
item 6). Per level: its code, its name when the document states one, and every time
target the document states, as text `parse_duration` reads ("every hour" is 1 hr).
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "importer_fixtures"

Stated = tuple[str, str | None, dict[str, str]]
A, U, R, M = "ack_target", "update_cadence", "resolve_target", "mitigate_target"

FORMS: dict[str, dict[str, list[Stated]]] = {
    "code with punctuation before it": {
        "punct_table.md": [
            ("P1", None, {A: "10 min", R: "4 hr"}),
            ("P2", None, {A: "30 min", R: "1 business day"}),
            ("P3", None, {A: "4 hr", R: "5 business days"}),
        ],
        "punct_list.md": [
            ("P1", None, {A: "15 min", R: "2 hr"}),
            ("P2", None, {A: "1 hr", R: "8 hr"}),
            ("P3", None, {A: "1 business day"}),
        ],
    },
    "levels as headings with sections": {
        "headings_sections.md": [
            ("SEV1", "Critical", {A: "5 min", U: "30 min", R: "4 hr"}),
            ("SEV2", "Major", {A: "15 min", U: "1 hr", R: "1 business day"}),
            ("SEV3", "Minor", {A: "1 business day", R: "10 business days"}),
        ],
        "headings_prose.md": [
            ("Level 1", "Emergency", {A: "10 min", R: "2 hr"}),
            ("Level 2", "Urgent", {A: "30 min", R: "8 hr"}),
            ("Level 3", "Routine", {A: "1 business day"}),
        ],
        "headings_nested.md": [
            ("P1", "Critical", {A: "15 min", U: "30 min", M: "1 hr"}),
            ("P2", "High", {A: "1 hr", U: "2 hr", M: "4 hr"}),
            ("P3", "Low", {A: "Next business day"}),
        ],
    },
    "transposed tables": {
        "transposed.md": [
            ("SEV-1", "Critical", {A: "15 min", R: "4 hr"}),
            ("SEV-2", "High", {A: "1 hr", R: "24 hr"}),
            ("SEV-3", "Medium", {A: "4 hr", R: "5 d"}),
            ("SEV-4", "Low", {A: "2 business days", R: "30 d"}),
        ],
        "transposed.html": [
            ("S1", None, {A: "10 min", U: "1 hr"}),
            ("S2", None, {A: "30 min", U: "4 hr"}),
            ("S3", None, {A: "8 hr", U: "1 d"}),
        ],
    },
    "several targets in one cell": {
        "multi_target_cells.md": [
            ("Sev 1", None, {A: "20 min", U: "1 hr"}),
            ("Sev 2", None, {A: "2 hr", U: "4 hr"}),
            ("Sev 3", None, {A: "1 business day", U: "2 business days"}),
        ],
        "multi_target_html.html": [
            ("P1", None, {A: "15 min", R: "4 hr"}),
            ("P2", None, {A: "1 hr", R: "1 d"}),
        ],
    },
    "HTML lists inside Markdown cells": {
        "html_list_cells.md": [
            ("SEV-1", None, {A: "5 min", R: "1 hr"}),
            ("SEV-2", None, {A: "30 min", R: "1 d"}),
            ("SEV-3", None, {A: "2 business days"}),
        ],
        "html_list_cells_ol.md": [
            ("P0", None, {A: "10 min", U: "20 min", R: "3 hr"}),
            ("P1", None, {A: "1 hr", U: "2 hr"}),
        ],
    },
    "rows with a missing cell": {
        "missing_cell.md": [
            ("SEV-1", None, {A: "15 min", R: "4 hr"}),
            ("SEV-2", None, {A: "1 hr"}),
            ("SEV-3", None, {A: "1 business day", R: "2 w"}),
        ],
        "missing_cell.html": [
            ("S1", None, {A: "15 min", R: "4 hr"}),
            ("S2", None, {A: "2 hr"}),
            ("S3", None, {}),
        ],
    },
    "durations with qualifiers": {
        "qualifiers.md": [
            ("P1", None, {A: "20 min", U: "1 hr"}),
            ("P2", None, {A: "2 business hours", U: "4 business hours"}),
            ("P3", None, {A: "1 business day", U: "2 business days"}),
        ],
        "qualifiers_prose.md": [
            ("SEV-1", None, {A: "30 min", R: "4 hr"}),
            ("SEV-2", None, {A: "2 business hours", R: "2 business days"}),
            ("SEV-3", None, {A: "1 business day"}),
        ],
    },
    "saved web pages with navigation": {
        "web_page.html": [
            ("SEV-1", "Critical", {A: "15 min", R: "4 hr"}),
            ("SEV-2", "Major", {A: "1 hr", R: "1 d"}),
            ("SEV-3", "Minor", {A: "1 business day", R: "1 w"}),
        ],
        "web_page_sidebar.html": [
            ("P1", None, {A: "30 min", R: "4 hr"}),
            ("P2", None, {A: "2 hr", R: "1 business day"}),
            ("P3", None, {A: "8 hr", R: "5 business days"}),
        ],
    },
    "definitions that name a duration": {
        "definition_durations.md": [
            ("SEV-1", None, {A: "15 min"}),
            ("SEV-2", None, {A: "1 hr"}),
            ("SEV-3", None, {A: "1 business day"}),
        ],
        "definition_durations_list.md": [
            ("P1", None, {A: "10 min"}),
            ("P2", None, {A: "1 hr"}),
        ],
    },
    "code and name both codes": {
        "code_name_swap.md": [
            ("P1", "Priority 1", {A: "15 min"}),
            ("P2", "Priority 2", {A: "1 hr"}),
            ("P3", "Priority 3", {A: "1 business day"}),
        ],
        "code_name_swap_heading.md": [
            ("P1", "Priority 1", {A: "15 min"}),
            ("P2", "Priority 2", {A: "2 hr"}),
        ],
    },
    "a decoy table before the policy": {
        "wrong_table_trap.md": [
            ("SEV-1", None, {A: "5 min", U: "30 min", R: "2 hr"}),
            ("SEV-2", None, {A: "15 min", U: "1 hr", R: "8 hr"}),
            ("SEV-3", None, {A: "1 business day", U: "1 business day", R: "10 business days"}),
            ("SEV-4", None, {A: "5 business days"}),
        ],
    },
}
