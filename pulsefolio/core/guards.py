"""Who may call a route is decided before what they sent is judged.

FastAPI reads and validates a request (body, query, path) before any dependency runs, so a
signed-out caller's malformed body would be told what is wrong with it instead of being told to
sign in. Each service names its guards: a dependency whose presence in a route's dependency tree
makes it guarded, with a check that takes the request and raises the refusal. Before a request
is refused as invalid, the error handlers run the checks of the route's guards, innermost first
(who the caller is before what role they hold).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant

from pulsefolio.core.errors import PulsefolioError

Check = Callable[[Request], Awaitable[object]]
Guards = Mapping[Callable[..., Any], Check]


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        yield from _calls(sub)
        if sub.call is not None:
            yield sub.call


async def refusal_first(request: Request, guards: Guards) -> PulsefolioError | None:
    """The refusal a guard of the request's route gives, or None when every guard lets it by."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if not guards or dependant is None:
        return None
    try:
        for call in _calls(dependant):
            check = guards.get(call)
            if check is not None:
                await check(request)
    except PulsefolioError as exc:
        return exc
    return None
