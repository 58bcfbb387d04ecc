"""The import service: a draft policy version from a playbook document."""

from __future__ import annotations

from incidents.models import Policy, PolicyVersion
from incidents.policies import build_version
from portal.audit.choices import AuditAction
from portal.audit.scope import audited_service
from portal.audit.services import record_action
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.project.playbook_import.reader import ImportResult, read_severity_table


def _notes(result: ImportResult, source: str) -> str:
    parts = [f"Imported from {source or 'a document'}. {result.source}"]
    if result.problems:
        parts.append("Not read:\n- " + "\n- ".join(result.problems))
    if result.notes:
        parts.append("Read with care:\n- " + "\n- ".join(result.notes))
    return "\n".join(parts)


@audited_service
def import_markdown_policy(
    *, name: str, markdown: str, actor: Actor, source: str = ""
) -> tuple[PolicyVersion, ImportResult]:
    """A new draft version of policy `name` from the document's severity levels.

    The draft keeps every level that was read; its notes (and the returned result)
    list what was not. Raises DomainError when no level at all could be read.
    """
    if not name.strip():
        raise DomainError("Name the policy.", field="name")
    result = read_severity_table(markdown)
    if not result.levels:
        raise DomainError(result.problems[0], field="file")
    policy, created = Policy.objects.get_or_create(name=name.strip())
    if created:
        record_action(
            actor,
            AuditAction.CREATE,
            policy,
            after={"name": policy.name},
        )
    version = build_version(
        policy,
        {"calendar": {"notes": _notes(result, source)}, "levels": result.levels, "rules": []},
        actor=actor,
    )
    record_action(
        actor,
        AuditAction.CREATE,
        version,
        after={"source": source, "levels": result.levels, "not_read": result.problems},
    )
    return version, result
