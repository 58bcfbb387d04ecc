"""The layers: the foundation in `portal/` imports no app; the top floor may import them all.

foundation  every module under portal/ but the top floor (errors, actors, durations,
            business time, the command base, audit, notifications, security, the API
            base, tokens, responders, the admin site)
apps        incidents (and its sub-apps), postmortems, drills: on the foundation
top floor   TOP_FLOOR below: reports, URL roots, the demo, the operations board,
            settings, and project-wide commands

The walk reads every .py file of the foundation with `ast`: module-level and
function-level imports, and calls that reach a module or model by a string
(`importlib.import_module`, `apps.get_model`, `include`, `import_string`, ...) and
foreign keys to an app's model by its "app_label.Model" string.
README.md ("Layout") names the same modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("incidents", "postmortems", "drills")

# Above every app: each imports (or routes to) every app. Paths relative to the root;
# a path ending in "/" is a whole package.
TOP_FLOOR = (
    "portal/reports/",  # metrics, exports, evidence: the one reader of every app
    "portal/settings.py",  # INSTALLED_APPS, middleware and schema names of every app
    "portal/urls.py",  # the URL root
    "portal/api/urls.py",  # the API root: every app's API routes under /api/v1/
    "portal/demo.py",  # demo data of every app
    "portal/management/commands/demo.py",  # its command
    "portal/operations_board.py",  # the admin home's board: incidents, pages, drills
    "portal/templatetags/operations_board.py",  # the board's template tag
    "portal/project/",  # project-wide jobs: every app's schedules
)

# Foundation modules allowed to reach an app while a move is under way, each with
# the move named beside it. Empty: every job has its owner (issue 12).
ALLOWED_UNTIL_MOVED: set[tuple[str, str]] = set()

# Foreign keys from foundation tables to an app's model, kept on purpose: moving the
# column is a schema change of its own, not a move of code. Listed so that no new one
# joins them unseen.
SCHEMA_LINKS_KEPT = {
    # A security finding links the incident the weekly audit opened for it.
    ("portal/audit/models.py", "incidents.Incident"),
    # An outbox message links the incident it is about (`incident.outbox`).
    ("portal/notifications/models.py", "incidents.Incident"),
}

# Calls whose first argument names a module, or a model by "app_label.Model"/"app_label".
STRING_LOOKUPS = frozenset(
    ("import_module", "__import__", "import_string", "include", "get_model", "get_app_config")
)
RELATIONS = frozenset(("ForeignKey", "OneToOneField", "ManyToManyField"))
COMPUTED = "<computed module name>"


def app_labels() -> frozenset[str]:
    """Package names and app labels of the apps (`oncall` is `incidents.oncall`)."""
    labels = {
        config.label
        for config in apps.get_app_configs()
        if config.name.split(".")[0] in APP_PACKAGES
    }
    return frozenset(labels | set(APP_PACKAGES))


def is_top_floor(relative: str) -> bool:
    return any(
        relative.startswith(entry) if entry.endswith("/") else relative == entry
        for entry in TOP_FLOOR
    )


def foundation_files() -> list[Path]:
    return sorted(
        path
        for path in (ROOT / "portal").rglob("*.py")
        if "migrations" not in path.parts and not is_top_floor(path.relative_to(ROOT).as_posix())
    )


def package_of(path: Path) -> str:
    """The package a file's relative imports start from (its own, for an __init__.py)."""
    return ".".join(path.relative_to(ROOT).parent.parts)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def reached_modules(source: str, package: str) -> Iterator[str]:
    """Every module or "label.Model" string the source imports or looks up, anywhere in it.
    `package` is the one relative imports start from."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and _call_name(node) in STRING_LOOKUPS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value
            elif _call_name(node) in ("import_module", "__import__", "import_string"):
                yield COMPUTED
        elif isinstance(node, ast.Call) and _call_name(node) in RELATIONS:
            targets = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "to")]
            yield from (
                t.value for t in targets if isinstance(t, ast.Constant) and isinstance(t.value, str)
            )


def upward(name: str, labels: frozenset[str]) -> bool:
    """Whether `name` (a module or "label.Model") is an app or the top floor."""
    if name == COMPUTED or name.split(".")[0] in labels:
        return True
    target = name.replace(".", "/")
    return is_top_floor(f"{target}.py") or is_top_floor(f"{target}/")


def violations(path: Path, labels: frozenset[str]) -> list[tuple[str, str]]:
    relative = path.relative_to(ROOT).as_posix()
    names = {n for n in reached_modules(path.read_text(), package_of(path)) if upward(n, labels)}
    # `from incidents.exceptions import X` reaches both names: report the shorter one.
    return sorted(
        (relative, name)
        for name in names
        if not any(name.startswith(f"{other}.") for other in names)
    )


def allows(entry: tuple[str, str], hit: tuple[str, str]) -> bool:
    return hit[0] == entry[0] and hit[1].startswith(entry[1])


def test_no_foundation_module_imports_an_app_or_the_top_floor() -> None:
    labels = app_labels()
    found = [
        hit
        for path in foundation_files()
        for hit in violations(path, labels)
        if not any(allows(entry, hit) for entry in ALLOWED_UNTIL_MOVED | SCHEMA_LINKS_KEPT)
    ]
    assert not found, "the foundation reaches above itself:\n" + "\n".join(
        f"{module}: {name}" for module, name in found
    )


def test_every_allowed_exception_is_still_needed() -> None:
    labels = app_labels()
    hits = {hit for path in foundation_files() for hit in violations(path, labels)}
    stale = [
        entry
        for entry in sorted(ALLOWED_UNTIL_MOVED | SCHEMA_LINKS_KEPT)
        if not any(allows(entry, hit) for hit in hits)
    ]
    assert not stale, f"gone already, drop from the allowed lists: {stale}"


def test_the_top_floor_list_names_existing_modules() -> None:
    missing = [entry for entry in TOP_FLOOR if not (ROOT / entry).exists()]
    assert not missing


def test_the_readme_layout_names_the_top_floor() -> None:
    readme = (ROOT / "README.md").read_text()
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]

    assert [entry for entry in TOP_FLOOR if entry not in layout] == []


def test_domain_error_is_imported_from_the_foundation_only() -> None:
    import incidents.exceptions
    from portal.errors import DomainError

    assert issubclass(incidents.exceptions.NoActivePolicy, DomainError)
    assert not hasattr(incidents.exceptions, "DomainError")


def test_the_kernel_modules_are_foundation() -> None:
    kernel = {
        "portal/errors.py",
        "portal/actors.py",
        "portal/durations.py",
        "portal/business_time.py",
        "portal/command_line.py",
    }
    foundation = {path.relative_to(ROOT).as_posix() for path in foundation_files()}
    assert kernel <= foundation


@pytest.mark.parametrize(
    ("source", "reached"),
    [
        ("from incidents.models import Incident", "incidents.models"),
        ("def f():\n    from postmortems import services", "postmortems"),
        ("import drills.selectors", "drills.selectors"),
        ("apps.get_model('oncall', 'Schedule')", "oncall"),
        ("apps.get_model('postmortems.PostMortem')", "postmortems.PostMortem"),
        ("importlib.import_module('incidents.tasks')", "incidents.tasks"),
        ("importlib.import_module(f'{name}.tasks')", COMPUTED),
        ("path('', include('drills.api.urls'))", "drills.api.urls"),
        ("models.ForeignKey('incidents.Incident', on_delete=CASCADE)", "incidents.Incident"),
        ("models.OneToOneField(to='drills.Drill', on_delete=CASCADE)", "drills.Drill"),
        ("from portal.reports.selectors import compute_metrics", "portal.reports.selectors"),
        ("from .operations_board import operations_board", "portal.operations_board"),
    ],
)
def test_the_walk_finds_each_way_up(source: str, reached: str) -> None:
    labels = app_labels()
    names = list(reached_modules(source, "portal"))
    assert reached in names
    assert upward(reached, labels)


def test_the_walk_lets_foundation_imports_pass() -> None:
    labels = app_labels()
    source = (
        "from portal.errors import DomainError\n"
        "from portal.audit.models import AuditEntry\n"
        "apps.get_model('auth', 'Group')\n"
    )
    assert not [n for n in reached_modules(source, "portal") if upward(n, labels)]


def test_the_walk_resolves_relative_imports_from_the_file_package() -> None:
    names = set(reached_modules("from ..demo import load_demo", "portal.management"))

    assert "portal.demo" in names
    assert upward("portal.demo", app_labels())
