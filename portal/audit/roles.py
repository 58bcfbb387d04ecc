"""The three built-in roles (groups) and their permissions.

- Founders: every permission.
- Responders: add/change/view on incidents, customer comms, post-mortems and drills
  (the policy models of the incidents app: view only — keeping the policy is the
  founders' job); view on on-call, integrations and notifications. No deletes.
- Auditors: view on everything, plus `reports.export`. The API is read-only for
  them whatever their token says (`portal.audit.permissions.AuditorsReadOnly`).

`setup_roles` only ever adds permissions (a founder's manual changes survive). It is
called by the data migration (so a fresh database has the roles after `migrate`) and
again from a `post_migrate` handler: permissions of models added by later
migrations — another app's new model — only exist once `create_permissions` ran
for them, which Django does in `post_migrate`, after all migrations; re-running the
setup then extends the roles to the new models without a migration per model.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.db.models import Q

FOUNDERS = "Founders"
RESPONDERS = "Responders"
AUDITORS = "Auditors"
ROLES = (FOUNDERS, RESPONDERS, AUDITORS)

RESPONDER_WRITE_APPS = ("incidents", "comms", "postmortems", "drills")
RESPONDER_VIEW_APPS = ("oncall", "integrations", "notifications")
POLICY_MODELS = (
    "policy",
    "policyversion",
    "severitylevel",
    "commsrequirement",
    "classificationrule",
)
EXPORT_PERMISSION = ("reports", "export")


def _ensure_permissions(apps: Any, using: str) -> None:
    for app_config in apps.get_app_configs():
        had_models = getattr(app_config, "models_module", None)
        app_config.models_module = had_models or True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = had_models


def setup_roles(apps: Any, using: str = "default") -> None:
    """Create the groups if missing and add the permissions each role should have."""
    _ensure_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.using(using).select_related("content_type")
    responder_ids: list[int] = []
    auditor_ids: list[int] = []
    for perm in perms:
        app, model = perm.content_type.app_label, perm.content_type.model
        verb = perm.codename.split("_", 1)[0]
        if verb == "view":
            auditor_ids.append(perm.pk)
        if (app, perm.codename) == EXPORT_PERMISSION:
            auditor_ids.append(perm.pk)
        if app in RESPONDER_WRITE_APPS and (
            verb == "view" or (verb in ("add", "change") and model not in POLICY_MODELS)
        ):
            responder_ids.append(perm.pk)
        if app in RESPONDER_VIEW_APPS and verb == "view":
            responder_ids.append(perm.pk)
    wanted = {
        FOUNDERS: [p.pk for p in perms],
        RESPONDERS: responder_ids,
        AUDITORS: auditor_ids,
    }
    for name, ids in wanted.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*ids)


def remove_roles(apps: Any, using: str = "default") -> None:
    apps.get_model("auth", "Group").objects.using(using).filter(name__in=ROLES).delete()


def setup_roles_after_migrate(
    sender: Any, using: str = "default", apps: Any = None, **_: Any
) -> None:
    from django.apps import apps as global_apps

    from portal.audit.context import acting_as
    from portal.kernel.actors import Actor

    with acting_as(Actor.system("migrate")):
        setup_roles(global_apps, using=using)


def active_founders() -> list[Any]:
    """The people told of security events: active superusers and Founders, by pk."""
    return list(
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name=FOUNDERS), is_active=True)
        .distinct()
        .order_by("pk")
    )
