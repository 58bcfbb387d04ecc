"""Extension points of the incident admin page for the add-on apps.

Add-ons (on-call pages, alerts, comms, post-mortems) call these from their own
admin.py so the core incident admin never imports them.
"""

from __future__ import annotations

from typing import Any

INCIDENT_INLINES: list[Any] = []
# (label, url_name, needs_open_incident): buttons on the incident change page;
# url_name is reversed with the incident's pk.
INCIDENT_BUTTONS: list[tuple[str, str, bool]] = []


def register_incident_inline(inline_class: Any) -> Any:
    """Show `inline_class` (an admin inline on a model with an `incident` FK) on the incident page."""
    if inline_class not in INCIDENT_INLINES:
        INCIDENT_INLINES.append(inline_class)
    return inline_class


def register_incident_button(
    label: str, url_name: str, *, needs_open_incident: bool = True
) -> None:
    """Add a button to the incident page that links to an add-on's admin view (`url_name`, args=[pk])."""
    entry = (label, url_name, needs_open_incident)
    if entry not in INCIDENT_BUTTONS:
        INCIDENT_BUTTONS.append(entry)


# Callables (incident) -> str offering the status page's "resolved" text on the resolve
# form (comms fills its template); the first non-empty answer is used.
RESOLVE_TEXT_PROVIDERS: list[Any] = []


def register_resolve_text(provider: Any) -> Any:
    """Offer `provider(incident)`'s text as the public closing update when resolving."""
    if provider not in RESOLVE_TEXT_PROVIDERS:
        RESOLVE_TEXT_PROVIDERS.append(provider)
    return provider


def resolve_text(incident: Any) -> str:
    for provider in RESOLVE_TEXT_PROVIDERS:
        text = provider(incident)
        if text:
            return str(text)
    return ""
