"""The dead man's switch: while the pager is healthy the engine pings `DEADMAN_URL`.

A second system (healthchecks.io, Uptime Kuma's push monitor, Better Stack, Cronitor:
each accepts a plain GET) alarms when the pings stop, which is exactly when the portal
cannot page anyone itself: the engine stopped, its database is gone, the machine is
down, or the engine runs but its loops are silent or its due work is late. So the ping
says "healthy", never merely "the process exists".
"""

from __future__ import annotations

import logging
from enum import StrEnum

import requests
from django.conf import settings

from portal.project.heartbeats import engine_state
from portal.project.pager_watch import due_lag

logger = logging.getLogger("portal.project.engine")
TIMEOUT = 10.0  # seconds; a slow monitor must not hold the switch past its next ping


class Ping(StrEnum):
    OFF = "off"  # no DEADMAN_URL
    PINGED = "pinged"
    WITHHELD = "withheld"  # the pager is not healthy: silence is the message
    FAILED = "failed"  # the monitor did not take it (it will alarm if this goes on)


def ping_if_healthy() -> Ping:
    url = settings.DEADMAN_URL
    if not url:
        return Ping.OFF
    state = engine_state()
    late = due_lag().words
    if not state.ok or late:
        logger.warning("dead man's switch withheld: %s", state.words or f"late: {late}")
        return Ping.WITHHELD
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
    except requests.RequestException as exc:
        logger.warning("dead man's switch ping failed: %s", type(exc).__name__)
        return Ping.FAILED
    return Ping.PINGED
