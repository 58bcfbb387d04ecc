"""The notification providers: one module per kind of destination, and their registry.

Each module of this package declares `PROVIDERS = (Provider(...), …)`: the kind (what a
channel, and a person's contact method, is), its label, how one message is sent, and,
for two-way providers, how the recipient's reply is fetched (`poll`) or stopped
(`cancel`). Replies go back through one door, `portal.notifications.replies`, that
on-call registers (GoAlert's `notification.Receiver`): no provider is named inside
on-call and the outbox has no provider-shaped column (`provider_ref`/`follow_up_at`
hold any provider's message id and next check). The channel kinds of the admin, the
API, the CLI and config-as-code read this registry. An add-on whose provider needs its own
tables (the Slack app's direct message) adds it with `register()` when it is ready.
"""

from __future__ import annotations

import datetime
import functools
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.notifications.replies import Reply

# The outbox row a provider sends (`portal.notifications.models.OutboxMessage`), typed
# loosely here: the models read this registry for their choices.
OutboxMessage = Any


class DeliveryError(Exception):
    """The provider refused or could not be reached; the message will be retried."""


@dataclass(frozen=True)
class Sent:
    """What a provider answered: its id for the message, and whether to check back for a
    reply (`follow_up`: an emergency page's receipt, a call's outcome)."""

    ref: str = ""
    follow_up: bool = False


@dataclass(frozen=True)
class Provider:
    kind: str
    label: str
    position: int
    target_help: str
    # send(message, target) -> Sent, or raise DeliveryError.
    send: Callable[[OutboxMessage, str], Sent]
    # check(target) -> a problem in words, or "" (called when a channel is saved).
    check: Callable[[str], str] = lambda target: ""
    # poll(message, target) -> the recipient's Reply, or None while there is none yet.
    poll: Callable[[OutboxMessage, str], Reply | None] | None = None
    # cancel(message, target): stop the provider's own retries (acknowledged elsewhere).
    cancel: Callable[[OutboxMessage, str], None] | None = None
    poll_every: Callable[[], datetime.timedelta] = lambda: datetime.timedelta(seconds=30)
    # Channel syntax for "everyone in this room" (Slack's <!here>), "" where there is none.
    here_mention: str = ""
    # Sends without a target (console): the channel's target may be blank.
    needs_target: bool = True


def post(
    service: str, url: str, *, detail: Callable[[Any], str] | None = None, **kwargs: Any
) -> Any:
    """One HTTP POST for a provider (no retries of its own: the outbox retries with
    backoff), or DeliveryError in words: "<service> could not be reached: …" /
    "<service> refused: HTTP 429 <detail>" (`detail` reads the vendor's error body)."""
    import requests

    try:
        response = requests.post(url, timeout=10, **kwargs)
    except requests.RequestException as exc:
        raise DeliveryError(f"{service} could not be reached: {type(exc).__name__}") from exc
    if response.status_code >= 300:
        said = detail(response) if detail is not None else response.text[:200]
        raise DeliveryError(f"{service} refused: HTTP {response.status_code} {said}".strip())
    return response


# Providers an add-on brings (the Slack app's direct message needs the installed app's
# token, which this floor may not import): registered from its AppConfig.ready().
_added: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    """An add-on's provider; idempotent. Called from an AppConfig.ready()."""
    _added[provider.kind] = provider
    registry.cache_clear()


def _discover() -> dict[str, Provider]:
    found: dict[str, Provider] = dict(_added)
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for provider in getattr(module, "PROVIDERS", ()):
            if provider.kind in found:
                raise RuntimeError(f"two providers declare the kind {provider.kind!r}")
            found[provider.kind] = provider
    return dict(sorted(found.items(), key=lambda item: (item[1].position, item[0])))


@functools.cache
def registry() -> dict[str, Provider]:
    return _discover()


def provider_for(kind: str) -> Provider | None:
    return registry().get(kind)


def kinds() -> list[str]:
    return list(registry())


def kind_choices() -> list[tuple[str, str]]:
    """The channel model's choices (a callable: a new provider needs no migration)."""
    return [(p.kind, p.label) for p in registry().values()]
