"""The audit safety net: model signals for writes that no service made.

Domain services write their own audit entries, with the actor they were given
(`portal.audit.services.record_*`), inside `@audited_service`; there these receivers
stay silent. What is left for them: Django's generic admin add/change/delete pages of
models that have no service, and `django.contrib.auth` (users, groups, permission
grants, logins). Their actor is the request's user (`portal.audit.context`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from portal.audit.choices import AuditAction
from portal.audit.context import current_actor, current_ip
from portal.audit.hashing import json_safe
from portal.audit.scope import in_service
from portal.audit.services import record_entry, record_login_attempt
from portal.audit.snapshots import redact, snapshot
from portal.kernel.actors import Actor

AUDITED_APPS = frozenset(
    (
        "incidents",
        "oncall",
        "integrations",
        "comms",
        "postmortems",
        "drills",
        "notifications",
        "auth",
        "portal",
    )
)
# Delivery bookkeeping and ingested raw data: high volume, written by machines, and
# their own record already (the outbox, alerts); subscribers are customers' PII.
EXCLUDED_MODELS = frozenset(
    (
        "notifications.outboxmessage",
        "integrations.alert",
        "integrations.changeevent",
        "integrations.webhookdelivery",
        "incidents.referencecounter",
        "comms.subscriber",
    )
)
IGNORED_CHANGES = frozenset(("updated_at", "last_login", "last_used_at"))
AUTH_GRANTS = frozenset(
    ("auth.user.groups", "auth.user.user_permissions", "auth.group.permissions")
)
_audited: dict[type, bool] = {}


def is_audited(model: type[models.Model]) -> bool:
    """Whether the safety net records `model` (never inside a service: it records itself)."""
    if in_service() or model.__module__ == "__fake__":
        # A migration's historical model: its rows are written before the audit table
        # has its final shape; `post_migrate` re-applies (and so audits) the roles.
        return False
    known = _audited.get(model)
    if known is None:
        meta = model._meta
        excluded = EXCLUDED_MODELS | frozenset(settings.AUDIT_EXCLUDED_MODELS)
        known = (
            meta.app_label in AUDITED_APPS
            and meta.label_lower not in excluded
            and not meta.auto_created
        )
        _audited[model] = known
    return known


def _repr(instance: models.Model) -> str:
    try:
        return str(instance)[:200]
    except Exception:  # a half-deleted object may not render; the id still says which
        return f"{instance._meta.model_name} {instance.pk}"


def _before_save(
    sender: Any, instance: models.Model, raw: bool, update_fields: Any, **_: Any
) -> None:
    if not is_audited(sender) or instance._state.adding or instance.pk is None:
        return
    names = [f.attname for f in instance._meta.concrete_fields]
    if update_fields:
        names = [f.attname for f in instance._meta.concrete_fields if f.name in update_fields]
    old = sender._base_manager.filter(pk=instance.pk).values(*names).first()
    instance._audit_before = None if old is None else json_safe(old)  # type: ignore[attr-defined]


def _after_save(sender: Any, instance: models.Model, created: bool, **_: Any) -> None:
    if not is_audited(sender):
        return
    label = sender._meta.label_lower
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        record_entry(
            actor=current_actor(),
            action=AuditAction.CREATE,
            object_type=label,
            object_id=instance.pk,
            object_repr=_repr(instance),
            after=snapshot(instance),
        )
        return
    after = snapshot(instance, list(before), redacted=False)
    changed = sorted(
        name for name in before if before[name] != after.get(name) and name not in IGNORED_CHANGES
    )
    instance._audit_before = None  # type: ignore[attr-defined]
    if not changed:
        return
    record_entry(
        actor=current_actor(),
        action=AuditAction.UPDATE,
        object_type=label,
        object_id=instance.pk,
        object_repr=_repr(instance),
        before=redact({name: before[name] for name in changed}),
        after=redact({name: after[name] for name in changed}),
    )


def _after_delete(sender: Any, instance: models.Model, **_: Any) -> None:
    if not is_audited(sender):
        return
    record_entry(
        actor=current_actor(),
        action=AuditAction.DELETE,
        object_type=sender._meta.label_lower,
        object_id=instance.pk,
        object_repr=_repr(instance),
        before=snapshot(instance),
    )


def _m2m_name(model: type[models.Model], through: Any, reverse: bool) -> str:
    if not reverse:
        for field in model._meta.many_to_many:
            if field.remote_field.through is through:
                return field.name
    for rel in model._meta.related_objects:
        if rel.many_to_many and rel.through is through:  # type: ignore[attr-defined]
            return rel.get_accessor_name() or rel.name
    return str(through._meta.model_name)


def _m2m_changed(
    sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: Any, **_: Any
) -> None:
    if not isinstance(instance, models.Model) or not is_audited(type(instance)):
        return
    name = _m2m_name(type(instance), sender, reverse)
    if action == "pre_clear":
        manager = getattr(instance, name, None)
        instance._audit_m2m_cleared = (  # type: ignore[attr-defined]
            sorted(manager.values_list("pk", flat=True)) if manager is not None else []
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    ids = (
        sorted(pk_set or [])
        if action != "post_clear"
        else getattr(instance, "_audit_m2m_cleared", [])
    )
    if not ids:
        return
    relation = f"{instance._meta.label_lower}.{name}"
    granting = action == "post_add"
    kind = (
        (AuditAction.GRANT if granting else AuditAction.REVOKE)
        if relation in AUTH_GRANTS
        else AuditAction.UPDATE
    )
    targets = [_repr(obj) for obj in model._base_manager.filter(pk__in=ids).order_by("pk")]
    change = {name: {"ids": ids, "objects": targets}}
    record_entry(
        actor=current_actor(),
        action=kind,
        object_type=instance._meta.label_lower,
        object_id=instance.pk,
        object_repr=_repr(instance),
        before=None if granting else change,
        after=change if granting else None,
    )


def _logged_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    record_login_attempt(
        username=user.get_username(),
        user=user,
        succeeded=True,
        ip_address=_ip(request),
        actor=Actor.for_user(user),
    )


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any) -> None:
    from django.contrib.auth import get_user_model

    username = str(credentials.get("username", ""))
    user = (
        get_user_model()
        ._default_manager.filter(**{get_user_model().USERNAME_FIELD: username})
        .first()
    )
    record_login_attempt(
        username=username,
        user=user,
        succeeded=False,
        ip_address=_ip(request),
        actor=Actor.system(f"anonymous ({username[:100]})"),
    )


def _logged_out(sender: Any, request: Any, user: Any, **_: Any) -> None:
    if user is None:
        return
    record_entry(
        actor=Actor.for_user(user),
        action=AuditAction.LOGOUT,
        object_type="auth.user",
        object_id=user.pk,
        object_repr=user.get_username(),
        after={"ip_address": _ip(request)},
    )


def _ip(request: Any) -> str | None:
    if request is None:
        return current_ip()
    return request.META.get("REMOTE_ADDR")


def connect() -> None:
    pre_save.connect(_before_save, dispatch_uid="audit_pre_save")
    post_save.connect(_after_save, dispatch_uid="audit_post_save")
    post_delete.connect(_after_delete, dispatch_uid="audit_post_delete")
    m2m_changed.connect(_m2m_changed, dispatch_uid="audit_m2m")
    user_logged_in.connect(_logged_in, dispatch_uid="audit_logged_in")
    user_login_failed.connect(_login_failed, dispatch_uid="audit_login_failed")
    user_logged_out.connect(_logged_out, dispatch_uid="audit_logged_out")
