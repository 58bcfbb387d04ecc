"""Fixtures of the incident tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def admin_client(client: Any, founder: Any) -> Any:
    """The Django test client, logged in as the founder (a superuser)."""
    client.force_login(founder)
    return client
