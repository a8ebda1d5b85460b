"""A brief ``pulsefolio soak`` on the shared platform: load, every kind of fault, no loss."""

from __future__ import annotations

import json
import subprocess

import pytest

from pulsefolio.runtime.soak.faults import SCHEDULE
from tests.cli.stack import REPO, pulsefolio
from tests.reliability.load import Stack

pytestmark = pytest.mark.stack


def test_brief_soak_loses_nothing(stack: Stack) -> None:
    run = subprocess.run(
        pulsefolio("soak", "--minutes", "0.3", "--users", "3", "--every", "2", "--hold", "1"),
        env=stack.env, cwd=REPO, capture_output=True, text=True, timeout=200,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert "using the platform running on" in run.stderr
    assert report["ok"] and report["check"]["ok"] and report["every_fault_recovered"]
    kinds = [f["kind"] for f in report["faults"]]
    assert len(kinds) >= 4 and kinds == list(SCHEDULE * 3)[: len(kinds)]
    assert report["check"]["acknowledged"] == report["load"]["writes_acknowledged"] > 0
    assert report["check"]["missing"] == report["check"]["duplicated"] == []
