"""The load's reading of answers: ``Retry-After`` in both forms, and the counts of 503s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from pulsefolio.runtime.soak.load import LoadStats, retry_after


def _answer(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


class TestRetryAfter:
    def test_seconds(self) -> None:
        assert retry_after(_answer(503, **{"Retry-After": "3"})) == 3.0

    def test_http_date(self) -> None:
        when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
        assert retry_after(_answer(503, **{"Retry-After": when})) == pytest.approx(30, abs=2)

    def test_past_date_is_no_wait(self) -> None:
        when = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
        assert retry_after(_answer(503, **{"Retry-After": when})) == 0.0

    @pytest.mark.parametrize("value", ["", "soon", "-1", "1.5"])
    def test_unreadable_is_none(self, value: str) -> None:
        assert retry_after(_answer(503, **{"Retry-After": value})) is None


class TestRefused:
    def test_counts_503s_by_origin_and_retry_after(self) -> None:
        stats = LoadStats()
        upstream = {"x-envoy-upstream-service-time": "4"}
        assert stats.refused("write", _answer(503, **upstream, **{"Retry-After": "1"})) == 1.0
        assert stats.refused("write", _answer(503)) is None
        assert stats.refused("read", _answer(500, **upstream)) is None
        assert stats.refused("read", _answer(429, **{"Retry-After": "60"})) == 60.0
        assert (stats.unavailable, stats.unavailable_from_gateway) == (2, 1)
        assert stats.unavailable_without_retry_after == 1
        assert len(stats.unavailable_at) == 2
        assert stats.server_errors() == 1
        assert stats.failures == {"write 503": 2, "read 500": 1, "read 429": 1}
