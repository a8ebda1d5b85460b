"""Errors that reach users.

Hierarchy::

    PulsefolioError            status 500, the base every public error derives from
    ├── ValidationFailed       422, carries per-field reasons
    ├── NotFound               404, also for resources that belong to someone else
    ├── Conflict               409
    ├── Unauthorized           401
    ├── Forbidden              403
    ├── RateLimited            429, carries retry_after seconds
    └── ConfigurationError     a setting that cannot work; the CLI prints it as one line

One handler per service renders them as ``{"error": <class name>, "detail": <message>}``
(plus ``fields`` for validation failures).
"""

from __future__ import annotations


class PulsefolioError(Exception):
    status_code = 500

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ValidationFailed(PulsefolioError):
    status_code = 422

    def __init__(self, detail: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.fields = fields or {}


class NotFound(PulsefolioError):
    status_code = 404


class Conflict(PulsefolioError):
    status_code = 409


class Unauthorized(PulsefolioError):
    status_code = 401


class Forbidden(PulsefolioError):
    status_code = 403


class RateLimited(PulsefolioError):
    status_code = 429

    def __init__(self, detail: str, retry_after: float) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ConfigurationError(PulsefolioError):
    """A setting that cannot work, said in one line with how to fix it."""
