"""A source's state in the snapshot says how it has done, not only whether it may be called."""

from __future__ import annotations

from pulsefolio.assets.source_status import SourceHealth


def _row(health: SourceHealth) -> dict[str, object]:
    (row,) = health.snapshot()
    return {k: row[k] for k in ("state", "healthy", "available")}


class TestState:
    def test_one_failure_and_no_success_is_not_healthy(self) -> None:
        health = SourceHealth(failure_threshold=3, cooldown=300)
        health.status("p")
        assert _row(health) == {"state": "unused", "healthy": False, "available": True}
        health.failure("p", TimeoutError("no answer"))
        assert _row(health) == {"state": "never_succeeded", "healthy": False, "available": True}

    def test_success_failure_and_cool_down(self) -> None:
        now = [100.0]
        health = SourceHealth(failure_threshold=2, cooldown=60, monotonic=lambda: now[0])
        health.success("p", 0.1)
        assert _row(health) == {"state": "healthy", "healthy": True, "available": True}
        health.failure("p", ValueError("boom"))
        assert _row(health) == {"state": "failing", "healthy": False, "available": True}
        health.failure("p", ValueError("boom"))
        assert _row(health) == {"state": "cooling_down", "healthy": False, "available": False}
        now[0] += 61
        assert _row(health)["state"] == "failing"
        health.success("p", 0.1)
        assert _row(health)["state"] == "healthy"
