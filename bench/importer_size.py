"""Playbook importer: seconds to read 100 KB, 1 MB and 5 MB table-dense documents.

    .venv/bin/python bench/importer_size.py [--before main] [--sizes 100000,1000000,5000000]
        [--repeat 3]

Two documents at each size, both a severity table every 300 characters (the worst
case for candidates):

- "repeated": the ordinary block of tests/incidents/test_importer_pathological.py (a
  heading, a three-column severity table, prose, a list) repeated to the size;
- "distinct": the same block with a number in its heading, definitions, prose and
  items, so that these are never the same text twice (the importer keeps the codes,
  labels and durations it has read; codes and targets still repeat, as in playbooks).

Each measurement is one `read_severity_table` (the code behind `manage.py
importpolicy`) in a fresh process, timed in that process; the best of `--repeat` is
kept. With `--before REF`, the importer of that git revision (exported with `git
archive` to a temporary folder) is measured too, alternating with this checkout's, so
that before and after share the load of the machine (`--before main` while main's
importer is the one this branch started from). Ratios are within the run: each
size's time over the smallest size's (linear: the ratio of the sizes), and before over
after. Results go to bench/results/importer_size.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
RESULTS = ROOT / "bench" / "results" / "importer_size.md"
KINDS = ("repeated", "distinct")
_DISTINCT_BLOCK = (
    "## Severity levels {i}\n\n| Sev | Definition | Ack |\n|---|---|---|\n"
    "| SEV-1 | **Outage** of `api{i}`, see [runbook](https://x/{i}) | {a} min |\n"
    "| SEV-2 | _Degraded_ service {i} | {b} hr |\n\nSome prose {i} with *emphasis* and a list:\n\n"
    "- first item {i}\n- second item {i}\n\n"
)


def document(kind: str, size: int) -> str:
    if kind == "repeated":
        from tests.incidents.test_importer_pathological import _ORDINARY_BLOCK, _sized

        return _sized(_ORDINARY_BLOCK, size)
    parts: list[str] = []
    length = 0
    while length < size:
        part = _DISTINCT_BLOCK.format(i=len(parts), a=len(parts) % 50 + 1, b=len(parts) % 9 + 1)
        parts.append(part)
        length += len(part)
    return "".join(parts)


def worker(code: Path, kind: str, size: int) -> None:
    """Read one document with the importer in `code`; print its size and the seconds."""
    sys.path[:0] = [str(code), str(ROOT)]
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from portal.project.playbook_import import read_severity_table

    text = document(kind, size)
    start = time.perf_counter()
    result = read_severity_table(text)
    elapsed = time.perf_counter() - start
    assert [level["code"] for level in result.levels] == ["SEV-1", "SEV-2"]
    print(len(text), elapsed)


def measure(code: Path, kind: str, size: int) -> tuple[int, float]:
    out = subprocess.run(  # noqa: S603 - this script, with its own arguments
        [PY, __file__, "--worker", str(code), "--kind", kind, "--sizes", str(size)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), float(out[1])


def git(*args: str) -> str:
    return subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), *args],  # noqa: S607 - git from PATH, as a developer runs it
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", help="a git revision to measure too (e.g. main)")
    parser.add_argument("--sizes", default="100000,1000000,5000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kind", choices=KINDS, help="one kind only (both by default)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.worker:
        worker(args.worker, args.kind, sizes[0])
        return 0
    kinds = [args.kind] if args.kind else list(KINDS)
    trees = {"after": ROOT}
    with tempfile.TemporaryDirectory() as export:
        if args.before:
            archive = subprocess.run(  # noqa: S603
                ["git", "-C", str(ROOT), "archive", args.before],  # noqa: S607
                capture_output=True,
                check=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", export], input=archive, check=True)  # noqa: S603, S607
            trees = {"before": Path(export), "after": ROOT}
        load = os.getloadavg()[0]
        best: dict[tuple[str, str, int], float] = {}
        chars: dict[tuple[str, int], int] = {}
        for kind in kinds:
            for size in sizes:
                for _ in range(args.repeat):
                    for name, code in trees.items():
                        length, seconds = measure(code, kind, size)
                        key = (name, kind, size)
                        best[key] = min(best.get(key, seconds), seconds)
                        chars[(kind, size)] = length
                        print(f"{name:6} {kind:8} {length:>10,} chars {seconds:6.2f} s", flush=True)
        load_after = os.getloadavg()[0]

    before = f"{args.before} ({git('rev-parse', '--short', args.before)})" if args.before else ""
    uname = " ".join(part for part in platform.uname() if part)
    lines = [
        "# Playbook importer: time by document size",
        "",
        f"Run: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%MZ}; `{uname}`, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load average "
        f"{load:.1f} at the start, {load_after:.1f} at the end. Script: "
        "`bench/importer_size.py`.",
        "",
        f"After: this checkout ({git('rev-parse', '--short', 'HEAD')}, "
        f"{'with' if git('status', '--porcelain', '--untracked-files=no') else 'no'} uncommitted changes)."
        + (f" Before: {before}." if before else ""),
        f"Best of {args.repeat} reads, each in a fresh process.",
    ]
    for kind in kinds:
        lines += [
            "",
            f"**{kind}**",
            "",
            "| size (chars) |"
            + (" before (s) |" if before else "")
            + " after (s) | after, s per MB | size ×, time × (after) |"
            + (" before / after |" if before else ""),
            "|---:|"
            + ("---:|" if before else "")
            + "---:|---:|---:|"
            + ("---:|" if before else ""),
        ]
        base = sizes[0]
        for size in sizes:
            after = best[("after", kind, size)]
            length = chars[(kind, size)]
            row = f"| {length:,} |"
            if before:
                row += f" {best[('before', kind, size)]:.2f} |"
            row += (
                f" {after:.2f} | {after / length * 1_000_000:.2f} |"
                f" ×{length / chars[(kind, base)]:.0f}, ×{after / best[('after', kind, base)]:.1f} |"
            )
            if before:
                row += f" ×{best[('before', kind, size)] / after:.1f} |"
            lines.append(row)
    report = "\n".join(lines) + "\n"
    print(report)
    if not args.no_write:
        RESULTS.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
