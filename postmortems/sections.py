"""The sections of a post-mortem, listed once for the admin form, the services, the
API, the selectors and the exported documents."""

from __future__ import annotations

# The write-up, in document order, with the heading an exported document gives each.
WRITE_UP: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("root_cause", "Root cause (technical)"),
    ("contributing_causes", "Contributing causes (process, organisational)"),
    ("what_worked", "What worked"),
    ("what_didnt", "What didn't"),
    ("resolution", "Resolution"),
    ("prevention", "Prevention"),
    ("data_lost", "Data lost"),
)
WRITE_UP_FIELDS = tuple(name for name, _ in WRITE_UP)
# Every free-text section: the write-up and the customer impact.
TEXT_SECTIONS = (*WRITE_UP_FIELDS, "customer_impact_summary")
# Sections a playbook may ask for by name: empty and optional unless the incident's
# level lists them (SeverityLevel.postmortem_sections); then publishing requires them.
PLAYBOOK_SECTIONS = ("resolution", "prevention", "data_lost")
# The sections publishing refuses to leave empty (a summary is optional).
REQUIRED_SECTIONS = tuple(
    name for name in TEXT_SECTIONS if name != "summary" and name not in PLAYBOOK_SECTIONS
)


def required_sections(level_sections: str) -> tuple[str, ...]:
    """REQUIRED_SECTIONS plus the playbook sections the level asks for ("resolution,…")."""
    asked = {s.strip() for s in level_sections.split(",") if s.strip()}
    return (*REQUIRED_SECTIONS, *(s for s in PLAYBOOK_SECTIONS if s in asked))


IMPACT_FIGURES = ("customers_affected", "revenue_impact", "revenue_currency")
# What an author edits: the text sections and the impact figures.
EDITABLE_FIELDS = (*TEXT_SECTIONS, *IMPACT_FIGURES)
