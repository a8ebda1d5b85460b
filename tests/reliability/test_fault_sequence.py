"""``pulsefolio faults`` on the shared platform: a portfolio instance, then Redis, then NATS
SIGKILLed under write load with ``Idempotency-Key``, each recovered from before the next.

No acknowledged write is lost or stored twice, every 503 says ``Retry-After``, no other 5xx is
answered, and writes are acknowledged again soon after each kill.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from pulsefolio.runtime.soak.sequence import SEQUENCE
from tests.cli.stack import REPO, pulsefolio
from tests.reliability.load import Stack

pytestmark = pytest.mark.stack

RESUMED_WITHIN = 10.0  # seconds from a kill until a write sent after it is acknowledged


def test_kills_in_turn_lose_no_acknowledged_write(stack: Stack) -> None:
    before = {name: stack.faults.pid(name) for name in ("portfolio-1", "redis", "nats")}
    run = subprocess.run(
        pulsefolio("faults", "--users", "4", "--settle", "2", "--within", "30"),
        env=stack.env, cwd=REPO, capture_output=True, text=True, timeout=150,
    )  # fmt: skip
    report = json.loads(run.stdout)
    print(run.stdout, run.stderr)
    load, checked = report["load"], report["check"]

    assert [(f["kind"], f["target"]) for f in report["faults"]] == [
        ("kill-portfolio", "portfolio-1"), ("kill-redis", "redis"), ("kill-nats", "nats"),
    ]  # fmt: skip
    assert [f["kind"] for f in report["faults"]] == list(SEQUENCE)
    after = {name: stack.faults.pid(name) for name in before}
    assert all(after[name] != before[name] for name in before), (before, after)

    assert report["acknowledged_writes_lost"] == 0 == len(checked["missing"])
    assert report["acknowledged_writes_duplicated"] == 0 == len(checked["duplicated"])
    assert checked["ok"], checked
    assert checked["acknowledged"] == load["writes_acknowledged"] > 0
    assert load["writes_unacknowledged_at_end"] == 0
    assert load["unavailable_503_without_retry_after"] == 0, load
    assert load["server_errors"] == 0, load["failures"]
    statuses = {what.rsplit(" ", 1)[-1] for what in load["failures"]}
    assert not {s for s in statuses if s.startswith("5") and s != "503"}, load["failures"]

    for fault in report["faults"]:
        assert fault["back_after_s"] is not None, fault
        assert fault["answering_after_s"] is not None, fault
        assert fault["writes_resumed_after_s"] is not None, fault
        assert fault["writes_resumed_after_s"] < RESUMED_WITHIN, fault
    assert sum(f["unavailable_503"] for f in report["faults"]) <= load["unavailable_503"]
    assert report["every_fault_recovered"] and report["ok"], run.stdout + run.stderr
    assert run.returncode == 0, run.stderr
    assert "using the platform running on" in run.stderr
