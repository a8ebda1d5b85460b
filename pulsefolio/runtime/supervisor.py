"""Start children in order, wait until each is ready, restart the dead, stop in reverse.

Honcho's model with readiness and order added: each child runs in its own process group, its
output goes, prefixed with its name, to ``<log_dir>/<name>.log``, and a short status line goes to
``report``. A child that dies is restarted after an exponential backoff (reset once it has run for
``stable_after`` seconds). :meth:`Supervisor.stop` sends each child its stop signal, newest first,
and SIGKILLs its whole process group after the grace period.

The clock and the process factory are constructor arguments so tests replay events without
spawning anything (see ``tests/runtime/test_supervisor.py``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

import psutil

from pulsefolio.runtime.spec import ProcessSpec


class Process(Protocol):
    pid: int

    def poll(self) -> int | None: ...

    def send(self, sig: int) -> None:
        """Signal the process itself."""

    def kill_group(self) -> None:
        """SIGKILL the process and everything left in its process group."""


ProcessFactory = Callable[[ProcessSpec, Path], Process]


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class StartFailed(Exception):
    """A child did not become ready; the message names it and says why."""


class Interrupted(Exception):
    """A stop was requested while starting."""


def describe_exit(code: int) -> str:
    """``exited with code 3`` or ``killed by SIGKILL`` (Popen reports signals as -N)."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


class PopenProcess:
    """A real child in its own session, its output copied line by line into its log file."""

    def __init__(self, spec: ProcessSpec, log_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULSEFOLIO_")}
        env.update(spec.env)
        extra: dict[str, object] = {}
        if spec.run_as is not None:
            extra = {"user": spec.run_as.uid, "group": spec.run_as.gid, "extra_groups": []}
        self._popen: subprocess.Popen[bytes] = subprocess.Popen(  # type: ignore[call-overload]
            list(spec.argv),
            env=env,
            cwd=spec.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **extra,
        )
        self.pid: int = self._popen.pid
        self._pump = threading.Thread(
            target=_copy_output,
            args=(self._popen.stdout, log_path, spec.name),
            name=f"log-{spec.name}",
            daemon=True,
        )
        self._pump.start()

    def poll(self) -> int | None:
        code = self._popen.poll()
        if code is not None:
            self._pump.join(timeout=1)
        return code

    def send(self, sig: int) -> None:
        if self._popen.poll() is None:
            self._popen.send_signal(sig)

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout=5)
        _wait_group_gone(self.pid, timeout=2.0)


def _wait_group_gone(pgid: int, timeout: float) -> None:
    """SIGKILL is delivered asynchronously: wait until no live member of the group is left.

    Zombies are not waited for: orphans are reaped by init, which may be slow in a container.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _live_members(pgid):
        time.sleep(0.02)


def _live_members(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    for process in psutil.process_iter(["status"]):
        with contextlib.suppress(OSError, psutil.Error):
            if os.getpgid(process.pid) == pgid and process.info["status"] != psutil.STATUS_ZOMBIE:
                return True
    return False


def _copy_output(stream: IO[bytes], log_path: Path, name: str) -> None:
    with stream, log_path.open("ab") as log:
        for line in iter(stream.readline, b""):
            log.write(f"{_stamp()} {name} | ".encode() + line)
            log.flush()


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Child:
    spec: ProcessSpec
    process: Process | None = None
    state: str = "stopped"  # starting, running, backoff, stopped
    started_at: float = 0.0
    restart_at: float = 0.0
    failures: int = 0
    restarts: int = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None


class Supervisor:
    def __init__(
        self,
        log_dir: Path,
        *,
        factory: ProcessFactory = PopenProcess,
        clock: Clock | None = None,
        report: Callable[[str], None] = print,
        on_change: Callable[[], None] | None = None,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        stable_after: float = 30.0,
        poll_interval: float = 0.1,
    ) -> None:
        self.log_dir = log_dir
        self._factory = factory
        self._clock = clock or SystemClock()
        self._report = report
        self._on_change = on_change
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._stable_after = stable_after
        self._poll_interval = poll_interval
        self._stop = threading.Event()
        self.children: list[Child] = []

    # -- control -------------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Ask every wait and the supervision loop to end; safe from a signal handler."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def child(self, name: str) -> Child:
        return next(child for child in self.children if child.spec.name == name)

    def start(self, spec: ProcessSpec) -> Child:
        """Run ``spec.init``, spawn the child and wait until it is ready.

        Raises StartFailed if it exits or stays unready for ``spec.start_timeout`` seconds, and
        Interrupted if a stop is requested meanwhile; the child stays registered either way so
        :meth:`stop` cleans it up.
        """
        return self.start_together([spec])[0]

    def start_together(self, specs: list[ProcessSpec]) -> list[Child]:
        """Spawn all of ``specs`` at once, then wait until every one is ready (as :meth:`start`).

        For children that do not depend on each other, such as service instances.
        """
        if self.stopping:
            raise Interrupted
        children = [Child(spec) for spec in specs]
        for child in children:
            self.children.append(child)
            if child.spec.init is not None:
                child.spec.init()
            self._spawn(child)
        began = self._clock.monotonic()
        waiting = list(children)
        while waiting:
            if self.stopping:
                raise Interrupted
            for child in list(waiting):
                if self._is_ready(child, began):
                    child.state = "running"
                    waiting.remove(child)
            if waiting:
                self._clock.sleep(self._poll_interval)
        return children

    def _is_ready(self, child: Child, began: float) -> bool:
        spec = child.spec
        assert child.process is not None
        code = child.process.poll()
        if code is not None:
            child.state = "stopped"
            raise StartFailed(
                f"{spec.name} {describe_exit(code)} while starting; "
                f"see {self.log_dir / (spec.name + '.log')}"
            )
        if spec.ready():
            return True
        if self._clock.monotonic() - began > spec.start_timeout:
            raise StartFailed(
                f"{spec.name} was not ready after {spec.start_timeout:.0f}s; "
                f"see {self.log_dir / (spec.name + '.log')}"
            )
        return False

    def run(self) -> None:
        """Supervise until :meth:`request_stop`."""
        while not self.stopping:
            self.poll()
            self._clock.sleep(self._poll_interval)

    def poll(self) -> None:
        """One supervision pass: notice deaths, schedule and perform restarts, mark readiness."""
        now = self._clock.monotonic()
        for child in self.children:
            if child.state in ("running", "starting"):
                assert child.process is not None
                code = child.process.poll()
                if code is not None:
                    self._died(child, code, now)
                elif child.state == "starting" and child.spec.ready():
                    child.state = "running"
                    self._say(child, f"{child.spec.name} ready again (pid {child.pid})")
            elif child.state == "backoff" and now >= child.restart_at:
                child.restarts += 1
                self._spawn(child)

    def stop(self) -> None:
        """Stop every child, newest first: its stop signal, then SIGKILL after its grace."""
        self.request_stop()
        for child in reversed(self.children):
            process = child.process
            if process is None:
                continue
            if process.poll() is None:
                self._say(child, f"stopping {child.spec.name} (pid {process.pid})")
                process.send(child.spec.stop_signal)
                deadline = self._clock.monotonic() + child.spec.grace
                while process.poll() is None and self._clock.monotonic() < deadline:
                    self._clock.sleep(0.05)
                if process.poll() is None:
                    self._say(child, f"{child.spec.name} ignored its stop signal; killing it")
            process.kill_group()
            child.state = "stopped"
        self._changed()

    # -- internals -----------------------------------------------------------------------------

    def _spawn(self, child: Child) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        child.process = self._factory(child.spec, self.log_dir / f"{child.spec.name}.log")
        child.state = "starting"
        child.started_at = self._clock.monotonic()
        self._changed()

    def _died(self, child: Child, code: int, now: float) -> None:
        assert child.process is not None
        child.process.kill_group()  # whatever it left in its group goes with it
        if now - child.started_at >= self._stable_after:
            child.failures = 0
        delay = min(self._backoff_initial * 2**child.failures, self._backoff_max)
        child.failures += 1
        child.state = "backoff"
        child.restart_at = now + delay
        self._say(
            child,
            f"{child.spec.name} (pid {child.process.pid}) {describe_exit(code)}; "
            f"restarting in {delay:.1f}s",
        )
        self._changed()

    def _say(self, child: Child, message: str) -> None:
        self._report(message)
        try:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            with (self.log_dir / f"{child.spec.name}.log").open("a") as log:
                log.write(f"{_stamp()} supervisor | {message}\n")
        except OSError:
            pass

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()
