"""The OpenAPI pages, `/docs` (Swagger UI) and `/redoc`, served by the service itself.

FastAPI's own pages load their scripts from a CDN. On reporting's origin, where the dashboard keeps
a leader's token in sessionStorage, a script from elsewhere could read it; so the scripts come from
the fastapi-offline wheel, and each page carries a Content-Security-Policy that admits only them and
the page's own inline start-up script (by its hash).

ReDoc's bundle draws its badge with an image from its CDN; the policy blocks it, but the browser logs
each attempt as a violation. The bundle is served with that address replaced by an empty inline image
(`redoc_script`), so the page asks nothing of a third party.
"""

import base64
import hashlib
import re
from functools import cache
from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC_URL = "/docs-static"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
EMPTY_IMAGE = b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"


@cache
def redoc_script() -> bytes:
    """The wheel's ReDoc bundle, its badge's image inline instead of on the CDN."""
    return (
        (files("fastapi_offline") / "static" / "redoc.standalone.js")
        .read_bytes()
        .replace(REDOC_LOGO, EMPTY_IMAGE)
    )


def add_docs_pages(app: FastAPI) -> None:
    """Mount the pages on an app made with `docs_url=None, redoc_url=None`."""

    # Before the mount, which would serve the wheel's copy under the same path.
    @app.get(f"{STATIC_URL}/redoc.standalone.js", include_in_schema=False)
    async def redoc_bundle() -> Response:
        return Response(redoc_script(), media_type="text/javascript")

    app.mount(STATIC_URL, StaticFiles(directory=str(files("fastapi_offline") / "static")), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return locked(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{app.title} — API",
                swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
                swagger_favicon_url=f"{STATIC_URL}/favicon.png",
            )
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return locked(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{app.title} — API",
                redoc_js_url=f"{STATIC_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{STATIC_URL}/favicon.png",
                with_google_fonts=False,
            )
        )


def locked(page: HTMLResponse) -> HTMLResponse:
    """The page with a policy that runs only this origin's scripts and its own inline ones."""
    html = bytes(page.body).decode()
    scripts = " ".join(
        ["'self'"]
        + [
            "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
            for script in _INLINE_SCRIPT.findall(html)
        ]
    )
    policy = (
        f"default-src 'none'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": policy})
