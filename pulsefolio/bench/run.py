"""One benchmark run: start the platform on a temporary data directory with N synthetic users,
measure the seven figures, stop everything, and return the figures."""

from __future__ import annotations

import asyncio
import functools
import json
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import httpx
import psutil

from pulsefolio.bench import propagation, report, wrk
from pulsefolio.bench.dataset import ADMIN
from pulsefolio.bench.prime import prime
from pulsefolio.bench.stack import LOAD_FILE
from pulsefolio.core.settings import Settings, load_settings
from pulsefolio.core.tokens import issue_access_token
from pulsefolio.runtime.ports import PortPicker
from pulsefolio.runtime.servers import envoy
from pulsefolio.runtime.services import settings_env
from pulsefolio.runtime.supervisor import StartFailed

TOKEN_SAMPLE = 50_000
WARM_UP = 2.0
REFRESHES = 10
PORT_KEYS = (
    "gateway_port", "gateway_admin_port", "asset_port", "postgres_port", "redis_port",
    "nats_port", "nats_monitor_port", "kafka_port",
)  # fmt: skip


def bench_settings(data_dir: Path, instances: int, **overrides: Any) -> Settings:
    """Settings of the benchmark's platform: private ports, bench mode, no demo seed, no
    scheduled refresh during the run, tokens outliving the longest run; ``overrides`` on top
    (``partition_users=False``, ``answer_cache_mb=0``: the measured paths without them)."""
    picker = PortPicker()
    ports = {key: picker.one() for key in PORT_KEYS}
    return load_settings(
        data_dir=data_dir,
        bench_mode=True,
        demo_users=0,
        portfolio_instances=instances,
        portfolio_port=picker.run(instances),
        refresh_interval=86_400.0,
        access_token_minutes=24 * 60,
        log_level="WARNING",
        **ports,
        **overrides,
    )


class Stack:
    """The platform in a child process (``python -m pulsefolio.bench.stack``)."""

    def __init__(self, settings: Settings, users: int, log: Path) -> None:
        self.settings = settings
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pulsefolio.bench.stack", "--users", str(users)],
                env=settings_env(settings), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.log = log

    def wait_ready(self, timeout: float) -> dict[str, Any]:
        path = self.settings.data_dir / "ready.json"
        deadline = time.monotonic() + timeout
        while True:
            try:
                info = json.loads(path.read_text())
                if info.get("up_pid") == self.process.pid:
                    return info  # type: ignore[no-any-return]
            except (OSError, ValueError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"benchmark platform did not start:\n{self.log.read_text()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(120)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class BareCeiling:
    """K bare ASGI processes (:mod:`.bare`) behind an Envoy of their own, configured as the
    platform's gateway is, with the bare processes in the portfolio instances' place."""

    def __init__(self, settings: Settings, size: int, work: Path) -> None:
        picker = PortPicker()
        self.settings = settings.model_copy(
            update={
                "data_dir": work / "bare",
                "portfolio_port": picker.run(settings.portfolio_instances),
                "gateway_port": picker.one(),
                "gateway_admin_port": picker.one(),
            }
        )
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        log = (work / "bare.log").open("ab")

        def start(argv: list[str], cwd: Path | None = None) -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                argv, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

        bare = [sys.executable, "-m", "pulsefolio.bench.bare", "--size", str(size), "--port"]
        self.processes = [start([*bare, str(p)]) for p in self.settings.portfolio_ports()]
        gateway = envoy.spec(self.settings, name="bare-envoy")
        cast(Callable[[], None], gateway.init)()  # envoy.spec always sets it
        self.processes.append(start(list(gateway.argv), gateway.cwd))
        self.url = f"http://127.0.0.1:{self.settings.gateway_port}"
        deadline = time.monotonic() + 60
        while not self._serving():
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                self.stop()
                raise RuntimeError(
                    f"the bare ceiling did not start:\n{(work / 'bare.log').read_text()}"
                )
            time.sleep(0.2)

    def _serving(self) -> bool:
        """Every bare process healthy in Envoy's eyes (its health checks pass)."""
        try:
            clusters = httpx.get(
                f"http://127.0.0.1:{self.settings.gateway_admin_port}/clusters", timeout=1
            ).text
        except httpx.HTTPError:
            return False
        healthy = [
            line
            for line in clusters.splitlines()
            if line.startswith("portfolio::") and line.endswith("::health_flags::healthy")
        ]
        return len(healthy) == self.settings.portfolio_instances

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def _answer_size(gateway: str, token: str) -> int:
    answer = httpx.get(
        gateway + "/api/v1/portfolio", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    answer.raise_for_status()
    return len(answer.content)


def _tokens(settings: Settings, users: int, path: Path) -> list[str]:
    sample = random.Random(5).sample(range(1, users + 1), min(users, TOKEN_SAMPLE))
    tokens = [issue_access_token(settings, u, "user") for u in sample]
    path.write_text("\n".join(tokens) + "\n")
    return tokens


def _memory_mb(components: dict[str, Any]) -> dict[str, float]:
    return {
        name: psutil.Process(c["pid"]).memory_info().rss / 2**20
        for name, c in components.items()
        if name.startswith("portfolio-")
    }


def _revaluation(urls: list[str], admin_token: str) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {admin_token}"}
    per = [
        httpx.post(f"{u}/api/v1/bench/revalue?repeat=5", headers=auth, timeout=300).json()
        for u in urls
    ]
    first = per[0]
    return {
        "revalue_ms": first["revalue_seconds"] * 1000,
        "floor_ms": first["floor_seconds"] * 1000,
        "positions": int(first["positions"]),
        "per_instance_ms": [round(p["revalue_seconds"] * 1000, 3) for p in per],
    }


class BenchFailed(Exception):
    """The benchmark could not run; the message says why in a few lines."""


_LOG = re.compile(r"see (\S+\.log)")
TAIL_LINES = 12


def with_log_tail(message: str) -> str:
    """``message`` and the last lines of the log it names (the data directory is removed)."""
    named = _LOG.search(message)
    path = Path(named.group(1)) if named else None
    if path is None or not path.exists():
        return message
    tail = path.read_text(errors="replace").splitlines()[-TAIL_LINES:]
    return "\n".join([message, f"last lines of {path.name}:", *("  " + line for line in tail)])


def run(
    users: int, instances: int, duration: float, *, refreshes: int = REFRESHES,
    warm_up: float = WARM_UP, say: Callable[[str], None] = print, keep: Path | None = None,
    overrides: dict[str, Any] | None = None, connections: int = wrk.CONNECTIONS,
) -> dict[str, Any]:  # fmt: skip
    """Run the benchmark; ``keep`` keeps the data directory there instead of a temporary one.
    Every load is offered by ``connections`` open connections."""
    drive = functools.partial(wrk.run, connections=connections)
    work = Path(tempfile.mkdtemp(prefix="pulsefolio-bench-")) if keep is None else keep
    settings = bench_settings(work / "data", instances, **(overrides or {}))
    settings.secret()  # generated now so the tokens minted here verify in the services
    figures: dict[str, Any] = {
        "users": users, "instances": instances, "duration": duration,
        "wrk": {"threads": wrk.THREADS, "connections": connections},
        "machine": report.machine(),
        "partition_users": settings.partition_users, "answer_cache_mb": settings.answer_cache_mb,
    }  # fmt: skip
    began = time.monotonic()
    say(f"starting the platform with {users:,} users on {work} …")
    stack = Stack(settings, users, work / "stack.log")
    try:
        info = stack.wait_ready(timeout=3600)
        figures["ready_seconds"] = round(time.monotonic() - began, 1)
        figures["load"] = json.loads((settings.data_dir / LOAD_FILE).read_text())
        components = info["components"]
        figures["memory_mb"] = _memory_mb(components)
        gateway = info["gateway_url"]
        instance_urls = [
            f"http://127.0.0.1:{c['port']}"
            for n, c in components.items()
            if n.startswith("portfolio-")
        ]
        tokens = _tokens(settings, users, work / "tokens.txt")
        lua = wrk.script(work)
        routes = {
            "python_ceiling": "/api/v1/bench/fixed",
            "portfolio_reads": "/api/v1/portfolio",
            "naive_baseline": "/api/v1/bench/naive",
        }
        say(f"reading each of the {len(tokens):,} sampled users' portfolios once …")
        try:
            primed = prime(gateway + routes["portfolio_reads"], work / "tokens.txt")
        except Exception as exc:
            failed = f"reading the sampled users failed: {type(exc).__name__}: {exc}"
            raise BenchFailed(failed) from None
        figures["prime_seconds"] = round(primed, 1)
        say("warming up …")
        for path in routes.values() if warm_up else ():
            drive(gateway + path, warm_up, lua, work / "tokens.txt")
        say("measuring the gateway ceiling …")
        figures["gateway_ceiling"] = drive(gateway + "/bench/fixed", duration, lua).as_dict()
        say("measuring the bare ASGI ceiling …")
        bare = BareCeiling(settings, _answer_size(gateway, tokens[0]), work)
        try:
            url = bare.url + "/api/v1/portfolio"
            if warm_up:
                drive(url, warm_up, lua, work / "tokens.txt")
            figures["bare_ceiling"] = drive(url, duration, lua, work / "tokens.txt").as_dict()
        finally:
            bare.stop()
        say(f"  {figures['bare_ceiling']}")
        for key, path in routes.items():
            say(f"measuring {path} …")
            figures[key] = drive(gateway + path, duration, lua, work / "tokens.txt").as_dict()
            say(f"  {figures[key]}")
        light = wrk.DEFAULT_CONNECTIONS
        say(f"measuring {routes['portfolio_reads']} at {light} connections …")
        figures["portfolio_reads_default_load"] = wrk.run(
            gateway + routes["portfolio_reads"], duration, lua, work / "tokens.txt",
            connections=light,
        ).as_dict()  # fmt: skip
        say("measuring revaluation compute …")
        admin = issue_access_token(settings, ADMIN, "admin")
        figures["revaluation"] = _revaluation(instance_urls, admin)
        say(f"measuring propagation over {refreshes} full refreshes …")
        try:
            figures["propagation"] = asyncio.run(
                propagation.measure(stack_settings(settings, info), gateway, instance_urls,
                                    tokens[0], refreshes, admin)
            )  # fmt: skip
        except Exception as exc:  # keep every other figure; the table says what failed
            figures["propagation"] = {"error": f"{type(exc).__name__}: {exc}"}
        figures["memory_mb_after"] = _memory_mb(components)
        figures["ratios"] = report.ratios(figures)
    except StartFailed as exc:
        raise BenchFailed(with_log_tail(str(exc))) from None
    finally:
        stack.stop()
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return figures


def stack_settings(settings: Settings, info: dict[str, Any]) -> Settings:
    """``settings`` with the running platform's server URLs."""
    return settings.model_copy(
        update={k: info[k] for k in ("database_url", "redis_url", "nats_url")}
    )
