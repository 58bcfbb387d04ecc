"""Heartbeats: a job pings its URL every period; silence longer than period + grace
opens an alert (`incidents.integrations.heartbeats.sweep_heartbeats`), a ping resolves it.

Pinged with GET, POST or HEAD and no body to read (cron's `curl -fsS <url>`, as
healthchecks.io and Cronitor are pinged); answered by its own view `heartbeat_ping`.
"""

from __future__ import annotations

from incidents.choices import DetectionSource
from incidents.integrations.sources import AlertSource, Route

KIND = "heartbeat"

SOURCE = AlertSource(
    kind=KIND,
    label="Heartbeat",
    detection_source=DetectionSource.UPTIME_CHECK,
    position=50,
    sender_setup="The job pings the endpoint when it succeeds, e.g. `curl -fsS <endpoint>`.",
    methods=("GET", "POST", "HEAD"),
    routes=(
        Route("heartbeat/", "heartbeat_ping", "heartbeat-header"),
        Route("heartbeat/<str:key>/", "heartbeat_ping", "heartbeat"),
    ),
    periodic=True,
)
