"""The evidence pack: complete, verifiable with sha256sum, byte-identical across runs."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from portal.project.reports.exporters import EXPORTERS


def _pack(tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    call_command(
        "export", "evidence", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(out)
    )
    return out


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
def test_pack_has_every_export_a_summary_and_a_manifest_that_verifies(
    history: Any, tmp_path: Path
) -> None:
    pack = _pack(tmp_path, "pack.zip")
    with zipfile.ZipFile(pack) as zf:
        names = zf.namelist()
        expected = {f"{n}.{fmt}" for n in EXPORTERS for fmt in ("csv", "json")}
        assert expected | {
            "summary.html",
            "summary.pdf",
            "audit-head.txt",
            "MANIFEST.sha256",
        } == set(names)
        assert names[-1] == "MANIFEST.sha256"
        html = zf.read("summary.html").decode()
        assert "2026-03-01 to 2026-03-31" in html
        assert "Time to acknowledge" in html
        assert zf.read("summary.pdf").startswith(b"%PDF")
        # The audit chain's head travels with the pack, to check the log against later.
        head = zf.read("audit-head.txt").decode().splitlines()[0]
        call_command("audit", "verify", "--expect", head, stdout=io.StringIO())
        assert all(info.date_time == (2026, 3, 31, 0, 0, 0) for info in zf.infolist())
        target = tmp_path / "unpacked"
        zf.extractall(target)
    check = subprocess.run(
        ["sha256sum", "-c", "MANIFEST.sha256"],  # noqa: S607
        cwd=target,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == len(names) - 1


def test_two_runs_give_identical_files(history: Any, tmp_path: Path) -> None:
    """Byte for byte, but for the audit head: making the first pack is itself audited."""
    varying = {"audit-head.txt", "MANIFEST.sha256"}
    with zipfile.ZipFile(_pack(tmp_path, "a.zip")) as a:
        first = {n: a.read(n) for n in a.namelist() if n not in varying}
    with (
        time_machine.travel("2026-06-01 10:00Z"),
        zipfile.ZipFile(_pack(tmp_path, "b.zip")) as b,
    ):
        second = {n: b.read(n) for n in b.namelist() if n not in varying}
    assert first == second


def test_a_tampered_file_fails_the_manifest(history: Any, tmp_path: Path) -> None:
    if shutil.which("sha256sum") is None:
        pytest.skip("needs coreutils sha256sum")
    with zipfile.ZipFile(_pack(tmp_path, "pack.zip")) as zf:
        zf.extractall(tmp_path / "x")
    register = tmp_path / "x" / "incident-register.csv"
    register.write_text(register.read_text().replace("Checkout down", "Nothing happened"))
    check = subprocess.run(
        ["sha256sum", "-c", "MANIFEST.sha256"],  # noqa: S607 cwd=tmp_path / "x", capture_output=True, check=False
    )
    assert check.returncode != 0
