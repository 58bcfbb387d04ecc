"""The console: the message is written to the worker's standard output and log (first
runs and demos, where nothing else is set up yet)."""

from __future__ import annotations

import logging
import sys
from typing import Any

from portal.notifications.providers import Provider, Sent

logger = logging.getLogger("portal.notifications")
KIND = "console"


def _send(message: Any, target: str) -> Sent:
    where = message.channel.name if message.channel else message.destination
    sys.stdout.write(f"[notification → {where}] {message.subject}\n{message.body}\n")
    sys.stdout.flush()
    logger.info("console notification %s: %s", message.pk, message.subject)
    return Sent()


PROVIDERS = (
    Provider(
        kind=KIND,
        label="Console (worker log)",
        position=90,
        target_help="blank",
        send=_send,
        needs_target=False,
    ),
)
