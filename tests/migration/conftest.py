"""The people every migration test reads the vendors' users against."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from incidents.models import PolicyVersion


@pytest.fixture
def people(policy: PolicyVersion) -> dict[str, User]:
    """Ana, Bo and Cy have portal accounts; Zoe does not."""
    return {
        n: get_user_model().objects.create_user(n, f"{n}@example.com") for n in ("ana", "bo", "cy")
    }
