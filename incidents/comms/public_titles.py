"""The customer-facing title of an incident: one rule for the status page, its API,
the feed and every customer email. Never the internal title, never an alert's raw text:
the public title a person wrote, else one derived from the customer facts ("What is
broken", in customers' words), else a plain "Service disruption". Seen: 003's SEV-1
"Data breach suspected" and 000's SEV-4 "Typo on pricing page" on the public page."""

from __future__ import annotations

from typing import Any

from incidents.choices import DetectionSource

# Incidents opened by a monitor carry its raw alert text: never published on their own.
ALERT_SOURCES = (
    DetectionSource.MONITORING_ALERT,
    DetectionSource.UPTIME_CHECK,
    DetectionSource.ERROR_TRACKER,
)


GENERIC_TITLE = "Service disruption"


def title_of(public: str, what_is_broken: str = "") -> str:
    if public.strip():
        return public.strip()
    broken = what_is_broken.strip()
    if broken:
        return f"Problems with {broken}"
    return GENERIC_TITLE


def public_title(incident: Any) -> str:
    """The customer-facing title; the internal title and an alert's text never are."""
    return title_of(incident.public_title, incident.what_is_broken)
