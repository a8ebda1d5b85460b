"""Commands that change what a running portfolio instance serves are tested against one: its
fixtures come from the API tests."""

from tests.portfolio.conftest import (  # noqa: F401
    app_server,
    db,
    make_user,
    settings,
    start_app,
)
