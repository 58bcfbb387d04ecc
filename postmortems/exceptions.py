"""Domain errors of the post-mortem app; doors translate them like any DomainError."""

from __future__ import annotations

from portal.kernel.errors import DomainError


class PublishRefused(DomainError):
    """Publishing was refused; `problems` lists EVERY reason as (field, message) pairs,
    so the author fixes them all in one pass instead of one per attempt."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__(
            "Cannot publish: " + " ".join(message for _, message in problems),
            field=problems[0][0] if problems else None,
            code="publish_refused",
        )

    def as_dict(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for field, message in self.problems:
            grouped.setdefault(field, []).append(message)
        return grouped

    @property
    def messages(self) -> list[str]:
        return [message for _, message in self.problems]
