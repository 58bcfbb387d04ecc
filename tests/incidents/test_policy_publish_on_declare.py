"""A level's publish_on_declare is policy content: hashed, built and kept by a copy."""

from __future__ import annotations

import pytest

from incidents.models import Policy
from incidents.policies import (
    activate_policy_version,
    build_version,
    content_hash,
    copy_to_draft,
    policy_content,
)
from portal.kernel.actors import Actor

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("publish test")


def _data(publish_minor: bool | None) -> dict:
    minor = {"code": "SEV-3", "name": "Minor", "rank": 3}
    if publish_minor is not None:
        minor["publish_on_declare"] = publish_minor
    return {"levels": [{"code": "SEV-1", "name": "Critical", "rank": 1}, minor]}


def test_build_version_sets_publish_on_declare_and_defaults_to_publishing() -> None:
    policy = Policy.objects.create(name="Publishing")
    quiet = build_version(policy, _data(False), actor=ACTOR)
    default = build_version(policy, _data(None), actor=ACTOR)
    assert dict(quiet.levels.values_list("code", "publish_on_declare")) == {
        "SEV-1": True, "SEV-3": False}  # fmt: skip
    assert set(default.levels.values_list("publish_on_declare", flat=True)) == {True}


def test_content_hash_covers_publish_on_declare() -> None:
    policy = Policy.objects.create(name="Publishing")
    quiet = build_version(policy, _data(False), actor=ACTOR)
    loud = build_version(policy, _data(True), actor=ACTOR)
    assert policy_content(quiet)["levels"][1]["publish_on_declare"] is False
    assert content_hash(quiet) != content_hash(loud)


def test_default_publish_on_declare_keeps_hashes_taken_before_the_field_existed() -> None:
    policy = Policy.objects.create(name="Publishing")
    loud = build_version(policy, _data(None), actor=ACTOR)
    # Versions signed before the field existed published on declare: same content.
    assert all("publish_on_declare" not in level for level in policy_content(loud)["levels"])


def test_copying_a_version_keeps_publish_on_declare_and_its_hash() -> None:
    policy = Policy.objects.create(name="Publishing")
    active = activate_policy_version(
        version=build_version(policy, _data(False), actor=ACTOR), actor=ACTOR
    )
    copy = copy_to_draft(version=active, actor=ACTOR)
    assert dict(copy.levels.values_list("code", "publish_on_declare")) == {
        "SEV-1": True, "SEV-3": False}  # fmt: skip
    assert content_hash(copy) == active.content_hash
