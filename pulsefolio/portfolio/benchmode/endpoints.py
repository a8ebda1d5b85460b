"""Benchmark routes, mounted only when ``PULSEFOLIO_BENCH_MODE`` is on (absent otherwise,
from the API and from its document).

* ``GET /api/v1/bench/fixed``: the Python ceiling. The caller is authenticated exactly as on
  ``GET /api/v1/portfolio``, then one pre-serialised body is returned to everyone: as many
  bytes as the first caller's own answer, none of its content (a filler string), so it has
  the size of a typical answer and carries nobody's data.
* ``GET /api/v1/bench/naive``: the caller's portfolio computed from PostgreSQL alone.
* ``GET /api/v1/bench/status`` (admins): this instance's engine state (users, batches applied,
  the oldest price included in the last finished revaluation, polled to time propagation, and
  the answer cache's entries, bytes, hits and misses).
* ``POST /api/v1/bench/revalue`` (admins): times a full revaluation beside a bare sparse
  product; it holds the event loop for as long, so no user may call it.
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Request, Response

from pulsefolio.core.schemas import Digits
from pulsefolio.portfolio.auth.dependencies import AdminDep, CurrentUserDep, SessionDep
from pulsefolio.portfolio.benchmode.naive import naive_portfolio
from pulsefolio.portfolio.benchmode.timing import revaluation_timings
from pulsefolio.portfolio.live.service import Live
from pulsefolio.portfolio.resources import Resources

router = APIRouter(prefix="/api/v1/bench", tags=["bench"])


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


@router.get("/fixed")
async def fixed(request: Request, user: CurrentUserDep) -> Response:
    """The same bytes every time, after the same authentication as the real route."""
    body: bytes | None = getattr(request.app.state, "bench_fixed", None)
    if body is None:
        live: Live = request.state.live
        book = await live.book(user.id)
        size = len(orjson.dumps(live.value(book, user.base_currency).body()))
        body = request.app.state.bench_fixed = filler(size)
    return _json(body)


def filler(size: int) -> bytes:
    """A JSON object of ``size`` bytes holding only a run of one letter."""
    shell = len(orjson.dumps({"fixed": ""}))
    return orjson.dumps({"fixed": "x" * max(size - shell, 0)})


@router.get("/naive")
async def naive(request: Request, user: CurrentUserDep, session: SessionDep) -> Response:
    resources: Resources = request.state.resources
    body = await naive_portfolio(
        session, user.id, user.base_currency, resources.settings.refresh_interval
    )
    return _json(orjson.dumps(body))


@router.get("/status")
async def status(request: Request, _: AdminDep) -> dict[str, object]:
    live: Live = request.state.live
    oldest = live.revalued_as_of
    return {
        "instance": live.resources.instance_id,
        "users": len(live.engine.bulk.user_ids) + len(live.engine.overlay),
        "batches": live.batches,
        "oldest_price_as_of": None if oldest is None else oldest.isoformat(),
        "answers": {
            "entries": len(live.answers),
            "bytes": live.answers.size,
            "hits": live.answers.hits,
            "misses": live.answers.misses,
        },
    }


@router.post("/revalue")
async def revalue(
    request: Request, _: AdminDep, repeat: Annotated[int, Digits] = 5
) -> dict[str, float]:
    """Median seconds of ``repeat`` full revaluations and of as many bare sparse products."""
    live: Live = request.state.live
    return revaluation_timings(live.engine, max(1, min(repeat, 50)))
