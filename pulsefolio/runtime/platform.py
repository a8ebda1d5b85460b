"""``up``: check the settings, start the servers, prepare the database, start the services and
the gateway, then supervise until SIGINT or SIGTERM and stop everything in reverse order.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import FrameType
from typing import Any

import psutil

from pulsefolio.core.db.urls import with_database
from pulsefolio.core.errors import ConfigurationError
from pulsefolio.core.settings import Settings
from pulsefolio.runtime import bootstrap, preflight, state
from pulsefolio.runtime.backup import schedule
from pulsefolio.runtime.layout import Layout, secret_file
from pulsefolio.runtime.replication import topology
from pulsefolio.runtime.servers import envoy, nats, postgres, redis, tansu
from pulsefolio.runtime.services import assets_spec, portfolio_spec
from pulsefolio.runtime.spec import ProcessSpec
from pulsefolio.runtime.supervisor import Supervisor

Report = Callable[[str], None]


@dataclass
class Platform:
    """A running platform: the settings with server URLs resolved, and its supervisor."""

    settings: Settings
    layout: Layout
    report: Report = print
    demo_password: str = ""
    external: set[str] = field(default_factory=set)
    ready: bool = False

    def __post_init__(self) -> None:
        self.supervisor = Supervisor(
            self.layout.logs, report=self.report, on_change=self.write_children
        )

    def write_children(self) -> None:
        records = {}
        for child in self.supervisor.children:
            if child.pid is not None and child.state != "stopped":
                try:
                    records[child.spec.name] = state.identity(child.pid)
                except psutil.Error:  # already gone: nothing to clean up later
                    continue
                records[child.spec.name]["port"] = child.spec.port
        state.write_json(self.layout.children_file, records)
        if self.ready and not self.supervisor.stopping:
            state.write_json(self.layout.ready_file, self.ready_info())  # a restart's new pid

    def ready_info(self) -> dict[str, Any]:
        s = self.settings
        components = {
            child.spec.name: {"pid": child.pid, "port": child.spec.port}
            for child in self.supervisor.children
        }
        for key in ("postgres", "redis", "nats"):
            if key in self.external:
                components[key] = {"pid": None, "port": None, "external": True}
        return {
            "gateway_url": f"http://{s.host}:{s.gateway_port}",
            "demo_email": s.demo_email,
            "demo_password": self.demo_password,
            "database_url": s.database_url,
            "database_replica_url": s.database_replica_url,
            "redis_url": s.redis_url,
            "nats_url": s.nats_url,
            "up_pid": os.getpid(),
            "components": components,
        }


@contextmanager
def _stop_on_signals(supervisor: Supervisor) -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        supervisor.request_stop()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def claim(settings: Settings) -> Layout:
    """Check the data directory, clean up a crashed run on it, and record this one."""
    preflight.check_data_dir(settings)
    layout = Layout(settings.data_dir)
    running = state.running_up(layout)
    if running is not None:
        raise ConfigurationError(
            f"pulsefolio already runs on {settings.data_dir} (pid {running['pid']}); "
            "stop it with `pulsefolio down` or use another --data-dir"
        )
    state.clean_stale(layout, settings.host)
    state.write_json(layout.up_file, state.identity(os.getpid()))
    return layout


def _start(platform: Platform, report: Report, *specs: ProcessSpec) -> None:
    """Start ``specs`` together and report each as ready."""
    began = time.monotonic()
    report(f"starting {', '.join(spec.name for spec in specs)} …")
    for child in platform.supervisor.start_together(list(specs)):
        spec = child.spec
        where = f" on port {spec.port}" if spec.port else ""
        report(f"[ok] {spec.name} ready{where} (pid {child.pid}, {time.monotonic() - began:.1f}s)")


def _servers(platform: Platform, report: Report) -> Settings:
    """Start the embedded servers whose URL is unset; return settings with every URL filled."""
    s = platform.settings
    urls: dict[str, str] = {}
    topology.check_roles(s)
    if s.database_url is None:
        spec = postgres.spec(
            s.data_dir,
            host=s.host,
            port=s.postgres_port,
            system_user=s.postgres_system_user,
            options=topology.primary_options(s),
        )
        _start(platform, report, spec)
        if s.replicas:  # before any commit: with replicas on, commits wait for the replica
            _start(platform, report, topology.replica_spec(s))
        assert spec.url is not None
        asyncio.run(postgres.ensure_database(with_database(spec.url, "postgres", driver=None)))
        urls |= topology.database_urls(s) if s.replicas else {"database_url": spec.url}
    else:
        platform.external.add("postgres")
    if s.redis_url is None:
        spec = redis.spec(s.data_dir, host=s.host, port=s.redis_port)
        _start(platform, report, spec)
        urls["redis_url"] = spec.url or ""
        if s.replicas:
            _start(platform, report, topology.redis_replica_spec(s))
    else:
        platform.external.add("redis")
    if s.nats_url is None and s.stream == "kafka":
        spec = tansu.spec(s.data_dir, host=s.host, port=s.kafka_port)
        report("the stream runs on Tansu with memory storage only: it is lost when it stops")
        _start(platform, report, spec)
        urls["nats_url"] = spec.url or ""
    elif s.nats_url is None:
        spec = nats.spec(
            s.data_dir, host=s.host, port=s.nats_port, monitor_port=s.nats_monitor_port
        )
        _start(platform, report, spec)
        urls["nats_url"] = spec.url or ""
    else:
        platform.external.add("nats")
    return s.model_copy(update=urls)


def _database(platform: Platform, report: Report) -> None:
    s = platform.settings
    assert s.database_url is not None
    report("migrating the database …")
    asyncio.run(bootstrap.migrate(s.database_url))
    report("[ok] schema up to date")
    if s.demo_users and asyncio.run(bootstrap.is_empty(s.database_url)):
        report(f"seeding {s.demo_users} demo users …")
        asyncio.run(
            bootstrap.seed(
                s.database_url,
                users=s.demo_users,
                seed=s.demo_seed,
                demo_email=s.demo_email,
                demo_password=platform.demo_password,
            )
        )
        report("[ok] demo data seeded")


def up(
    settings: Settings,
    *,
    report: Report = print,
    bench_mode: bool = False,
    prepare: Callable[[Settings], None] | None = None,
    service_timeout: float | None = None,
) -> int:
    """Run the platform until SIGINT/SIGTERM. Returns the exit code.

    ``prepare`` runs once the database is migrated and before the services start (the benchmark
    bulk-loads its users there); ``settings.bench_mode`` also turns the gateway's bench route on.
    ``service_timeout`` overrides how long a portfolio instance may take to start (loading a
    million users' positions takes minutes).

    Raises ConfigurationError (before anything starts) for settings that cannot work, and
    StartFailed if a component does not come up; every child is stopped in both cases.
    """
    platform = Platform(settings, Layout(settings.data_dir), report)
    # Signals only set a flag from here on, so a SIGTERM cannot cut the stale-instance clean-up
    # short and leave half of a crashed run behind.
    with _stop_on_signals(platform.supervisor):
        layout = claim(settings)
        try:
            preflight.check_ports(settings)
            preflight.check_external_urls(settings)
            platform.demo_password = secret_file(layout.demo_password_file)
        except BaseException:
            state.forget(layout)
            raise
        try:
            platform.settings = _servers(platform, report)
            _database(platform, report)
            if prepare is not None:
                prepare(platform.settings)
            s = platform.settings
            instances = [portfolio_spec(s, index) for index in range(s.portfolio_instances)]
            if service_timeout is not None:
                instances = [replace(spec, start_timeout=service_timeout) for spec in instances]
            _start(platform, report, assets_spec(s), *instances)
            if s.backup_interval > 0:
                _start(
                    platform, report, schedule.spec(s, embedded="postgres" not in platform.external)
                )
            _start(platform, report, envoy.spec(s, bench_mode=bench_mode or s.bench_mode))
            info = platform.ready_info()
            state.write_json(layout.ready_file, info)
            platform.ready = True
            report(f"Pulsefolio is up: {info['gateway_url']}")
            report(f"log in as {info['demo_email']} with password {info['demo_password']}")
            platform.supervisor.run()
            report("stopping …")
            return 0
        finally:
            layout.ready_file.unlink(missing_ok=True)
            platform.supervisor.stop()
            state.forget(layout)
