"""Template placeholders: which exist, how they are checked, how they are filled.

Templates use `str.format` braces (`{start_time}`); `{{` and `}}` are literal
braces. Filling never raises: an unknown or malformed placeholder is left as
written (the template was validated when saved, so this only protects sends of
hand-typed text). Customer-facing templates may not name internal fields
(`{commander}`, `{channel}`), so a slip cannot put a name on the status page.
"""

from __future__ import annotations

import datetime
import string

from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.comms.public_titles import public_title
from incidents.deadlines import due_after
from incidents.extension_point import placeholder_values
from incidents.models import Incident

PLACEHOLDERS: dict[str, str] = {
    "ref": "Incident reference (INC-YYYYMMDD-NN)",
    "severity": "Severity code (SEV-1, S1…)",
    "severity_name": "Severity name (Critical…)",
    "title": "Incident title",
    "status": "Current status (Investigating…)",
    "environment": "Environment, lower-case (production…)",
    "start_time": "When impact started, 'YYYY-MM-DD HH:MM UTC'",
    "date": "Day impact started, 'YYYY-MM-DD'",
    "start": "Time impact started, 'HH:MM'",
    "end": "Time of resolution, 'HH:MM' (or 'ongoing')",
    "now": "Current time, 'HH:MM UTC'",
    "time": "Current time, 'HH:MM UTC' (same as {now})",
    "update_number": "Number of this update (status updates so far + 1)",
    "summary": "Latest public status update: what we know",
    "next_steps": "Latest public status update: what we are doing next",
    "eta": "Latest public status update: ETA, if known",
    "what_is_broken": "What is broken, in customers' words (incident field; else its public services)",
    "what_happened": "One sentence: what happened (post-mortem summary, else the incident's"
    " customer-facing impact)",
    "impact": "Customer-facing impact (post-mortem, else the incident's customer-facing impact,"
    " else the share of customers affected); never the internal summary",
    "affected_feature": "Affected public services, comma-separated (else what is broken, in"
    " customers' words)",
    "next_update_at": "Next update time: now + the level's update cadence (30 min by default)",
    "root_cause": "Root cause (from the post-mortem)",
    "fix": "What fixed it (the incident's customer fact; else the post-mortem's)",
    "prevention": "What prevents it again (the incident's customer fact; else the post-mortem's)",
    "duration": "How long it lasted, 'X hours Y minutes'",
    "postmortem_link": "Link to the incident's post-mortem (internal templates only)",
    "commander": "Incident commander's username (internal templates only)",
    "channel": "War-room channel (internal templates only)",
}
INTERNAL_ONLY = frozenset({"commander", "channel", "postmortem_link"})
DEFAULT_NEXT_UPDATE = datetime.timedelta(minutes=30)
_FORMATTER = string.Formatter()


def field_names(text: str) -> list[str]:
    """The placeholder names in `text`; raises ValueError on unbalanced braces."""
    return [name for _, name, _, _ in _FORMATTER.parse(text) if name is not None]


def validate_text(text: str, *, field: str, customer_facing: bool) -> None:
    """Raise ValidationError({field: …}) for unknown/forbidden placeholders or bad braces."""
    try:
        names = field_names(text)
    except ValueError as exc:
        raise ValidationError(
            {field: f"Unbalanced braces ({exc}); write {{{{ or }}}} for a literal brace."}
        ) from None
    unknown = sorted({n for n in names if n not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            {
                field: f"Unknown placeholder(s): {', '.join('{' + n + '}' for n in unknown)}. "
                f"Known: {', '.join(sorted(PLACEHOLDERS))}."
            }
        )
    internal = sorted({n for n in names if n in INTERNAL_ONLY})
    if customer_facing and internal:
        raise ValidationError(
            {
                field: f"{', '.join('{' + n + '}' for n in internal)} is internal; "
                "customer templates may not use it."
            }
        )


def _starts_a_sentence(before: str) -> bool:
    """Whether text placed after `before` begins a sentence (or a line)."""
    stripped = before.rstrip(" \t")
    if not stripped or stripped.endswith("\n"):
        return True
    if stripped[-1] in ".!?" and len(stripped) < len(before):
        return True
    # A leading tag such as "[INVESTIGATING] " or "Update: " opens the sentence too.
    return stripped.endswith(("]", ":")) and len(stripped) < len(before)


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with known placeholders replaced; anything else left as written."""
    try:
        parts = list(_FORMATTER.parse(text))
    except ValueError:
        return text
    out: list[str] = []
    for literal, name, spec, conversion in parts:
        out.append(literal)
        if name is None:
            continue
        if name in values:
            value = values[name]
            if value[:1].islower() and _starts_a_sentence("".join(out)):
                # "{affected_feature} has been working normally" with "card payments"
                # read "card payments has…" at the start of a sentence.
                value = value[0].upper() + value[1:]
            out.append(value)
        else:
            out.append(
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
    return "".join(out)


def blank_placeholders(text: str, values: dict[str, str]) -> list[str]:
    """The known placeholders in `text` that would be filled with nothing (in order, once each)."""
    try:
        names = field_names(text)
    except ValueError:
        return []
    blanks: list[str] = []
    for name in names:
        if name in values and not values[name].strip() and name not in blanks:
            blanks.append(name)
    return blanks


def _hm(value: datetime.datetime | None) -> str:
    return value.astimezone(datetime.UTC).strftime("%H:%M") if value else ""


def human_duration(delta: datetime.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if hours:
        return (
            f"{hours} hour{'s' if hours != 1 else ''} {minutes} minute{'s' if minutes != 1 else ''}"
        )
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def promised_next_update(incident: Incident, now: datetime.datetime) -> datetime.datetime:
    """The time `{next_update_at}` promises: now + the level's update cadence (30 min
    without one), to the minute the message shows, so the deadline is what was read."""
    next_update = None
    if incident.severity.update_cadence.strip():
        next_update = due_after(incident, now, incident.severity.update_cadence)
    return (next_update or now + DEFAULT_NEXT_UPDATE).replace(second=0, microsecond=0)


def promises_next_update(text: str) -> bool:
    """Whether `text` promises a next update at a time (uses `{next_update_at}`)."""
    try:
        return "next_update_at" in field_names(text)
    except ValueError:
        return False


def incident_values(
    incident: Incident, *, now: datetime.datetime | None = None, internal: bool = False
) -> dict[str, str]:
    """Every placeholder's value for `incident` (strings; empty when unknown yet).

    Customer text (the default) is filled from the customer facts only; `internal`
    (the team's own announcement) may fall back on the title and the summary.
    """
    now = now or timezone.now()
    start = incident.impact_started_at or incident.declared_at
    end = incident.resolved_at
    services = [s.name for s in incident.services.all() if s.public]
    # What add-ons know (the post-mortem's root cause…): through the extension point.
    known = placeholder_values(incident)
    updates = list(incident.status_updates.order_by("posted_at", "id"))
    # Only what was already said in public may be repeated to customers.
    public_updates = updates if internal else [u for u in updates if u.public]
    latest = public_updates[-1] if public_updates else None
    # Customer text never comes from the internal summary: it may name systems,
    # suppliers or guesses (issue 15). An unknown impact stays blank and is refused.
    default_impact = ""
    if incident.customers_affected_pct is not None:
        default_impact = (
            f"problems affecting about {incident.customers_affected_pct.normalize()}% of customers"
        )
    return {
        "ref": incident.ref,
        "severity": incident.severity.code,
        "severity_name": incident.severity.name or incident.severity.code,
        # Customers read the public title (the one the status page shows), never the internal one.
        "title": incident.title if internal else public_title(incident),
        "status": incident.get_status_display(),
        "environment": incident.environment,
        "start_time": start.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "date": start.astimezone(datetime.UTC).strftime("%Y-%m-%d"),
        "start": _hm(start),
        "end": _hm(end) if end else "ongoing",
        "now": now.astimezone(datetime.UTC).strftime("%H:%M UTC"),
        "time": now.astimezone(datetime.UTC).strftime("%H:%M UTC"),
        "update_number": str(len(updates) + 1),
        "summary": latest.message if latest else "",
        "next_steps": latest.next_steps if latest else "",
        "eta": (latest.eta if latest else "") or "unknown",
        "what_is_broken": incident.what_is_broken.strip()
        or ", ".join(services)
        or (incident.title if internal else ""),
        # Never the internal title (issue 25): it names systems ("Checkout API returns
        # 502"). A customer fact nobody wrote stays blank, and the send is refused.
        "what_happened": known.get("what_happened")
        or incident.customer_impact.strip()
        or (incident.title if internal else ""),
        "impact": known.get("impact")
        or incident.customer_impact.strip()
        or (incident.summary.strip() if internal else "")
        or default_impact,
        "affected_feature": ", ".join(services)
        or incident.what_is_broken.strip()
        or (incident.title if internal else ""),
        "next_update_at": promised_next_update(incident, now)
        .astimezone(datetime.UTC)
        .strftime("%H:%M UTC"),
        "root_cause": known.get("root_cause", ""),
        "fix": incident.customer_fix.strip() or known.get("fix", ""),
        "prevention": incident.customer_prevention.strip() or known.get("prevention", ""),
        "duration": human_duration((end or now) - start),
        # The post-mortem is the team's document (admin): linked in the team's own
        # messages; customers have no page to follow it to.
        "postmortem_link": known.get("postmortem_link", "") if internal else "",
        "commander": incident.commander.get_username() if incident.commander else "",
        "channel": incident.war_room_channel,
    }
