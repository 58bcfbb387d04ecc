from __future__ import annotations

from typing import Any

import pytest

MIDDLEWARE = "portal.audit.middleware.AuditContextMiddleware"
AUDITORS_READ_ONLY = "portal.audit.permissions.AuditorsReadOnly"


@pytest.fixture
def audit_wired(settings: Any, monkeypatch: Any) -> Any:
    """The settings the lead adds: the audit middleware and the Auditors API permission.

    DRF copies DEFAULT_PERMISSION_CLASSES onto APIView when it is imported, so the
    test sets the class attribute as the setting would have.
    """
    from django.utils.module_loading import import_string
    from rest_framework.views import APIView

    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
    monkeypatch.setattr(
        APIView,
        "permission_classes",
        [*APIView.permission_classes, import_string(AUDITORS_READ_ONLY)],
    )
    return settings


@pytest.fixture
def roles(db: Any) -> None:
    """The three groups as the migration creates them (tests run with --no-migrations too)."""
    from django.apps import apps

    from portal.audit.roles import setup_roles

    setup_roles(apps)
