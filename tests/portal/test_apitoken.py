"""`manage.py apitoken`: create (key on the last line), list, revoke; one-line errors."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from portal.access.management.commands.apitoken import Command
from portal.access.models import ApiToken

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("apitoken", *args, stdout=out)
    return out.getvalue()


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_create_makes_the_user_and_prints_a_working_key_last(policy: Any) -> None:
    # When an operator creates a token for a user who does not exist yet
    output = run("create", "grafana", "--name", "dashboards")
    key = last_line(output)
    # Then the user exists without a usable password and without admin access
    user = get_user_model().objects.get(username="grafana")
    assert not user.has_usable_password()
    assert not user.is_staff
    assert not user.is_superuser
    # And the last line is a key that authenticates against the API
    token = ApiToken.objects.get(user=user)
    assert token.name == "dashboards"
    assert key.startswith(token.prefix)
    assert key not in (token.key_hash, token.prefix)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/incidents/").status_code == 200
    assert (
        client.post(
            "/api/v1/incidents/", {"title": "x", "severity": "SEV-4"}, format="json"
        ).status_code
        == 201
    )


def test_create_read_only_for_an_existing_user(policy: Any, responder: Any) -> None:
    # The API grants what the user's role grants (issue 14): name one for this role-less user.
    key = last_line(run("create", "responder", "--read-only", "--role", "Responders"))
    token = ApiToken.objects.get(user=responder)
    assert token.read_only
    assert token.name == "cli"
    responder.refresh_from_db()
    assert responder.check_password("pw-responder-1"), "an existing user's password is left alone"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/incidents/").status_code == 200
    assert (
        client.post(
            "/api/v1/incidents/", {"title": "x", "severity": "SEV-4"}, format="json"
        ).status_code
        == 403
    )


def test_list_shows_prefixes_never_keys(founder: Any) -> None:
    key = last_line(run("create", "founder", "--name", "ci"))
    output = run("list")
    assert key[:8] in output
    assert key not in output
    assert "founder" in output
    assert "read-write" in output
    assert "ci" in output


def test_revoke_by_prefix_stops_the_key(policy: Any, founder: Any) -> None:
    key = last_line(run("create", "founder"))
    output = run("revoke", key[:8])
    assert "Revoked" in output
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/incidents/").status_code == 401
    assert key[:8] not in run("list")
    assert key[:8] in run("list", "--all")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create", "bad name!"), "username:"),
        (("create", "x" * 200), "username:"),
        (("create", "founder", "--name", "   "), "name:"),
        (("revoke", "abc"), "prefix:"),
        (("revoke", "zzzzzzzz"), "prefix:"),
        ((), "action:"),
    ],
)
def test_bad_arguments_are_one_line_errors(
    founder: Any, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=f"^{message}"):
        run(*args)
    assert ApiToken.objects.count() == 0


def test_bad_arguments_exit_1_with_one_line_on_stderr(db: Any, capsys: Any) -> None:
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["manage.py", "apitoken", "revoke", "nope"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "prefix:" in err


def test_inactive_user_is_refused(django_user_model: Any) -> None:
    django_user_model.objects.create_user("gone", is_active=False)
    with pytest.raises(CommandError, match="^username: gone is inactive"):
        run("create", "gone")
