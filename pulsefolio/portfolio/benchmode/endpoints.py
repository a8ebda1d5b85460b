"""Benchmark routes, present only when ``PULSEFOLIO_BENCH_MODE`` is on (404 otherwise).

* ``GET /api/v1/bench/fixed``: the Python ceiling. The caller is authenticated exactly as on
  ``GET /api/v1/portfolio``, then one pre-serialised body is returned: the first caller's own
  portfolio answer, serialised once, so it has the size of a typical answer.
* ``GET /api/v1/bench/naive``: the caller's portfolio computed from PostgreSQL alone.
* ``GET /api/v1/bench/status``: this instance's engine state (users, batches applied, and the
  oldest price included in the last finished revaluation), polled to time propagation.
* ``POST /api/v1/bench/revalue``: times a full revaluation beside a bare sparse product.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Depends, Request, Response

from pulsefolio.core.errors import NotFound
from pulsefolio.portfolio.auth.dependencies import CurrentUserDep, SessionDep
from pulsefolio.portfolio.benchmode.naive import naive_portfolio
from pulsefolio.portfolio.benchmode.timing import revaluation_timings
from pulsefolio.portfolio.live.service import Live
from pulsefolio.portfolio.resources import Resources


def _bench_only(request: Request) -> None:
    resources: Resources = request.state.resources
    if not resources.settings.bench_mode:
        raise NotFound("not found")


router = APIRouter(prefix="/api/v1/bench", tags=["bench"], dependencies=[Depends(_bench_only)])
_fixed: dict[str, bytes] = {}


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


@router.get("/fixed")
async def fixed(request: Request, user: CurrentUserDep) -> Response:
    """The same bytes every time, after the same authentication as the real route."""
    if "body" not in _fixed:
        live: Live = request.state.live
        book = await live.book(user.id)
        _fixed["body"] = orjson.dumps(live.value(book, user.base_currency).body())
    return _json(_fixed["body"])


@router.get("/naive")
async def naive(request: Request, user: CurrentUserDep, session: SessionDep) -> Response:
    resources: Resources = request.state.resources
    body = await naive_portfolio(
        session, user.id, user.base_currency, resources.settings.refresh_interval
    )
    return _json(orjson.dumps(body))


@router.get("/status")
async def status(request: Request) -> dict[str, object]:
    live: Live = request.state.live
    oldest = live.revalued_as_of
    return {
        "instance": live.resources.instance_id,
        "users": len(live.engine.bulk.user_ids) + len(live.engine.overlay),
        "batches": live.batches,
        "oldest_price_as_of": None if oldest is None else oldest.isoformat(),
    }


@router.post("/revalue")
async def revalue(request: Request, repeat: int = 5) -> dict[str, float]:
    """Median seconds of ``repeat`` full revaluations and of as many bare sparse products."""
    live: Live = request.state.live
    return revaluation_timings(live.engine, max(1, min(repeat, 50)))
