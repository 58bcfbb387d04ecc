"""What a column header or a "Label:" names, from its words."""

from __future__ import annotations

from functools import lru_cache

# Checked in this order: the first concept whose words appear in the label wins, so
# "MTTA target" is an acknowledge target and "Customer impact" a definition.
CONCEPT_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("examples", frozenset({"example", "examples", "e.g", "eg"})),
    (
        "ack_target",
        frozenset(
            {"mtta", "ack", "acknowledge", "acknowledged", "acknowledgement", "acknowledgment"}
            | {"response", "respond", "reaction", "tta", "engage", "engagement"}
        ),
    ),
    ("mitigate_target", frozenset({"mitigate", "mitigation", "mttm", "workaround", "ttm"})),
    (
        "resolve_target",
        frozenset(
            {"mttr", "resolve", "resolved", "resolution", "fix", "restore", "restoration"}
            | {"recovery", "recover", "ttr"}
        ),
    ),
    ("update_cadence", frozenset({"update", "updates", "cadence", "frequency"})),
    (
        "postmortem_due",
        frozenset({"postmortem", "post-mortem", "rca", "retrospective", "retro", "pir"}),
    ),
    (
        "who_is_paged",
        frozenset(
            {"who", "pages", "paged", "joins", "escalation", "responders", "escalate", "notify"}
        ),
    ),
    (
        "definition",
        frozenset(
            {"definition", "defined", "description", "impact", "meaning", "criteria"}
            | {"condition", "conditions", "symptoms", "scope", "summary", "when", "trigger"}
            | {"triggers", "characteristics", "situation", "means"}
        ),
    ),
    (
        "comms",
        frozenset(
            {"comms", "communication", "communications", "customer", "customers", "external"}
        ),
    ),
    ("name", frozenset({"name", "title", "label"})),
    ("targets", frozenset({"target", "targets", "sla", "slo", "slas", "slos", "times", "time"})),
)
CODE_HEADER_WORDS = frozenset(
    {"sev", "severity", "level", "priority", "code", "tier", "p", "prio", "class"}
)
DURATION_FIELDS = (
    "ack_target",
    "mitigate_target",
    "resolve_target",
    "update_cadence",
    "postmortem_due",
)
TEXT_FIELDS = ("definition", "examples", "who_is_paged")


def label_words(label: str) -> set[str]:
    """Lower-case words; "post-mortem" and "e.g." are kept as one word, and split too."""
    words: set[str] = set()
    current: list[str] = []
    for char in label.lower() + " ":
        if char.isalpha() or (char in "-." and current):
            current.append(char)
        elif current:
            word = "".join(current).strip("-.")
            words.add(word)
            words.update(part for part in word.replace(".", "-").split("-") if part)
            current = []
    words.discard("")
    if "e.g" in label.lower():
        words.add("e.g")
    return words


# A header is looked up for each row under it, a row label for each column.
@lru_cache(maxsize=4096)
def concept_of(label: str) -> str | None:
    words = label_words(label)
    for concept, keys in CONCEPT_WORDS:
        if words & keys:
            return concept
    return None


@lru_cache(maxsize=4096)
def names_code(header: str) -> bool:
    return bool(label_words(header) & CODE_HEADER_WORDS)
