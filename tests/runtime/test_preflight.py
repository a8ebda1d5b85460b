"""Preflight of external URLs that list several servers: one reachable server is enough."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulsefolio.core.errors import ConfigurationError
from pulsefolio.core.settings import load_settings
from pulsefolio.runtime.ports import PortPicker
from pulsefolio.runtime.preflight import check_external_urls

HOST = "127.0.0.1"


class TestCheckExternalUrls:
    def test_a_cluster_with_one_node_down_passes(self, nats_url: str, tmp_path: Path) -> None:
        dead = PortPicker(HOST).one()
        settings = load_settings(data_dir=tmp_path, nats_url=f"nats://{HOST}:{dead},{nats_url}")
        check_external_urls(settings)

    def test_a_libpq_host_list_with_the_primary_listed_second_passes(
        self, nats_url: str, tmp_path: Path
    ) -> None:
        live = nats_url.removeprefix("nats://")
        dead = PortPicker(HOST).one()
        url = f"postgresql://u:p@{HOST}:{dead},{live}/db?target_session_attrs=read-write"
        check_external_urls(load_settings(data_dir=tmp_path, database_url=url))

    def test_every_server_down_names_each_one(self, tmp_path: Path) -> None:
        picker = PortPicker(HOST)
        first, second = picker.one(), picker.one()
        url = f"nats://{HOST}:{first},{HOST}:{second}"
        with pytest.raises(ConfigurationError) as caught:
            check_external_urls(load_settings(data_dir=tmp_path, nats_url=url))
        message = str(caught.value)
        assert "PULSEFOLIO_NATS_URL" in message
        assert f"{HOST}:{first}" in message and f"{HOST}:{second}" in message
