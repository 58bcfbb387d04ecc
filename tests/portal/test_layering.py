"""The floors: one import-linter contract (pyproject.toml, `[tool.importlinter]`) says
which package may import which, directly or indirectly; `make test` runs it
(`lint-imports`). This module checks what the contract cannot see:

- that it fails when an add-on imports another add-on or the core imports an add-on
  (shown on scratch modules in a copy of the tree);
- that every module of `incidents/` is named on a floor (a new core module is not
  silently outside the contract);
- references by string, which import-linter does not read: `include("app.urls")`,
  `import_string`, `apps.get_model("label", …)` and foreign keys by `"label.Model"`
  that reach a higher floor;
- that README.md's Layout names the same floors.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("portal", "incidents", "postmortems", "drills")

# Foreign keys from a lower floor's table to a higher floor's model, kept on purpose:
# moving the column is a schema change of its own, not a move of code. Listed so that
# no new one joins them unseen.
SCHEMA_LINKS_KEPT = {
    # A security finding links the incident the weekly audit opened for it.
    ("portal/audit/models.py", "incidents.Incident"),
    # An outbox message links the incident it is about (`incident.outbox`).
    ("portal/notifications/models.py", "incidents.Incident"),
}

STRING_LOOKUPS = frozenset(
    ("import_module", "__import__", "import_string", "include", "get_model", "get_app_config")
)
RELATIONS = frozenset(("ForeignKey", "OneToOneField", "ManyToManyField"))


def contract() -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (floors,) = [c for c in config["contracts"] if c["id"] == "floors"]
    return floors


def floors() -> list[list[str]]:
    """The contract's layers, top first, each a list of module names."""
    layers = contract()["layers"]
    assert isinstance(layers, list)
    return [[m.strip() for m in layer.replace("|", ":").split(":")] for layer in layers]


def floor_of(module: str) -> int | None:
    """Index of the floor holding `module` (0 = roof), None when it is on none."""
    for index, names in enumerate(floors()):
        if any(module == n or module.startswith(n + ".") for n in names):
            return index
    return None


def module_of_label(label: str) -> str | None:
    """The module of an app label ("oncall" -> "incidents.oncall"), or None."""
    try:
        return apps.get_app_config(label).name
    except LookupError:
        return None


def string_references(source: str) -> Iterator[str]:
    """Modules and "label.Model" strings reached by string in `source`."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in STRING_LOOKUPS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value
        elif name in RELATIONS:
            targets = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "to")]
            yield from (
                t.value for t in targets if isinstance(t, ast.Constant) and isinstance(t.value, str)
            )


def target_module(reference: str) -> str | None:
    """What a string reference points at, as a module name: a model ("label.Model")
    by the module that defines it, an app label by its app's module."""
    parts = reference.split(".")
    if len(parts) == 2:
        try:
            return apps.get_model(reference).__module__
        except (LookupError, ValueError):
            pass
    if parts[0] in PACKAGES:
        return reference
    return module_of_label(parts[0])


def source_files() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def upward_string_references() -> list[tuple[str, str]]:
    found = []
    for path in source_files():
        own = floor_of(module_name(path))
        if own is None:
            continue
        for reference in set(string_references(path.read_text())):
            target = target_module(reference)
            floor = floor_of(target) if target else None
            if floor is not None and floor < own:
                found.append((path.relative_to(ROOT).as_posix(), reference))
    return sorted(found)


def test_no_module_reaches_a_higher_floor_by_string() -> None:
    found = [hit for hit in upward_string_references() if hit not in SCHEMA_LINKS_KEPT]

    assert not found, "a string reaches a higher floor:\n" + "\n".join(
        f"{module}: {name}" for module, name in found
    )


def test_every_kept_schema_link_is_still_there() -> None:
    hits = set(upward_string_references())

    assert sorted(SCHEMA_LINKS_KEPT - hits) == []


def test_every_module_of_incidents_is_on_a_floor() -> None:
    children = sorted(
        path.stem if path.is_file() else path.name
        for path in (ROOT / "incidents").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    )

    assert [c for c in children if floor_of(f"incidents.{c}") is None] == []


def test_every_module_of_portal_is_on_a_floor_but_the_wiring() -> None:
    """settings, wsgi and the gunicorn config wire the process; everything else of
    `portal/` is in a floor's package."""
    loose = sorted(
        path.name
        for path in (ROOT / "portal").iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").exists())
        and floor_of(f"portal.{path.stem if path.is_file() else path.name}") is None
    )

    assert loose == ["__init__.py", "gunicorn.conf.py", "settings.py", "wsgi.py"]


def test_the_readme_layout_names_every_floor_in_the_contract_order() -> None:
    readme = (ROOT / "README.md").read_text()
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    positions = []
    for names in floors():
        # A floor of one package is named by its folder; the incident core (every
        # other module of incidents/) by "incidents/".
        folder = names[0].replace(".", "/") + "/" if len(names) < 5 else "incidents/"
        assert f"\n{folder} " in layout, folder
        positions.append(layout.index(f"\n{folder} "))

    assert positions == sorted(positions)


def _scratch_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed argv: the project's own lint-imports
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--no-logo"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("scratch", "source", "broken"),
    [
        (
            "incidents/slack/scratch.py",
            "from incidents.oncall import selectors\n",
            "incidents.slack is not allowed to import incidents.oncall",
        ),
        (
            "incidents/scratch.py",
            "from incidents.comms import models\n",
            "incidents.scratch is not allowed to import incidents.comms",
        ),
        (
            # Indirectly: the core through a kernel module that imports an add-on.
            "portal/kernel/scratch.py",
            "import incidents.integrations.models\n",
            "portal.kernel is not allowed to import incidents",
        ),
    ],
    ids=["add-on imports an add-on", "core imports an add-on", "kernel imports an app"],
)
def test_the_contract_fails_on_a_scratch_module(
    tmp_path: Path, scratch: str, source: str, broken: str
) -> None:
    tree = _scratch_tree(tmp_path)
    (tree / scratch).write_text(source)
    if scratch == "incidents/scratch.py":
        # A new core module is named on the core's floor, as the rule above asks.
        text = (tree / "pyproject.toml").read_text()
        (tree / "pyproject.toml").write_text(
            text.replace('"incidents.admin : ', '"incidents.scratch : incidents.admin : ')
        )

    result = _lint(tree)

    assert result.returncode == 1, result.stdout
    assert broken in " ".join(result.stdout.split())


def test_the_contract_holds_on_the_tree_as_it_is(tmp_path: Path) -> None:
    result = _lint(_scratch_tree(tmp_path))

    assert result.returncode == 0, result.stdout
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("source", "reached"),
    [
        ("apps.get_model('oncall', 'Schedule')", "oncall"),
        ("apps.get_model('postmortems.PostMortem')", "postmortems.PostMortem"),
        ("importlib.import_module('incidents.tasks')", "incidents.tasks"),
        ("path('', include('drills.api.urls'))", "drills.api.urls"),
        ("models.ForeignKey('incidents.Incident', on_delete=CASCADE)", "incidents.Incident"),
        ("models.OneToOneField(to='drills.Drill', on_delete=CASCADE)", "drills.Drill"),
    ],
)
def test_the_string_walk_finds_each_way(source: str, reached: str) -> None:
    assert reached in set(string_references(source))


def test_a_label_resolves_to_its_floor() -> None:
    assert floor_of(target_module("oncall.Schedule") or "") == floor_of("incidents.slack")
    assert floor_of(target_module("reports.x") or "") == 0
    assert floor_of("portal.kernel.errors") == len(floors()) - 1
