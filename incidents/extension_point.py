"""The one place where other apps plug into the incident core (docs/extending.md).

The core never imports its add-ons (paging, alerts, comms, Slack, post-mortems,
tickets, drills). Each add-on describes everything it adds in one `Extension` and
registers it from its `AppConfig.ready()`:

- `hooks`: callables run on an incident event (`IncidentEvent`), INSIDE the service's
  transaction, with the locked incident and the service's actor. Rows they write
  commit or roll back with the change; anything that leaves the database (a task,
  mail, a chat message) must be sent with `transaction.on_commit`.
- `preset_loader`: loads the add-on's part of a policy preset, in the loading
  transaction, after the policy version is in place.
- `incident_inlines`, `incident_buttons`, `resolve_text`: the incident admin page.
- `placeholder_values`: values for customer-comms placeholders (`{root_cause}` …).
- `on_call_now`: who is on call now, as lines another add-on can show (Slack's
  `/incident oncall`), so that no add-on imports the on-call one.

Extensions run in their explicit `order` (smallest first), never in INSTALLED_APPS
order; `EXTENSION_ORDER` in docs/extending.md lists the project's and a test pins it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.db import transaction

from portal.kernel.actors import Actor

if TYPE_CHECKING:
    from django.contrib.admin.options import InlineModelAdmin

    from incidents.models import Incident, PolicyVersion


class IncidentEvent(enum.StrEnum):
    """What an incident service announces, after its own rows are written."""

    DECLARED = "declared"
    ACKNOWLEDGED = "acknowledged"
    STATUS_UPDATE = "status_update"
    SEVERITY_CHANGED = "severity_changed"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    CLOSED = "closed"
    COMMS_SENT = "comms_sent"


class IncidentHook(Protocol):
    """`hook(incident, actor)`: runs in the service's transaction, the incident locked."""

    def __call__(self, incident: Incident, actor: Actor, /) -> None: ...


class PresetLoader(Protocol):
    """`loader(version, preset_name, actor)`: loads the add-on's part of a preset.
    Idempotent: loading the same preset again may hand over the same version."""

    def __call__(self, version: PolicyVersion, preset_name: str, actor: Actor, /) -> None: ...


# The status page's closing text offered on the resolve form ("" when it has none).
ResolveTextProvider = Callable[["Incident"], str]
# Customer-comms placeholder values an add-on knows (e.g. {"root_cause": "…"});
# an empty string means "unknown here", so the comms fallback applies.
PlaceholderProvider = Callable[["Incident"], Mapping[str, str]]
# Who is on call now, one line per person: "Platform / primary: ana".
OnCallProvider = Callable[[], Sequence[str]]


@dataclass(frozen=True)
class IncidentButton:
    """A button on the incident change page linking to an add-on's admin view."""

    label: str
    url_name: str  # reversed with args=[incident.pk]; skipped when it does not resolve
    needs_open_incident: bool = True


@dataclass(frozen=True)
class Extension:
    """Everything one app adds to the incident core; registered once, from `ready()`."""

    app_label: str
    order: int
    hooks: Mapping[IncidentEvent, Sequence[IncidentHook]] = field(default_factory=dict)
    preset_loader: PresetLoader | None = None
    incident_inlines: Sequence[type[InlineModelAdmin[Any, Any]]] = ()
    incident_buttons: Sequence[IncidentButton] = ()
    resolve_text: ResolveTextProvider | None = None
    placeholder_values: PlaceholderProvider | None = None
    on_call_now: OnCallProvider | None = None

    def __post_init__(self) -> None:
        for event in self.hooks:
            if not isinstance(event, IncidentEvent):
                raise TypeError(f"hooks: {event!r} is not an IncidentEvent ({self.app_label}).")


_EXTENSIONS: dict[str, Extension] = {}


def register(extension: Extension) -> None:
    """Register an app's extension. Registering the same one again is a no-op (Django
    may call `ready()` twice in tests); another extension under the same label or the
    same order is refused, so the order is never decided by accident."""
    current = _EXTENSIONS.get(extension.app_label)
    if current == extension:
        return
    if current is not None:
        raise ValueError(f"app_label: {extension.app_label!r} already has an extension.")
    clash = next((e for e in _EXTENSIONS.values() if e.order == extension.order), None)
    if clash is not None:
        raise ValueError(
            f"order: {extension.order} is taken by {clash.app_label!r} "
            f"(registering {extension.app_label!r})."
        )
    _EXTENSIONS[extension.app_label] = extension


def extensions() -> list[Extension]:
    """Every registered extension, in its documented order."""
    return sorted(_EXTENSIONS.values(), key=lambda e: e.order)


def run_hooks(event: IncidentEvent, incident: Incident, actor: Actor) -> None:
    """Run every hook of `event`, in extension order. Called by the incident services
    inside their transaction (a hook's rows commit or roll back with the change)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{event} hooks run inside the incident service's transaction.")
    for extension in extensions():
        for hook in extension.hooks.get(event, ()):
            hook(incident, actor)


def load_preset_parts(version: PolicyVersion, preset_name: str, actor: Actor) -> None:
    for extension in extensions():
        if extension.preset_loader is not None:
            extension.preset_loader(version, preset_name, actor)


def incident_inlines() -> list[type[InlineModelAdmin[Any, Any]]]:
    return [inline for e in extensions() for inline in e.incident_inlines]


def incident_buttons() -> list[IncidentButton]:
    return [button for e in extensions() for button in e.incident_buttons]


def resolve_text(incident: Incident) -> str:
    """The first non-empty closing text an extension offers for the resolve form."""
    for extension in extensions():
        if extension.resolve_text is not None:
            text = extension.resolve_text(incident)
            if text:
                return text
    return ""


def placeholder_values(incident: Incident) -> dict[str, str]:
    """Placeholder values the extensions know for `incident` (first non-empty wins)."""
    values: dict[str, str] = {}
    for extension in extensions():
        if extension.placeholder_values is not None:
            for name, value in extension.placeholder_values(incident).items():
                if value and not values.get(name):
                    values[name] = value
    return values


def on_call_now() -> list[str] | None:
    """Who is on call now (lines), from the first extension that knows; None when no
    installed extension keeps on-call schedules."""
    for extension in extensions():
        if extension.on_call_now is not None:
            return list(extension.on_call_now())
    return None
