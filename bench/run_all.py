"""Run every benchmark in turn on the local PostgreSQL; each writes bench/results/<name>.md.

    .venv/bin/python bench/run_all.py [--quick]

Each script creates and drops its own database; numbers are compared as ratios
within one run because these machines are noisy.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432/portal_bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="Smaller sizes, for a smoke run.")
    quick = parser.parse_args().quick
    env = {**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL", PG)}
    runs = [
        ["bench/sweep.py"],
        ["bench/alert_storm.py", *(["--events", "2000", "--keys", "20"] if quick else [])],
        ["bench/export_register.py", *(["--rows", "100000", "--small", "10000"] if quick else [])],
    ]
    for args in runs:
        print(f"=== {' '.join(args)}", flush=True)
        result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=False)  # noqa: S603
        if result.returncode != 0:
            print(f"{args[0]} failed with exit code {result.returncode}", file=sys.stderr)
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
