"""What a table column holds, from its header words; and what a level code looks like."""

from __future__ import annotations

import re

# Checked in this order: the first concept whose words appear in the header wins, so
# "MTTA target" is an acknowledge target and "Customer impact" a definition.
COLUMN_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("examples", frozenset({"example", "examples", "e.g"})),
    (
        "ack_target",
        frozenset(
            {
                "mtta",
                "ack",
                "acknowledge",
                "acknowledgement",
                "response",
                "respond",
                "reaction",
                "tta",
            }
        ),
    ),
    ("mitigate_target", frozenset({"mitigate", "mitigation", "mttm", "workaround", "ttm"})),
    (
        "resolve_target",
        frozenset({"mttr", "resolve", "resolution", "fix", "restore", "recovery", "ttr"}),
    ),
    ("update_cadence", frozenset({"update", "updates", "cadence", "frequency"})),
    ("postmortem_due", frozenset({"postmortem", "post-mortem", "rca", "retrospective"})),
    (
        "who_is_paged",
        frozenset(
            {"who", "pages", "paged", "joins", "escalation", "responders", "escalate", "notify"}
        ),
    ),
    (
        "definition",
        frozenset(
            {
                "definition",
                "description",
                "impact",
                "meaning",
                "criteria",
                "condition",
                "conditions",
                "symptoms",
                "scope",
                "summary",
            }
        ),
    ),
    (
        "comms",
        frozenset(
            {"comms", "communication", "communications", "customer", "customers", "external"}
        ),
    ),
    ("name", frozenset({"name", "title", "label"})),
    ("targets", frozenset({"target", "targets", "sla", "slo", "slas", "times"})),
)
CODE_HEADER_WORDS = frozenset({"sev", "severity", "level", "priority", "code", "tier", "p"})
DURATION_FIELDS = (
    "ack_target",
    "mitigate_target",
    "resolve_target",
    "update_cadence",
    "postmortem_due",
)
TEXT_LIMITS = {"code": 20, "name": 60}

_CODE = (
    r"(?:sev(?:erity)?|s|p|pri(?:ority)?|prio|level|lvl|l|tier|incident level)"
    r"\s*[-_ ]?\s*\d{1,2}"
)
NUMBERED_CODE = re.compile(rf"^(?P<code>{_CODE})$", re.IGNORECASE)
# "SEV-1 (Critical)", "SEV-1 – Critical", "S1: Critical", "SEV1: Prod outage. Target: …"
CODE_WITH_TEXT = re.compile(
    rf"^(?P<code>{_CODE})(?![\w])\s*(?:\((?P<paren>[^)]{{1,60}})\))?\s*(?:[:—–-]\s*|\s+)?(?P<rest>.*)$",
    re.IGNORECASE,
)


def header_words(header: str) -> set[str]:
    return set(re.findall(r"[a-z][a-z-]*(?:\.g)?", header.lower()))


def column_concept(header: str) -> str | None:
    words = header_words(header)
    for concept, keys in COLUMN_WORDS:
        if words & keys:
            return concept
    return None


def names_code(header: str) -> bool:
    return bool(header_words(header) & CODE_HEADER_WORDS)


def code_number(code: str) -> int | None:
    match = re.search(r"(\d+)$", code)
    return int(match[1]) if match and NUMBERED_CODE.match(code) else None
