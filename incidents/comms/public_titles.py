"""The customer-facing title of an incident: one rule for the status page, its API,
the feed and every customer email (never the internal title when a public one is set,
never an alert's raw text)."""

from __future__ import annotations

from typing import Any

from incidents.choices import DetectionSource

# Incidents opened by a monitor carry its raw alert text: never published on their own.
ALERT_SOURCES = (
    DetectionSource.MONITORING_ALERT,
    DetectionSource.UPTIME_CHECK,
    DetectionSource.ERROR_TRACKER,
)


def title_of(public: str, source: str, title: str) -> str:
    if public:
        return public
    return "Service disruption" if source in ALERT_SOURCES else title


def public_title(incident: Any) -> str:
    """The customer-facing title; an alert's raw text is never shown."""
    return title_of(incident.public_title, incident.detection_source, incident.title)
