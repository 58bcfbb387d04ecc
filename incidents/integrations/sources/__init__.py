"""The alert sources: one module per sender's format, and the registry everything reads.

Each module of this package declares one `SOURCE = AlertSource(...)`: its kind, label,
how incidents it opens say they were detected, where its key travels, how a request is
verified and parsed, and an example of what the sender posts. The URL patterns, the
admin's set-up hints, `endpoint_path`, the CLI's and config-as-code's kinds, the
re-pointing checklists and the access-log redaction all read this registry, so a new
sender is one file here (Grafana OnCall's `config_integrations/`, Zulip's webhooks).
A system check (`integrations.E001`) refuses an integration row whose kind has no module.
"""

from __future__ import annotations

import enum
import functools
import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from incidents.integrations.formats import AlertEvent


class KeyTravel(enum.StrEnum):
    """Where the sender puts the integration key."""

    # In the URL (`/integrations/<kind>/<key>/`) or, for senders that can set headers,
    # in `Authorization: Bearer <key>` / `X-Integration-Key` at `/integrations/<kind>/`.
    URL_OR_HEADER = "url_or_header"
    # In the JSON body (PagerDuty's `routing_key`): the URL holds no secret.
    BODY = "body"


@dataclass(frozen=True)
class WebhookRequest:
    """What a parser may look at: the verified integration's secrets, headers and body."""

    body: bytes
    headers: Mapping[str, str]
    client_secret: str = ""


@dataclass(frozen=True)
class Route:
    """A URL of a source with its own view (`view` names a function of `integrations.views`)."""

    route: str
    view: str
    name: str


@dataclass(frozen=True)
class AlertSource:
    kind: str
    label: str
    detection_source: str  # incidents.choices.DetectionSource
    position: int  # order in choices and lists
    sender_setup: str  # one line for the admin: what to set in the sender
    key_travels: KeyTravel = KeyTravel.URL_OR_HEADER
    # Parses a verified request into events; raises formats.Refused / PayloadError.
    # None: the source answers with its own view (`routes`).
    parse: Callable[[WebhookRequest], list[AlertEvent]] | None = None
    methods: tuple[str, ...] = ("POST",)
    routes: tuple[Route, ...] = ()
    needs_client_secret: bool = False  # signed deliveries (Sentry)
    periodic: bool = False  # expected pings, not events (heartbeats)
    delivery_id_header: str = ""  # a sender's delivery id: resends are applied once
    example: Mapping[str, Any] = field(default_factory=dict)

    @property
    def keyed_url_prefix(self) -> str:
        """`/integrations/<kind>/`: the URL segment after which a key may follow."""
        return f"/integrations/{self.kind}/"

    def endpoint_text(self, key: str) -> str:
        """Where the sender posts and what it carries, for set-up lists (`<key>` allowed)."""
        if self.key_travels == KeyTravel.BODY:
            return f"/integrations/{self.routes[0].route} (routing_key = {key})"
        return f"{self.keyed_url_prefix}{key}/"


def _discover() -> dict[str, AlertSource]:
    found: dict[str, AlertSource] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        source = getattr(module, "SOURCE", None)
        if isinstance(source, AlertSource):
            if source.kind in found:
                raise RuntimeError(f"two alert sources declare the kind {source.kind!r}")
            found[source.kind] = source
    return dict(sorted(found.items(), key=lambda item: (item[1].position, item[0])))


@functools.cache
def registry() -> dict[str, AlertSource]:
    return _discover()


def all_sources() -> list[AlertSource]:
    return list(registry().values())


def source_for(kind: str) -> AlertSource | None:
    return registry().get(kind)


def kinds() -> list[str]:
    return list(registry())


def kind_choices() -> list[tuple[str, str]]:
    """The model field's choices (a callable: a new source needs no migration)."""
    return [(source.kind, source.label) for source in all_sources()]


def keyed_url_prefixes() -> list[str]:
    """Every URL prefix after which an integration key may travel (access-log redaction)."""
    return [s.keyed_url_prefix for s in all_sources() if s.key_travels == KeyTravel.URL_OR_HEADER]
