"""A channel's target is a secret: an apprise URL carries the provider's token (a Slack
or Discord webhook, a password), an ntfy URL may carry credentials.

What the portal shows or records of a target goes through here:

- `masked(kind, target)`: what someone who may not change the channel sees (admin,
  API): the scheme and, when the URL names a server the portal connects to, that
  server; never a path, a token or credentials.
- `described(kind, target)`: the masked form and a fingerprint (a keyed hash, so two
  audit entries show whether the secret is the same, and nothing of what it is).
- `changed_parts(...)`: which parts of a target a change moved (scheme, host, secret).
- `internal_address(kind, target)`: whether the server a target names is on this
  machine or a private network (a test send refuses those, unless a setting allows
  them: the test send would otherwise probe the portal's own network).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

MASK = "***"
FINGERPRINT_CHARS = 8

# Provider kinds (portal/notifications/providers/) whose target names no server the
# portal connects to: the email backend's, Pushover's and the phone carriers' API URLs
# are settings (the target is an address, a key, a number); the console is the log.
EMAIL, NTFY = "email", "ntfy"
PHONE_KINDS = ("phone_sms", "phone_call")
HOSTLESS_KINDS = (EMAIL, "console", "pushover", *PHONE_KINDS)


def _apprise_host(target: str) -> tuple[str, int | None] | None:
    """The server of an apprise URL, when its service lets the URL name one (apprise's
    own URL templates say so with `{host}`: json://, ntfys://, workflows://, mmost://…);
    None for services at a fixed address (slack://, discord://: their `host` is a token)."""
    import apprise

    plugin = apprise.Apprise.instantiate(target, suppress_exceptions=True)
    if plugin is None or not getattr(plugin, "host", None):
        return None
    if not any("{host}" in template for template in getattr(plugin, "templates", ())):
        return None
    return str(plugin.host).strip("[]"), getattr(plugin, "port", None)


def network_host(kind: str, target: str) -> tuple[str, int | None] | None:
    """(host, port) of the server the portal posts `target`'s messages to, when the
    target chooses it; None otherwise."""
    if not target or kind in HOSTLESS_KINDS:
        return None
    if kind == NTFY:
        try:
            parts = urlsplit(target)
            return (parts.hostname.strip("[]"), parts.port) if parts.hostname else None
        except ValueError:
            return None
    return _apprise_host(target)


def _scheme(kind: str, target: str) -> str:
    if kind == EMAIL:
        return "email"
    return target.split("://", 1)[0].lower() if "://" in target else ""


def _host_text(host: tuple[str, int | None] | None) -> str:
    if host is None:
        return ""
    name = f"[{host[0]}]" if ":" in host[0] else host[0]
    return f"{name}:{host[1]}" if host[1] else name


def masked(kind: str, target: str) -> str:
    """`target` as those who may not change the channel see it."""
    if not target:
        return ""
    if kind == EMAIL:
        domain = target.rsplit("@", 1)[1] if "@" in target else ""
        return f"{MASK}@{domain}" if domain else MASK
    if kind in PHONE_KINDS:
        return f"{MASK}{target[-4:]}"
    scheme = _scheme(kind, target)
    if not scheme:
        return MASK
    host = _host_text(network_host(kind, target))
    return f"{scheme}://{host}/{MASK}" if host else f"{scheme}://{MASK}"


def fingerprint(value: str) -> str:
    """A short keyed hash of `value` (HMAC-SHA256 with the SECRET_KEY): equal values
    have equal fingerprints; a short token cannot be guessed back from it."""
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256)
    return digest.hexdigest()[:FINGERPRINT_CHARS]


def described(kind: str, target: str) -> str:
    """The audit log's view of a target: masked, with the fingerprint of the whole URL."""
    return f"{masked(kind, target)} #{fingerprint(target)}" if target else ""


def _secret_part(kind: str, target: str) -> str:
    """What is left of `target` without its scheme and its server: tokens, paths,
    credentials (the part `masked` hides)."""
    rest = target.split("://", 1)[1] if "://" in target else target
    host = network_host(kind, target)
    if host is not None:
        netloc, _, path = rest.partition("/")
        userinfo = netloc.rpartition("@")[0]
        rest = f"{userinfo}@/{path}" if userinfo else f"/{path}"
    return rest


def changed_parts(before: tuple[str, str], after: tuple[str, str]) -> list[str]:
    """Which of scheme, host and secret differ between two (kind, target) pairs."""
    parts = []
    if _scheme(*before) != _scheme(*after):
        parts.append("scheme")
    if network_host(*before) != network_host(*after):
        parts.append("host")
    if _secret_part(*before) != _secret_part(*after):
        parts.append("secret")
    return parts


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def internal_address(kind: str, target: str) -> str | None:
    """The private, loopback or link-local address the server of `target` resolves to
    (the first one), or None when it names no server or only public ones. A name that
    does not resolve is not internal (the send then fails as any unreachable host)."""
    host = network_host(kind, target)
    if host is None:
        return None
    try:
        infos = socket.getaddrinfo(host[0], host[1] or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    for info in infos:
        address = str(info[4][0])
        if _is_internal(address):
            return address
    return None
