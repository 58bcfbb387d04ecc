"""Settings: production is strict and refuses to start without a SECRET_KEY, DEBUG is
off unless asked for, every knob comes from the environment, and importing writes nothing."""

from __future__ import annotations

import ast
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make") or ""


def test_check_deploy_prints_no_warning(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "incidents.example.com",
        "PORTAL_BASE_URL": "https://incidents.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "x.example.com"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """`python -c code` in the project root with the process environment, without DEBUG
    and SECRET_KEY unless given."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_settings_refuse_to_load_without_debug_or_a_secret_key() -> None:
    result = run_python("import portal.settings")

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: SECRET_KEY")


def test_debug_is_off_unless_asked_for() -> None:
    off = run_python("import portal.settings as s; print(s.DEBUG)", SECRET_KEY="k" * 50)
    on = run_python("import portal.settings as s; print(s.DEBUG)", DEBUG="1")

    assert (off.stdout.strip(), on.stdout.strip()) == ("False", "True"), off.stderr + on.stderr


def test_importing_the_settings_makes_no_folder(tmp_path: Path) -> None:
    var = tmp_path / "var"
    probe = (
        "import os, pathlib\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError(f'a folder made at import: {args[0]}')\n"
        "pathlib.Path.mkdir = refuse\n"
        "os.makedirs = os.mkdir = refuse\n"
        "import portal.settings\n"
    )
    result = run_python(
        probe,
        DEBUG="1",
        STATIC_ROOT=str(var / "static"),
        DATABASE_URL=f"sqlite:///{var / 'portal.sqlite3'}",
    )

    assert result.returncode == 0, result.stderr
    assert not var.exists()


def test_manage_py_makes_the_sqlite_folder(tmp_path: Path) -> None:
    folder = tmp_path / "fresh-clone-var"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--check", "--plan"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert folder.is_dir(), result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "expression", "expected"),
    [
        ("SWEEP_BATCH_SIZE", "7", "s.SWEEP_BATCH_SIZE", "7"),
        ("NOTIFY_MAX_ATTEMPTS", "3", "s.NOTIFY_MAX_ATTEMPTS", "3"),
        (
            "AUDIT_EXCLUDED_MODELS",
            "comms.template,drills.drill",
            "s.AUDIT_EXCLUDED_MODELS",
            "['comms.template', 'drills.drill']",
        ),
        ("SECURITY_AUDIT_SEVERITY", "SEV-1", "s.SECURITY_AUDIT_SEVERITY", "SEV-1"),
        ("DRILL_REMINDER_DAYS", "2", "s.DRILL_REMINDER_DAYS", "2"),
    ],
)
def test_a_knob_set_in_the_environment_changes_the_setting(
    variable: str, value: str, expression: str, expected: str
) -> None:
    result = run_python(
        f"import portal.settings as s; print({expression})", DEBUG="1", **{variable: value}
    )

    assert result.stdout.strip() == expected, result.stderr


def settings_variables() -> set[str]:
    """Every environment variable portal/settings.py reads (`env.int("NAME", …)` and kin)."""
    tree = ast.parse((ROOT / "portal" / "settings.py").read_text())
    return {
        str(node.args[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "env"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def test_every_variable_the_settings_read_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    configuration = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    first_cells = [
        line.split("|")[1] for line in configuration.splitlines() if line.startswith("| `")
    ]
    documented = {name for cell in first_cells for name in re.findall(r"`([A-Z0-9_]+)`", cell)}

    missing = sorted(settings_variables() - documented)

    assert len(settings_variables()) > 40
    assert not missing, f"not in README's Configuration table: {missing}"


def test_no_code_reads_a_setting_with_a_default_of_its_own() -> None:
    sources = [
        path
        for folder in ("portal", "incidents", "postmortems", "drills", "bench")
        for path in (ROOT / folder).rglob("*.py")
    ]
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "getattr(settings" in line
    ]

    assert not found, "read it as settings.X, defined in portal/settings.py: " + ", ".join(found)


def test_make_turns_debug_on_for_its_targets() -> None:
    assert MAKE, "make is what CI runs"
    result = subprocess.run(  # noqa: S603
        [MAKE, "--no-print-directory", "--eval", 'probe: ; @echo "DEBUG=$$DEBUG"', "probe"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DEBUG"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.stdout.strip() == "DEBUG=1", result.stderr
