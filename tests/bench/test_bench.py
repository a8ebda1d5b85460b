"""A tiny benchmark run through the real command: every figure is produced (not how fast)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

from pulsefolio.bench.report import LOADS
from pulsefolio.bench.run import TAIL_LINES, with_log_tail

REPO = Path(__file__).resolve().parents[2]


def test_tiny_run_produces_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "pulsefolio.cli.main", "bench", "--users", "200",
         "--instances", "1", "--duration", "1", "--refreshes", "1", "--warm-up", "1",
         "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(out.read_text())
    assert figures["users"] == 200 and figures["load"]["positions"] == 200 * 20
    for key, _ in LOADS:
        load = figures[key]
        assert load["requests"] > 0 and load["rps"] > 0, key
        assert load["errors"] == 0, key
        assert 0 < load["p50_ms"] <= load["p99_ms"] <= load["p999_ms"], key
    # The Python ceiling serves a real portfolio answer's size; so do the real and naive routes.
    sizes = [figures[k]["bytes_per_response"] for k, _ in LOADS[1:]]
    assert min(sizes) > 0.8 * max(sizes)
    propagation = figures["propagation"]
    assert propagation["refreshes"] == 1
    for part in ("instances", "client", "store", "publish"):
        assert 0 < propagation[part]["p50_ms"] <= propagation[part]["p99_ms"], part
    revaluation = figures["revaluation"]
    assert revaluation["positions"] == 200 * 20
    assert revaluation["revalue_ms"] > 0 and revaluation["floor_ms"] > 0
    assert list(figures["memory_mb"]) == ["portfolio-1"]
    assert all(mb > 20 for mb in figures["memory_mb"].values())
    assert all(v is not None and math.isfinite(v) for v in figures["ratios"].values())
    table = done.stdout
    labels = (
        "Gateway ceiling",
        "Bare ASGI ceiling",
        "Python ceiling",
        "/api/v1/portfolio",
        "default 10 connections",
        "Naive",
        "Propagation",
        "Revaluation",
        "Resident memory",
        "reads_vs_bare",
    )
    for label in labels:
        assert label in table, label
    work = re.search(r" on (\S+) …", done.stderr)
    assert work is not None and not Path(work.group(1)).exists()  # stopped and cleaned up


def test_without_wrk_one_line_says_how_to_install_it(tmp_path: Path) -> None:
    """A machine without wrk gets one line naming the package, not a traceback."""
    python_only = tmp_path / "bin"
    python_only.mkdir()
    (python_only / "python").symlink_to(sys.executable)
    done = subprocess.run(
        [sys.executable, "-m", "pulsefolio.cli.main", "bench", "--users", "10"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
        env={"PATH": str(python_only), "HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "apt-get install wrk" in lines[0] and "Traceback" not in done.stderr


def test_a_component_that_fails_to_start_is_told_with_its_log(tmp_path: Path) -> None:
    """The data directory goes when the run stops, so the failure carries its log's end."""
    log = tmp_path / "portfolio-2.log"
    log.write_text("\n".join(f"line {n}" for n in range(40)) + "\nOSError: address in use\n")
    said = with_log_tail(f"portfolio-2 exited with code 3 while starting; see {log}")
    lines = said.splitlines()
    assert lines[0].endswith(f"see {log}")
    assert lines[1] == "last lines of portfolio-2.log:"
    assert lines[-1] == "  OSError: address in use"
    assert len(lines) == 2 + TAIL_LINES
    assert with_log_tail("no log named") == "no log named"
