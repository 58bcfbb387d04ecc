"""Who did something: a user, an API token (acting for its user) or the system.

Every service takes `actor=` so that timeline and audit rows say who acted,
whichever door the request came through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user: Any = None  # AbstractBaseUser | None; Any keeps django-stubs' lazy user types out.
    token_id: int | None = None
    label: str = "system"

    @classmethod
    def system(cls, what: str = "system") -> Actor:
        return cls(label=what)

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        return cls(user=user, label=user.get_username())

    @classmethod
    def for_request(cls, request: Any) -> Actor:
        """The actor of a DRF or Django request: its token if it came with one."""
        token = getattr(request, "auth", None)
        token_id = getattr(token, "pk", None)
        user = request.user if request.user.is_authenticated else None
        if token_id is not None and user is not None:
            name = getattr(token, "name", token_id)
            return cls(user=user, token_id=token_id, label=f"{user.get_username()} (token {name})")
        if user is not None:
            return cls.for_user(user)
        return cls.system("anonymous")

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)
