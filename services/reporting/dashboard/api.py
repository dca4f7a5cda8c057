"""The dashboard page and its static files, served by the reporting service itself.

`GET /dashboard` is a static page (no data in it, so no token needed to load it); its script reads the
JSON report endpoints with the user's bearer token. `GET /dashboard/static/<name>` serves the files in
`static/` (`files.py`) — the page's script and style sheet and the vendored Chart.js.

Why the token lives in sessionStorage: the API authenticates by bearer token only (no cookies, hence no
CSRF to defend), and sessionStorage keeps it to the one tab, gone when the tab closes (a projector's
PC is shared). It comes from the login box, or from `?token=` for a link opened from the portal; the
script removes it from the address at once, and the page sends no Referer. Because a script can read
sessionStorage, the page is locked with a strict Content-Security-Policy (scripts and connections to
this origin only, no inline script) and the script writes the reports' text with `textContent` only.
"""

from typing import Final

from fastapi import APIRouter, Request, Response

from services.reporting.dashboard.files import FILES, PAGE, StaticFile
from shared.errors import Problem

# `'self'` for scripts, styles and fetches; Chart.js sets canvas sizes through the CSSOM (allowed).
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data: blob:; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_PAGE_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


router = APIRouter(tags=["dashboard"])


def _answer(request: Request, file: StaticFile, headers: dict[str, str]) -> Response:
    # Revalidated on every use (the files change with each release), cheap thanks to the ETag.
    all_headers = {"ETag": file.etag, "Cache-Control": "no-cache", **headers}
    if file.etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=all_headers)
    return Response(file.body, media_type=file.media_type, headers=all_headers)


@router.get(
    "/dashboard",
    summary="The reporting dashboard (HTML page; its data come from /v1/reports/* with a bearer token).",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
async def dashboard_page(request: Request) -> Response:
    return _answer(request, FILES[PAGE], _PAGE_HEADERS)


@router.get(
    "/dashboard/static/{name}",
    summary="The dashboard's script, style sheet and the vendored Chart.js.",
    response_class=Response,
    responses={404: {"description": "`not_found`"}},
)
async def dashboard_static(name: str, request: Request) -> Response:
    file = FILES.get(name)  # names from the folder listing only: no path ever reaches the file system
    if file is None or name == PAGE:
        raise Problem(404, "not_found", f"The dashboard has no static file {name!r}.")
    return _answer(request, file, {"X-Content-Type-Options": "nosniff"})
