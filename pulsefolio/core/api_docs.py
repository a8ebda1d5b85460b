"""The interactive API documentation (Swagger UI), served by the service itself.

FastAPI's default page loads Swagger UI from a CDN and starts it with an inline script: it
breaks without internet and the gateway's Content-Security-Policy blocks it. Here the UI's
files come from the ``swagger-ui-bundle-v2`` wheel and the page starts it with a script of its
own, so the page works offline under a policy with no inline script.
"""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

# Swagger UI sets inline styles and shows a few icons as data: URLs; scripts stay 'self' only.
POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'"
)

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="icon" type="image/png" href="{docs_url}/static/favicon-32x32.png">
<link rel="stylesheet" href="{docs_url}/static/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{docs_url}/static/swagger-ui-bundle.js"></script>
<script src="{docs_url}/start.js"></script>
</body>
</html>
"""


def mount_api_docs(app: FastAPI, docs_url: str) -> None:
    """Serve Swagger UI for ``app.openapi_url`` at ``docs_url`` (create ``app`` with
    ``docs_url=None`` so FastAPI adds no page of its own)."""
    page = _PAGE.format(title=app.title, docs_url=docs_url)
    start = (
        "window.ui = SwaggerUIBundle("
        + json.dumps(
            {
                "url": app.openapi_url,
                "dom_id": "#swagger-ui",
                "deepLinking": True,
                "persistAuthorization": True,
            }
        )
        + ");\n"
    )
    headers = {"Content-Security-Policy": POLICY}
    app.mount(f"{docs_url}/static", StaticFiles(directory=swagger_ui_path), name="api-docs")

    @app.get(docs_url, include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    @app.get(f"{docs_url}/start.js", include_in_schema=False)
    async def api_docs_start() -> Response:
        return Response(start, media_type="text/javascript", headers=headers)
