"""Writes of the service catalogue (services and their owners) for the CLI and API;
an incident's affected services decide who a "service owners" escalation step pages."""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify

from incidents.models import Service
from portal.audit.choices import AuditAction
from portal.audit.scope import audited_service
from portal.audit.services import record_action
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError


@audited_service
def save_service(
    *,
    name: str,
    actor: Actor,
    owner: Any = None,
    clear_owner: bool = False,
    public: bool | None = None,
    description: str | None = None,
) -> Service:
    """Create or change a service by name; only the given fields change."""
    name = name.strip()
    if not name or len(name) > 100:
        raise DomainError("name must be 1 to 100 characters.", field="name")
    service = Service.objects.select_for_update(of=("self",)).filter(name=name).first()
    before = None
    if service is None:
        slug = slugify(name)[:100]
        if not slug or Service.objects.filter(slug=slug).exists():
            raise DomainError(f"Cannot make a unique slug from {name!r}.", field="name")
        service = Service(name=name, slug=slug)
    else:
        before = {"owner": service.owner_id, "public": service.public}
    if owner is not None:
        service.owner = owner
    if clear_owner:
        service.owner = None
    if public is not None:
        service.public = public
    if description is not None:
        service.description = description[:300]
    service.save()
    record_action(
        actor,
        AuditAction.UPDATE if before else AuditAction.CREATE,
        service,
        before=before,
        after={"owner": service.owner_id, "public": service.public},
    )
    return service
