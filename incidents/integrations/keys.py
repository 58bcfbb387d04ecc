"""Integration secrets: the key senders authenticate with, and Sentry's client secret.

Keys are shown once (at creation and at rotation) and masked afterwards; the audit
log records that a secret changed, never its value.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from incidents.integrations.models import Integration, new_integration_key
from incidents.integrations.sources import source_for
from portal.audit.choices import AuditAction
from portal.audit.services import record_action
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError

MAX_GRACE = datetime.timedelta(days=30)
CHANGED = "(changed)"


def _secret_state(integration: Integration) -> dict[str, object]:
    return {
        "key": integration.key_hint,
        "previous_key_valid_until": integration.previous_key_valid_until,
        "client_secret": "(set)" if integration.client_secret else "",
    }


@transaction.atomic
def rotate_integration_key(
    *, integration: Integration, actor: Actor, grace: datetime.timedelta = datetime.timedelta(0)
) -> tuple[Integration, str]:
    """Give the integration a fresh key; returns it with the new key (show it once).

    The old key is refused at once, or, with `grace` (at most 30 days), accepted until
    `now + grace` so that senders can be updated without losing alerts.
    """
    if grace < datetime.timedelta(0) or grace > MAX_GRACE:
        raise DomainError("The grace period must be between 0 and 30 days.", field="grace")
    locked = Integration.objects.select_for_update(of=("self",)).get(pk=integration.pk)
    before = _secret_state(locked)
    if grace:
        locked.previous_key = locked.key
        locked.previous_key_valid_until = timezone.now() + grace
    else:
        locked.previous_key, locked.previous_key_valid_until = "", None
    locked.key = new_integration_key()
    locked.save(update_fields=["key", "previous_key", "previous_key_valid_until"])
    record_action(
        actor,
        AuditAction.UPDATE,
        locked,
        before=before,
        after={**_secret_state(locked), "key_rotated": CHANGED},
    )
    return locked, locked.key


@transaction.atomic
def set_client_secret(*, integration: Integration, actor: Actor, client_secret: str) -> Integration:
    """Replace Sentry's client secret (rotated in Sentry first); the old one is refused at once."""
    client_secret = (client_secret or "").strip()
    source = source_for(integration.kind)
    if source is not None and source.needs_client_secret and not client_secret:
        raise DomainError(
            f"{source.label} integrations need the client secret to verify signatures.",
            field="client_secret",
        )
    if len(client_secret) > 128:
        raise DomainError("At most 128 characters.", field="client_secret")
    locked = Integration.objects.select_for_update(of=("self",)).get(pk=integration.pk)
    before = _secret_state(locked)
    locked.client_secret = client_secret
    locked.save(update_fields=["client_secret"])
    record_action(
        actor,
        AuditAction.UPDATE,
        locked,
        before=before,
        after={**_secret_state(locked), "client_secret_changed": CHANGED},
    )
    return locked
