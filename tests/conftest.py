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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from pytest_django import DjangoDbBlocker
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from incidents.models import Incident, PolicyVersion
from portal.access.models import ApiToken
from portal.kernel.actors import Actor
from tests import session_preset

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}
TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "django_db_reset_sequences"}


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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> None:
    """The test database, migrated, with the founder-24x7 preset in force."""
    with django_db_blocker.unblock():
        session_preset.load()


def _uses_database(item: pytest.Item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        (marker.args and marker.args[0])
        or any(marker.kwargs.get(k) for k in ("transaction", "reset_sequences"))
    ):
        return True
    return bool(TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ())))


@pytest.fixture(autouse=True)
def _session_preset_only_where_asked(request: pytest.FixtureRequest) -> None:
    """A test that does not ask for `policy` starts without the session's preset."""
    if "policy" in request.fixturenames or not _uses_database(request.node):
        return
    request.getfixturevalue("_django_db_helper")
    session_preset.SEEDED.remove()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A transactional test's teardown flushed the database: load the preset again
    (not after one that was skipped before its database was set up)."""
    try:
        return (yield)
    finally:
        if nextitem is not None and _uses_database(item) and _is_transactional(item):
            with item.config.stash[blocking_manager_key].unblock():
                if session_preset.SEEDED.version() is None:
                    session_preset.load()


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
def load_policy(db: None) -> Callable[..., PolicyVersion]:
    """Load and activate a preset by name; returns its version."""
    from incidents.policies import load_preset

    def _load(name: str = "founder-24x7") -> PolicyVersion:
        return load_preset(name, actor=Actor.system("test"))

    return _load


@pytest.fixture
def policy(db: None) -> PolicyVersion:
    """The `founder-24x7` preset in force (SEV-1…SEV-4), loaded once per session."""
    version = session_preset.SEEDED.version()
    assert version is not None, "the session preset is missing (see tests/session_preset.py)"
    session_preset.SEEDED.staff_rotations()
    return version


@pytest.fixture
def founder(db: None, django_user_model: type[User]) -> User:
    return django_user_model.objects.create_superuser(
        "founder", "founder@example.com", "pw-founder-1"
    )


@pytest.fixture
def responder(db: None, django_user_model: type[User]) -> User:
    return django_user_model.objects.create_user(
        "responder", "responder@example.com", "pw-responder-1", is_staff=True
    )


@pytest.fixture
def founder_actor(founder: User) -> Actor:
    return Actor.for_user(founder)


@pytest.fixture
def make_token(db: None) -> Callable[..., tuple[ApiToken, str]]:
    """make_token(user, read_only=False) -> (ApiToken, key)."""
    from portal.access.tokens import create_api_token

    def _make(user: User, read_only: bool = False) -> tuple[ApiToken, str]:
        return create_api_token(
            user=user, name="test", read_only=read_only, actor=Actor.system("test")
        )

    return _make


@pytest.fixture
def api(founder: User, make_token: Callable[..., tuple[ApiToken, str]]) -> APIClient:
    """A DRF APIClient authenticated with a read-write token of the founder."""
    _, key = make_token(founder)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def declare(policy: PolicyVersion, system: Actor) -> Callable[..., Incident]:
    """declare(severity="SEV-2", **kwargs) -> Incident, under the founder-24x7 policy."""
    from incidents.services import declare_incident

    def _declare(
        severity: str = "SEV-2", title: str = "Checkout errors", **kwargs: Any
    ) -> Incident:
        return declare_incident(
            actor=kwargs.pop("actor", system), title=title, severity=severity, **kwargs
        )

    return _declare


@pytest.fixture
def engine_alive(db: None) -> Callable[..., None]:
    """The paging engine's loops have just beaten (what a running `manage.py engine`
    writes); call it again to beat at another time."""
    import time

    from portal.project import heartbeats

    def _beat(at: float | None = None) -> None:
        heartbeats._last_written.clear()
        for loop in heartbeats.LOOPS:
            heartbeats.beat(loop, now=time.time() if at is None else at)

    _beat()
    return _beat
