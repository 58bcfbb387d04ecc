"""Browser tests: Playwright's sync API runs an asyncio event loop in the test thread.

Django's async-safety check would then refuse the ORM calls that fixtures and
assertions make here ("You cannot call this from an async context"), although
nothing is actually async: the browser talks to the live server over HTTP in
another thread. The switch is set per test (not for the session) so that it never
leaks into other tests or the subprocesses they start.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _allow_orm_beside_playwright(monkeypatch: Any) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
