"""Shared fixtures: a policy in force, users, API clients, and the marker rules.

Markers:
- `postgres`: needs PostgreSQL (concurrency, locking). Skipped with a reason on
  SQLite; when DATABASE_URL points at PostgreSQL and it is unreachable, the test
  database cannot be created and the run fails, as CI requires.
- `browser`: needs Debian's chromium at /usr/bin/chromium. Skipped with a reason
  when it is missing, except under CI=true, where the test fails instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from portal.actors import Actor

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_configure(config: Any) -> None:
    from django.conf import settings

    # A salted MD5 instead of PBKDF2's 870,000 rounds: every fixture user hashes a
    # password, and the production hasher made that most of the suite's setup time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client's WhiteNoise warns when STATIC_ROOT is missing (collectstatic
    # makes it in production; settings write nothing at import).
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    for item in items:
        if "browser" in item.keywords and not CHROMIUM.exists() and not IN_CI:
            item.add_marker(
                pytest.mark.skip(reason="Debian chromium not installed (apt install chromium)")
            )


@pytest.fixture(autouse=True)
def _postgres_only(request: Any) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal"
        )


@pytest.fixture
def system() -> Actor:
    return Actor.system("test")


@pytest.fixture
def load_policy(db: Any) -> Any:
    """Load and activate a preset by name; returns its version."""
    from incidents.policies import load_preset

    def _load(name: str = "founder-24x7") -> Any:
        return load_preset(name, actor=Actor.system("test"))

    return _load


@pytest.fixture
def policy(load_policy: Any) -> Any:
    """The `founder-24x7` preset in force (SEV-1…SEV-4)."""
    return load_policy("founder-24x7")


@pytest.fixture
def founder(db: Any, django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser(
        "founder", "founder@example.com", "pw-founder-1"
    )


@pytest.fixture
def responder(db: Any, django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(
        "responder", "responder@example.com", "pw-responder-1", is_staff=True
    )


@pytest.fixture
def founder_actor(founder: Any) -> Actor:
    return Actor.for_user(founder)


@pytest.fixture
def make_token(db: Any) -> Any:
    """make_token(user, read_only=False) -> (ApiToken, key)."""
    from portal.tokens import create_api_token

    def _make(user: Any, read_only: bool = False) -> Any:
        return create_api_token(
            user=user, name="test", read_only=read_only, actor=Actor.system("test")
        )

    return _make


@pytest.fixture
def api(founder: Any, make_token: Any) -> Any:
    """A DRF APIClient authenticated with a read-write token of the founder."""
    from rest_framework.test import APIClient

    _, key = make_token(founder)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def declare(policy: Any, system: Actor) -> Any:
    """declare(severity="SEV-2", **kwargs) -> Incident, under the founder-24x7 policy."""
    from incidents.services import declare_incident

    def _declare(severity: str = "SEV-2", title: str = "Checkout errors", **kwargs: Any) -> Any:
        return declare_incident(
            actor=kwargs.pop("actor", system), title=title, severity=severity, **kwargs
        )

    return _declare
