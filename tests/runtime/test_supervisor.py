"""The supervisor: order, readiness, restart with backoff and stop order, first with fake
processes and a fake clock (replayed events, nothing spawned), then with real processes."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import psutil
import pytest

from pulsefolio.runtime.spec import ProcessSpec
from pulsefolio.runtime.supervisor import Interrupted, StartFailed, Supervisor, describe_exit


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class FakeProcess:
    def __init__(self, name: str, pid: int, events: list[tuple[str, ...]]) -> None:
        self.name = name
        self.pid = pid
        self.code: int | None = None
        self.events = events
        self.ignores_signal = False

    def poll(self) -> int | None:
        return self.code

    def send(self, sig: int) -> None:
        self.events.append(("signal", self.name, signal.Signals(sig).name))
        if not self.ignores_signal:
            self.code = -sig

    def kill_group(self) -> None:
        self.events.append(("kill_group", self.name))
        if self.code is None:
            self.code = -signal.SIGKILL


class FakeFactory:
    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []
        self.spawned: list[FakeProcess] = []

    def __call__(self, spec: ProcessSpec, log_path: Path) -> FakeProcess:
        process = FakeProcess(spec.name, 100 + len(self.spawned), self.events)
        self.spawned.append(process)
        self.events.append(("spawn", spec.name))
        return process

    def latest(self, name: str) -> FakeProcess:
        return [p for p in self.spawned if p.name == name][-1]


def make(tmp_path: Path, **kwargs: float) -> tuple[Supervisor, FakeFactory, FakeClock, list[str]]:
    factory, clock, lines = FakeFactory(), FakeClock(), []
    supervisor = Supervisor(tmp_path, factory=factory, clock=clock, report=lines.append, **kwargs)
    return supervisor, factory, clock, lines


class TestStart:
    def test_waits_until_ready_and_keeps_order(self, tmp_path: Path) -> None:
        supervisor, factory, clock, _ = make(tmp_path)
        checks = iter([False, False, True])
        supervisor.start(ProcessSpec("db", ("db",), ready=lambda: next(checks)))
        supervisor.start(ProcessSpec("app", ("app",)))
        assert [e for e in factory.events if e[0] == "spawn"] == [("spawn", "db"), ("spawn", "app")]
        assert clock.now == pytest.approx(1000.2)  # two polls of 0.1 s before db was ready
        assert [c.state for c in supervisor.children] == ["running", "running"]

    def test_runs_init_once_before_spawning(self, tmp_path: Path) -> None:
        supervisor, factory, _, _ = make(tmp_path)
        calls: list[int] = []
        supervisor.start(ProcessSpec("db", ("db",), init=lambda: calls.append(len(factory.events))))
        assert calls == [0]

    def test_exit_while_starting_fails_with_reason(self, tmp_path: Path) -> None:
        supervisor, factory, _, _ = make(tmp_path)

        def ready() -> bool:
            factory.latest("db").code = 3
            return False

        with pytest.raises(StartFailed, match="db exited with code 3 while starting"):
            supervisor.start(ProcessSpec("db", ("db",), ready=ready))

    def test_never_ready_times_out(self, tmp_path: Path) -> None:
        supervisor, _, _, _ = make(tmp_path)
        with pytest.raises(StartFailed, match="not ready after 5s"):
            supervisor.start(ProcessSpec("db", ("db",), ready=lambda: False, start_timeout=5))

    def test_stop_request_interrupts_start(self, tmp_path: Path) -> None:
        supervisor, _, _, _ = make(tmp_path)

        def ready() -> bool:
            supervisor.request_stop()
            return False

        with pytest.raises(Interrupted):
            supervisor.start(ProcessSpec("db", ("db",), ready=ready))


class TestRestart:
    def test_backoff_doubles_and_death_is_logged(self, tmp_path: Path) -> None:
        supervisor, factory, clock, lines = make(tmp_path, backoff_initial=0.5)
        supervisor.start(ProcessSpec("app", ("app",)))
        delays = []
        for _ in range(3):
            factory.latest("app").code = -signal.SIGKILL
            supervisor.poll()
            child = supervisor.child("app")
            assert child.state == "backoff"
            delays.append(child.restart_at - clock.now)
            clock.now = child.restart_at - 0.01
            supervisor.poll()
            assert child.state == "backoff"  # not yet
            clock.now = child.restart_at
            supervisor.poll()
            assert child.state == "starting"
            supervisor.poll()
            assert child.state == "running"
        assert delays == [0.5, 1.0, 2.0]
        assert len([e for e in factory.events if e == ("spawn", "app")]) == 4
        assert "app (pid 100) killed by SIGKILL; restarting in 0.5s" in lines
        log = (tmp_path / "app.log").read_text()
        assert "killed by SIGKILL" in log

    def test_backoff_is_capped_and_resets_after_stable_run(self, tmp_path: Path) -> None:
        supervisor, factory, clock, _ = make(
            tmp_path, backoff_initial=1, backoff_max=3, stable_after=60
        )
        supervisor.start(ProcessSpec("app", ("app",)))
        child = supervisor.child("app")
        delays = []
        for _ in range(4):
            factory.latest("app").code = 1
            supervisor.poll()
            delays.append(child.restart_at - clock.now)
            clock.now = child.restart_at
            supervisor.poll()
        assert delays == [1, 2, 3, 3]
        clock.now += 61  # ran long enough to count as healthy again
        factory.latest("app").code = 1
        supervisor.poll()
        assert child.restart_at - clock.now == 1

    def test_dead_child_group_is_cleared(self, tmp_path: Path) -> None:
        supervisor, factory, _, _ = make(tmp_path)
        supervisor.start(ProcessSpec("app", ("app",)))
        factory.latest("app").code = 0
        supervisor.poll()
        assert ("kill_group", "app") in factory.events


class TestStop:
    def test_reverse_order_with_each_stop_signal(self, tmp_path: Path) -> None:
        supervisor, factory, _, _ = make(tmp_path)
        supervisor.start(ProcessSpec("db", ("db",), stop_signal=signal.SIGINT))
        supervisor.start(ProcessSpec("cache", ("cache",)))
        supervisor.start(ProcessSpec("app", ("app",)))
        supervisor.stop()
        signals = [e for e in factory.events if e[0] == "signal"]
        assert signals == [
            ("signal", "app", "SIGTERM"),
            ("signal", "cache", "SIGTERM"),
            ("signal", "db", "SIGINT"),
        ]
        assert all(c.state == "stopped" for c in supervisor.children)

    def test_sigkill_after_grace(self, tmp_path: Path) -> None:
        supervisor, factory, clock, _ = make(tmp_path)
        supervisor.start(ProcessSpec("app", ("app",), grace=4))
        factory.latest("app").ignores_signal = True
        began = clock.now
        supervisor.stop()
        assert clock.now - began == pytest.approx(4, abs=0.1)
        assert factory.latest("app").code == -signal.SIGKILL

    def test_describe_exit(self) -> None:
        assert describe_exit(-9) == "killed by SIGKILL"
        assert describe_exit(2) == "exited with code 2"


IGNORES_TERM = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print("started", flush=True)
time.sleep(60)
"""


class TestRealProcesses:
    def test_output_prefixed_restart_and_no_leftovers(self, tmp_path: Path) -> None:
        lines: list[str] = []
        supervisor = Supervisor(tmp_path, report=lines.append, backoff_initial=0.1)
        spec = ProcessSpec(
            "stubborn",
            (sys.executable, "-c", IGNORES_TERM),
            ready=lambda: "started" in _read(tmp_path / "stubborn.log"),
            grace=0.5,
        )
        child = supervisor.start(spec)
        first = psutil.Process(child.pid)
        family = [first, *first.children(recursive=True)]
        assert len(family) == 2, family
        first.kill()
        deadline = time.monotonic() + 10
        while child.restarts == 0 or child.state != "running":
            supervisor.poll()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in family)
        while _read(tmp_path / "stubborn.log").count(" | started") < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        second = psutil.Process(child.pid)
        family = [second, *second.children(recursive=True)]
        supervisor.stop()
        assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in family)
        log = _read(tmp_path / "stubborn.log")
        assert " stubborn | started" in log
        assert "killed by SIGKILL; restarting" in log
        assert any("ignored its stop signal" in line for line in lines)


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""
