"""The dashboard in a real headless Chromium (Debian's package), driven through the DevTools protocol.

Two apps, each behind a real uvicorn server on a free port:
- a small app with the dashboard router and stand-in report endpoints (numbers that change with the
  period), so the page's own logic — login, period picker, tables, charts, downloads of the token,
  the Content-Security-Policy — is tested whatever state the report endpoints are in;
- the reporting service itself (`services.reporting.app.create_app`) on the session's PostgreSQL and
  NATS, with a half-year of dossier and survey events published on the streams and applied by its own
  consumers (test_six_month_api.py), so the numbers shown are the real reports'.

In both, the test asks the API for the same period with the same token and checks that every number
the page shows (table cells, tiles, chart data) is the API's. `make test` installs Debian's `chromium`
first where this user may (tools/ci/chromium.py); without it the tests skip locally, listed with the
reason at the end of the run, and in CI (CI=true) that is a failure.
"""

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import random
import re
import shutil
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
import websockets
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response

from services.reporting.app import create_app
from services.reporting.dashboard import api as dashboard
from services.reporting.dashboard.files import STATIC_DIR
from services.reporting.exports import FormatQuery, respond
from services.reporting.percent import percent
from services.reporting.tables import Column, Table
from shared.auth import TokenVerifier, issue_token, require_roles
from shared.errors import install_problem_handlers
from shared.settings import ServiceSettings
from tests.conftest import Stack
from tests.reporting.test_six_month_api import YEAR, bearer, seed_half_year, settings_for
from tests.served import served
from tools.ci import chromium as browser

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1920,1080",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)
SECRET = "dashboard-test-secret-" + "x" * 32
TIMEOUT = 30.0


# --- Chromium over the DevTools protocol --------------------------------------------------------


def chromium_binary() -> str:
    """Debian's Chromium, or a skip (a failure in CI) saying why there is none and how to get it."""
    binary = browser.find()
    if binary is not None:
        return binary
    reason = browser.missing()
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; in CI `make test` installs it, so this is a failure")
    pytest.skip(reason)


@pytest.mark.parametrize(
    ("apt_get", "root", "expected"),
    [(False, True, "no apt-get"), (True, False, "not root, and no sudo")],
)
def test_without_a_browser_make_test_says_why_and_only_ci_stops(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    apt_get: bool,
    root: bool,
    expected: str,
) -> None:
    """`python -m tools.ci.chromium`, which `make test` runs first, where it cannot install the browser."""
    monkeypatch.setattr(browser, "CANDIDATES", ())
    monkeypatch.delenv("MOTCUA_CHROMIUM", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: 0 if root else 1000)
    on_path = {"apt-get": "/usr/bin/apt-get"} if apt_get else {}
    monkeypatch.setattr(shutil, "which", on_path.get)
    monkeypatch.delenv("CI", raising=False)
    assert browser.main() == 0
    assert expected in capsys.readouterr().err
    assert expected in browser.missing()
    monkeypatch.setenv("CI", "true")
    assert browser.main() == 1
    assert "ERROR" in capsys.readouterr().err


class CdpError(RuntimeError):
    pass


class Page:
    """One tab: commands with `send`, page scripts with `evaluate`, and what the page logged."""

    def __init__(self, socket: Any) -> None:
        self._socket = socket
        self._next = 0
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.problems: list[str] = []  # exceptions, console errors, CSP violations, failed loads
        self.requests: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self._socket:
            message = json.loads(raw)
            if "id" in message:
                future = self._pending.pop(message["id"], None)
                if future is not None and not future.done():
                    future.set_result(message)
            else:
                self._event(message["method"], message.get("params", {}))

    def _event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.problems.append(f"exception: {details.get('exception', {}).get('description', details)}")
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            self.problems.append(f"console.{params['type']}: {[a.get('value') for a in params['args']]}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            # The favicon is the browser's own guess, not the page's.
            if not entry.get("url", "").endswith("/favicon.ico"):
                self.problems.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._next] = future
        await self._socket.send(json.dumps({"id": self._next, "method": method, "params": params}))
        message = await asyncio.wait_for(future, TIMEOUT)
        if "error" in message:
            raise CdpError(f"{method}: {message['error']}")
        result: dict[str, Any] = message.get("result", {})
        return result

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise CdpError(f"{expression[:80]}…: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, *, seconds: float = TIMEOUT) -> Any:
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                state = await self.evaluate("document.body && document.body.dataset.state")
                raise TimeoutError(
                    f"waited {seconds:.0f} s for {expression!r}; state={state}, {self.problems}"
                )
            await asyncio.sleep(0.05)

    async def open(self, url: str) -> None:
        await self.send("Page.navigate", url=url)
        await self.wait_for("document.readyState === 'complete'")

    async def reload(self) -> None:
        """A real reload: the page's scripts start again (a marker set before is gone after)."""
        await self.evaluate("window.beforeReload = true")
        await self.send("Page.reload")
        await self.wait_for("!window.beforeReload && document.readyState === 'complete'")

    async def click(self, selector: str) -> None:
        """A real mouse click at the element's centre (scrolled into view first)."""
        box = await self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView(); "
            "const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        x, y = box
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            await self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    async def choose(self, selector: str, value: str) -> None:
        """Set a select's or an input's value the way a user's choice does (input and change events)."""
        await self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus(); "
            f"e.value = {json.dumps(value)}; e.dispatchEvent(new Event('input', {{bubbles: true}})); "
            "e.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )

    async def type_into(self, selector: str, text: str) -> None:
        await self.click(selector)
        await self.send("Input.insertText", text=text)

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self._socket.close()


@contextlib.asynccontextmanager
async def chromium(tmp: Path) -> AsyncIterator[Page]:
    """A headless Chromium with a throwaway profile, and its first tab at 1920×1080 (a projector)."""
    binary = chromium_binary()
    profile = tmp / "chromium-profile"
    profile.mkdir()
    log_path = tmp / "chromium.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank",
            stdout=log, stderr=log,
        )  # fmt: skip
    page: Page | None = None
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = asyncio.get_running_loop().time() + TIMEOUT
        while not (port_file.exists() and port_file.read_text().strip()):
            if process.returncode is not None or asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"Chromium did not start: {log_path.read_text(errors='replace')[-2000:]}")
            await asyncio.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as devtools:
            for _ in range(100):
                targets = (await devtools.get("/json/list")).json()
                pages = [t for t in targets if t["type"] == "page"]
                if pages:
                    break
                await asyncio.sleep(0.05)
        socket = await websockets.connect(pages[0]["webSocketDebuggerUrl"], max_size=None)
        page = Page(socket)
        for domain in ("Page", "Runtime", "Log", "Network"):
            await page.send(f"{domain}.enable")
        await page.send(
            "Emulation.setDeviceMetricsOverride", width=1920, height=1080, deviceScaleFactor=1, mobile=False
        )
        yield page
    finally:
        if page is not None:
            await page.close()
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
        shutil.rmtree(profile, ignore_errors=True)


# --- what the page shows, against what the API says ---------------------------------------------

READ_TABLES = """
(() => Object.fromEntries([...document.querySelectorAll('table[data-report]')].map((t) => [
  t.dataset.report,
  {
    headings: [...t.tHead.rows[0].cells].map((c) => [c.dataset.key, c.textContent]),
    rows: [...t.tBodies[0].rows].map((r) => ({
      row: r.dataset.row,
      cells: Object.fromEntries([...r.cells].map((c) => [c.dataset.key, [c.dataset.value, c.textContent]])),
    })),
    totals: t.tFoot ? Object.fromEntries([...t.tFoot.rows[0].cells].map(
      (c) => [c.dataset.key, [c.dataset.value, c.textContent]])) : null,
  },
])))()
"""

READ_TILES = """
Object.fromEntries([...document.querySelectorAll('#tiles .tile')].map(
  (t) => [t.dataset.key, [t.dataset.value, t.querySelector('.value').textContent]]))
"""

READ_CHARTS = """
Object.fromEntries(['chart-on-time', 'chart-trend', 'chart-levels', 'chart-satisfaction'].map((id) => {
  const canvas = document.getElementById(id);
  const chart = window.Chart && Chart.getChart(canvas);
  return [id, chart ? {
    width: canvas.width, height: canvas.height, type: chart.config.type,
    labels: chart.data.labels,
    datasets: chart.data.datasets.map((d) => ({label: d.label, data: d.data})),
    painted: canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
      .data.some((v) => v !== 0),
  } : null];
}))
"""


def shown_number(text: str) -> float | None:
    """A number as the page prints it in Vietnamese (1.234,5 or 89,10%), or None for "–"."""
    text = text.strip().removesuffix("%")
    if text in ("–", ""):
        return None
    return float(text.replace(".", "").replace(",", "."))


def on_time_rate(row: dict[str, Any]) -> float | None:
    resolved: int = row.get("resolved_total") or 0
    if resolved <= 0:
        return None
    in_time: int = row.get("resolved_early", 0) + row.get("resolved_on_time", 0)
    rate = percent(in_time, resolved)
    return None if rate is None else float(rate)


def months_of(first: date, last: date) -> list[tuple[date, date, str]]:
    out = []
    start = first.replace(day=1)
    while start <= last:
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        out.append((max(start, first), min(end, last), f"{start.month:02d}/{start.year}"))
        start = end + timedelta(days=1)
    return out


def assert_cell(shown: list[str], value: Any, kind: str, where: str) -> None:
    raw, text = shown
    if value is None:
        assert (raw, text) in (("", "–"), ("", "")), where
    elif isinstance(value, bool):
        assert (raw, text) == (str(value).lower(), "Có" if value else "Không"), where
    elif kind == "text" or isinstance(value, str):
        assert (raw, text) == (str(value), str(value)), where
    else:
        assert float(raw) == pytest.approx(float(value)), where  # exactly the API's number
        printed = shown_number(text)
        assert printed is not None, where
        assert abs(printed - float(value)) <= 0.005 + 1e-9, f"{where}: shows {text!r} for {value}"
        if kind == "percent":  # always both decimals, as the reports round them: 12,30%
            assert re.fullmatch(r"\d{1,3}(\.\d{3})*,\d{2}%", text.strip()), f"{where}: shows {text!r}"


async def api_tables(http: httpx.AsyncClient, first: date, last: date) -> dict[str, dict[str, Any] | None]:
    period = {"from": first.isoformat(), "to": last.isoformat()}
    paths = {
        "processing": ("/v1/reports/processing", {"by": "field"}),
        "service_levels": ("/v1/reports/service-levels", {}),
        "satisfaction": ("/v1/reports/satisfaction", {}),
        "indicators": ("/v1/reports/indicators", {}),
        "delays": ("/v1/reports/delays", {}),
    }
    tables: dict[str, dict[str, Any] | None] = {}
    for code, (path, extra) in paths.items():
        response = await http.get(path, params={**period, **extra})
        if response.status_code == 404:
            tables[code] = None
            continue
        assert response.status_code == 200, (path, response.text)
        tables[code] = response.json()
    return tables


async def assert_board_matches_api(page: Page, http: httpx.AsyncClient, first: date, last: date) -> None:
    """Every table cell, tile and chart value on the page is the API's for [first, last]."""
    period = f"{first.isoformat()}/{last.isoformat()}"
    await page.wait_for(
        f"document.body.dataset.period === '{period}' && document.body.dataset.state === 'ready'"
    )
    api = await api_tables(http, first, last)
    shown = await page.evaluate(READ_TABLES)
    for code, table in api.items():
        if table is None:
            assert code not in shown
            text = await page.evaluate(f"document.getElementById('report-{code}').textContent")
            assert "chưa có" in text, code
            continue
        assert table["from"] == first.isoformat()
        assert table["to"] == last.isoformat()
        mine = shown[table["report"]]
        assert mine["headings"] == [[c["key"], c["heading"]] for c in table["columns"]]
        assert len(mine["rows"]) == len(table["rows"]), code
        for index, (row, on_page) in enumerate(zip(table["rows"], mine["rows"], strict=True)):
            assert on_page["row"] == str(row.get("key", index))
            for column in table["columns"]:
                assert_cell(
                    on_page["cells"][column["key"]],
                    row.get(column["key"]),
                    column["kind"],
                    f"{code}[{index}]",
                )
        if table["totals"] is None:
            assert mine["totals"] is None
        else:
            first_key = table["columns"][0]["key"]
            assert mine["totals"][first_key][1] == "Tổng cộng"
            for column in table["columns"][1:]:
                value = table["totals"].get(column["key"])
                if column["kind"] == "text" and value in (None, "Tổng cộng"):
                    assert mine["totals"][column["key"]][1] == "", f"{code} totals"
                    continue
                assert_cell(mine["totals"][column["key"]], value, column["kind"], f"{code} totals")

    processing = api["processing"]
    assert processing is not None, "the dashboard needs GET /v1/reports/processing"
    tiles = await page.evaluate(READ_TILES)
    totals = processing["totals"]
    for key in ("total", "received", "resolved_total", "pending_overdue", "late_without_apology"):
        assert_cell(tiles[key], totals[key], "count", f"tile {key}")
    assert_cell(tiles["on_time_rate"], on_time_rate(totals), "percent", "tile on_time_rate")

    charts = await page.evaluate(READ_CHARTS)
    for chart_id, chart in charts.items():
        assert chart is not None, f"{chart_id} was not drawn"
        assert chart["width"] > 200, chart_id
        assert chart["height"] > 100, chart_id
        assert chart["painted"], f"{chart_id} is blank"
    rated = [row for row in processing["rows"] if on_time_rate(row) is not None]
    assert charts["chart-on-time"]["labels"] == [row["name"] for row in rated]
    assert charts["chart-on-time"]["datasets"][0]["data"] == [on_time_rate(row) for row in rated]

    trend = charts["chart-trend"]
    months = months_of(first, last)
    assert trend["labels"] == [label for _, _, label in months]
    for index, (start, end, _) in enumerate(months):
        response = await http.get(
            "/v1/reports/processing", params={"from": start.isoformat(), "to": end.isoformat(), "by": "field"}
        )
        month_totals = response.json()["totals"]
        assert trend["datasets"][0]["data"][index] == month_totals["received"]
        assert trend["datasets"][1]["data"][index] == month_totals["resolved_total"]
        assert trend["datasets"][2]["data"][index] == on_time_rate(month_totals)

    levels = api["service_levels"]
    if levels is not None:
        level_rows = [r for r in levels["rows"] if isinstance(r.get("count"), int)]
        assert charts["chart-levels"]["datasets"][0]["data"] == [r["count"] for r in level_rows]
    satisfaction = api["satisfaction"]
    if satisfaction is not None:
        rows = [r for r in satisfaction["rows"] if r.get("ballots", 1) > 0]
        data = charts["chart-satisfaction"]["datasets"]
        assert [d["label"] for d in data] == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]
        for dataset, option in zip(data, ("very_satisfied", "satisfied", "unsatisfied"), strict=True):
            assert dataset["data"] == pytest.approx([r[f"{option}_pct"] for r in rows]), option


# --- the stand-in report endpoints ----------------------------------------------------------------

FIELDS = [("DAT_DAI", "Đất đai"), ("HO_TICH", "Hộ tịch, chứng thực"), ("XAY_DUNG", "Xây dựng <b>&</b>")]
AGENCIES = [("VPDK", "Văn phòng đăng ký đất đai"), ("TNMT", "Phòng Tài nguyên và Môi trường")]
PROCESSING_KEYS = [
    "total", "carried_over", "received", "received_online", "received_counter", "resolved_total",
    "resolved_early", "resolved_on_time", "resolved_late", "pending_total", "pending_within",
    "pending_overdue", "withdrawn", "rejected", "late_with_apology", "late_without_apology",
]  # fmt: skip


def _rng(first: date, last: date, salt: str) -> random.Random:
    return random.Random(f"{first}{last}{salt}")


def stand_in_processing(first: date, last: date) -> Table:
    """Arithmetic that reconciles, numbers that depend on the period (the page must follow it)."""
    rows: list[dict[str, Any]] = []
    for key, name in FIELDS:
        rng = _rng(first, last, key)
        early, on_time, late = rng.randint(0, 900), rng.randint(0, 400), rng.randint(0, 60)
        within, overdue = rng.randint(0, 80), rng.randint(0, 12)
        withdrawn, rejected = rng.randint(0, 5), rng.randint(0, 3)
        resolved = early + on_time + late
        total = resolved + within + overdue + withdrawn + rejected
        carried = rng.randint(0, total)
        online = rng.randint(0, total - carried)
        apology = rng.randint(0, late)
        counts = [
            total, carried, total - carried, online, total - carried - online, resolved, early, on_time, late,
            within + overdue, within, overdue, withdrawn, rejected, apology, late - apology,
        ]  # fmt: skip
        rows.append({"key": key, "name": name, **dict(zip(PROCESSING_KEYS, counts, strict=True))})
    columns = [Column("key", "Mã", "text"), Column("name", "Lĩnh vực", "text")] + [
        Column(k, k.replace("_", " ").capitalize()) for k in PROCESSING_KEYS
    ]
    totals = {k: sum(r[k] for r in rows) for k in PROCESSING_KEYS}
    return Table("processing", "Tình hình giải quyết hồ sơ", first, last, columns, rows, totals)


def stand_in_levels(first: date, last: date) -> Table:
    rng = _rng(first, last, "levels")
    counts = [rng.randint(0, 300) for _ in range(4)]
    rows: list[dict[str, Any]] = [
        {"key": str(level), "level": level, "name": f"Mức độ {level}", "count": count,
         "pct": percent(count, sum(counts))}
        for level, count in enumerate(counts, start=1)
    ]  # fmt: skip
    columns = [
        Column("name", "Mức độ", "text"),
        Column("count", "Số hồ sơ"),
        Column("pct", "Tỷ lệ", "percent"),
    ]
    return Table("service_levels", "Mức độ dịch vụ công", first, last, columns, rows, {"count": sum(counts)})


def stand_in_satisfaction(first: date, last: date) -> Table:
    rows = []
    for key, name in AGENCIES:
        rng = _rng(first, last, key)
        very, fine, bad = rng.randint(0, 90), rng.randint(0, 50), rng.randint(0, 9)
        ballots = very + fine + bad
        row: dict[str, Any] = {"key": key, "name": name, "ballots": ballots, "very_satisfied": very,
                               "satisfied": fine, "unsatisfied": bad}  # fmt: skip
        for option in ("very_satisfied", "satisfied", "unsatisfied"):
            row[f"{option}_pct"] = percent(row[option], ballots)
        rows.append(row)
    columns = [Column("name", "Cơ quan", "text"), Column("ballots", "Số phiếu")] + [
        Column(f"{o}_pct", o, "percent") for o in ("very_satisfied", "satisfied", "unsatisfied")
    ]
    return Table("satisfaction", "Mức độ hài lòng", first, last, columns, rows, None, ["Ghi chú"])


def stand_in_app() -> FastAPI:
    """The dashboard router, and the report endpoints' paths answering stand-in tables through
    `exports.respond`; indicators and delays are left out (the page must say they are missing)."""
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = TokenVerifier(ServiceSettings(environment="test", jwt_secret=SECRET))
    app.include_router(dashboard.router)
    reports = APIRouter(
        prefix="/v1/reports", dependencies=[Depends(require_roles("leader", "admin", "auditor"))]
    )
    makers = {
        "processing": stand_in_processing,
        "service-levels": stand_in_levels,
        "satisfaction": stand_in_satisfaction,
    }

    def route(maker: Any) -> Any:
        async def report(
            request: Request,
            first: Annotated[date, Query(alias="from")],
            last: Annotated[date, Query(alias="to")],
            format: FormatQuery = None,
        ) -> Response:
            return respond(maker(first, last), request, format)

        return report

    for path, maker in makers.items():
        reports.add_api_route(f"/{path}", route(maker), methods=["GET"])
    app.include_router(reports)
    return app


MISSING_HERE = ("/v1/reports/indicators?", "/v1/reports/delays?")


def unexpected(
    problems: list[str], *, allowed: tuple[str, ...] = MISSING_HERE, status: int = 404
) -> list[str]:
    """The page's problems but the failed loads of `allowed` paths with `status` (expected here)."""
    return [p for p in problems if not (f"status of {status}" in p and any(a in p for a in allowed))]


def token(role: str = "leader") -> str:
    return issue_token(SECRET, sub=f"{role}-1", role=role, agency="VPDK")  # type: ignore[arg-type]


# --- the tests ----------------------------------------------------------------------------------


def test_the_vendored_chart_js_is_the_published_4_6_1() -> None:
    body = (STATIC_DIR / "chart.umd.js").read_bytes()
    readme = (STATIC_DIR / "README.txt").read_text()
    assert body.startswith(b"/*!\n * Chart.js v4.6.1\n")
    assert hashlib.sha256(body).hexdigest() in readme
    assert "MIT" in (STATIC_DIR / "chart.js-LICENSE.txt").read_text()


async def test_the_page_and_its_files_are_served_locked_down() -> None:
    app = stand_in_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as http:
        page = await http.get("/dashboard")
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "connect-src 'self'" in csp
        assert "unsafe" not in csp
        assert page.headers["referrer-policy"] == "no-referrer"
        # Nothing from elsewhere: every script and style sheet is this service's.
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources
        assert all(s.startswith("dashboard/static/") for s in sources), sources
        for source in sources:
            asset = await http.get("/" + source)
            assert asset.status_code == 200, source
            again = await http.get("/" + source, headers={"If-None-Match": asset.headers["etag"]})
            assert again.status_code == 304
        script = await http.get("/dashboard/static/chart.umd.js")
        assert script.headers["content-type"] == "text/javascript; charset=utf-8"
        for missing in ("nope.js", "..%2Fapp.py", "dashboard.html", "README"):
            response = await http.get(f"/dashboard/static/{missing}")
            assert response.status_code == 404, missing
            assert response.headers["content-type"] == "application/problem+json"


async def test_dashboard_in_chromium_shows_the_apis_numbers_for_the_period_picked(tmp_path: Path) -> None:
    chromium_binary()
    with served(stand_in_app()) as base:
        async with (
            chromium(tmp_path) as page,
            httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token()}"}) as http,
        ):
            # No token: the login box, and nothing asked of the API.
            await page.open(f"{base}/dashboard")
            await page.wait_for("document.body.dataset.state === 'login'")
            assert await page.evaluate("document.getElementById('board').hidden")
            assert not [r for r in page.requests if "/v1/" in r]

            # Sign in through the box: the current month is shown.
            await page.type_into("#token-input", token())
            await page.click("#login-form button[type=submit]")
            await page.wait_for("document.body.dataset.state === 'ready'")
            today = date.fromisoformat(await page.evaluate("document.getElementById('period-from').value"))
            first = today.replace(day=1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            await assert_board_matches_api(page, http, first, last)

            # Pick a quarter.
            await page.choose("#period-kind", "quarter")
            assert not await page.evaluate("document.querySelector('label[data-for=quarter]').hidden")
            assert await page.evaluate("document.querySelector('label[data-for=month]').hidden")
            await page.choose("#period-year", "2025")
            await page.choose("#period-quarter", "2")
            await page.click("#period-apply")
            await assert_board_matches_api(page, http, date(2025, 4, 1), date(2025, 6, 30))
            assert "Quý II năm 2025" in await page.evaluate(
                "document.getElementById('period-label').textContent"
            )
            hash_ = await page.evaluate("location.hash")
            assert "kind=quarter" in hash_
            assert "quarter=2" in hash_

            # Six months, a year, and a custom range across a year's end.
            await page.choose("#period-kind", "half")
            await page.choose("#period-half", "2")
            await page.click("#period-apply")
            await assert_board_matches_api(page, http, date(2025, 7, 1), date(2025, 12, 31))
            assert not await page.evaluate("document.getElementById('six-month-link').hidden")
            await page.choose("#period-kind", "year")
            await page.choose("#period-year", "2024")
            await page.click("#period-apply")
            await assert_board_matches_api(page, http, date(2024, 1, 1), date(2024, 12, 31))
            await page.choose("#period-kind", "custom")
            await page.choose("#period-from", "2024-12-15")
            await page.choose("#period-to", "2025-02-14")
            await page.click("#period-apply")
            await assert_board_matches_api(page, http, date(2024, 12, 15), date(2025, 2, 14))

            # A backwards range is refused on the page, without a request.
            asked = len(page.requests)
            await page.choose("#period-from", "2025-03-01")
            await page.click("#period-apply")
            message = await page.wait_for("document.getElementById('board-message').textContent")
            assert "trước" in message
            assert len(page.requests) == asked

            # A name with markup in it is text, never markup.
            assert await page.evaluate("document.querySelectorAll('table b').length") == 0
            assert unexpected(page.problems) == []


async def test_dashboard_takes_a_token_from_the_address_and_forgets_it(tmp_path: Path) -> None:
    chromium_binary()
    auditor = token("auditor")
    with served(stand_in_app()) as base:
        async with (
            chromium(tmp_path) as page,
            httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {auditor}"}) as http,
        ):
            await page.open(f"{base}/dashboard?token={auditor}#kind=month&year=2025&month=2")
            await assert_board_matches_api(page, http, date(2025, 2, 1), date(2025, 2, 28))
            assert "token" not in await page.evaluate("location.href")
            assert await page.evaluate("sessionStorage.getItem('motcua.reporting.token')") == auditor
            assert await page.evaluate("localStorage.length") == 0
            # Nothing left the machine: every request went to this service.
            assert page.requests
            assert all(r.startswith(base) for r in page.requests), page.requests

            # A reload keeps the period (in the address) and the token (in this tab).
            await page.reload()
            await assert_board_matches_api(page, http, date(2025, 2, 1), date(2025, 2, 28))

            # `#token=` works the same and never reaches a server (nor a proxy's log).
            await page.evaluate("sessionStorage.clear()")
            await page.open("about:blank")
            page.requests.clear()
            leader = token("leader")
            await page.open(f"{base}/dashboard#kind=month&year=2025&token={leader}&month=3")
            await assert_board_matches_api(page, http, date(2025, 3, 1), date(2025, 3, 31))
            assert "token" not in await page.evaluate("location.href")
            assert await page.evaluate("sessionStorage.getItem('motcua.reporting.token')") == leader
            assert not [r for r in page.requests if "token=" in r]

            # A token the API refuses sends the user back to the login box, and is forgotten.
            await page.evaluate("sessionStorage.setItem('motcua.reporting.token', 'not-a-jwt')")
            await page.click("#period-apply")
            await page.wait_for("document.body.dataset.state === 'login'")
            assert await page.evaluate("sessionStorage.getItem('motcua.reporting.token')") is None
            assert "đăng nhập lại" in await page.evaluate(
                "document.getElementById('login-message').textContent"
            )
            problems = unexpected(page.problems)
            assert unexpected(problems, allowed=("/v1/reports/",), status=401) == []


async def test_dashboard_downloads_a_report_with_the_token(tmp_path: Path) -> None:
    chromium_binary()
    with served(stand_in_app()) as base:
        async with chromium(tmp_path) as page:
            downloads = tmp_path / "downloads"
            downloads.mkdir()
            await page.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
            await page.open(f"{base}/dashboard?token={token()}#kind=month&year=2025&month=1")
            await page.wait_for("document.body.dataset.state === 'ready'")
            await page.click("#report-processing button[data-format=csv]")
            data = await downloaded(downloads / "processing_2025-01-01_2025-01-31.csv")
            text = data.decode("utf-8-sig")
            assert text.splitlines()[0].startswith("Mã,Lĩnh vực,")
            assert text.splitlines()[-1].startswith("Tổng cộng,")
            assert unexpected(page.problems) == []


# --- the real service ---------------------------------------------------------------------------


async def downloaded(target: Path) -> bytes:
    """The file Chromium downloads to `target`, once it is complete (Chromium writes *.crdownload first)."""
    for _ in range(int(TIMEOUT / 0.05)):
        if await asyncio.to_thread(target.exists):
            return await asyncio.to_thread(target.read_bytes)
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{target.name} was not downloaded; {sorted(p.name for p in target.parent.iterdir())}")


async def keep_screenshot(page: Page) -> None:
    """With MOTCUA_DASHBOARD_SCREENSHOT=<file.png>, the whole page as a PNG, to look at."""
    target = os.environ.get("MOTCUA_DASHBOARD_SCREENSHOT")
    if target:
        shot = await page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        await asyncio.to_thread(Path(target).write_bytes, base64.b64decode(shot["data"]))


async def test_dashboard_on_the_reporting_service_shows_its_reports(stack: Stack, tmp_path: Path) -> None:
    """The service itself (every router, its consumers running) on the session's PostgreSQL and NATS,
    with a half-year of events published and applied by its consumers: the page shows the real reports'
    numbers."""
    chromium_binary()
    auth = bearer(stack, "leader")
    with served(create_app(settings_for(stack))) as base:
        seeded = await seed_half_year(stack)  # published; applied by the served service's consumers
        async with chromium(tmp_path) as page, httpx.AsyncClient(base_url=base, headers=auth) as http:
            leader = auth["Authorization"].removeprefix("Bearer ")
            await page.open(f"{base}/dashboard?token={leader}#kind=quarter&year={YEAR}&quarter=2")
            await assert_board_matches_api(page, http, date(YEAR, 4, 1), date(YEAR, 6, 30))
            await keep_screenshot(page)
            rows = await page.evaluate(
                "[...document.querySelectorAll('table[data-report=processing] tbody tr')]"
                ".map((r) => r.dataset.row)"
            )
            assert set(seeded.fields) <= set(rows)
            land_field = seeded.fields[0]
            resolved = await page.evaluate(
                f"document.querySelector('table[data-report=processing] tr[data-row={land_field}] "
                "td[data-key=resolved_total]').textContent"
            )
            assert resolved == "3"  # dossiers 1, 2 and 6 (carried over from March)

            # The six months through the picker; every report is there, so no request may fail.
            await page.choose("#period-kind", "half")
            await page.choose("#period-half", "1")
            await page.click("#period-apply")
            await assert_board_matches_api(page, http, date(YEAR, 1, 1), date(YEAR, 6, 30))

            # The six-month report, printed: the button fetches the PDF with the token.
            downloads = tmp_path / "downloads"
            downloads.mkdir()
            await page.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
            await page.click("#six-month-link")
            pdf = await downloaded(downloads / f"six_month_{YEAR}-01-01_{YEAR}-06-30.pdf")
            assert pdf.startswith(b"%PDF-")
            assert page.problems == []


@pytest.mark.parametrize(
    ("path", "rendered"), [("/docs", ".swagger-ui .info .title"), ("/redoc", "redoc h1")]
)
async def test_the_api_pages_run_only_scripts_of_their_own_origin(
    stack: Stack, tmp_path: Path, path: str, rendered: str
) -> None:
    """Swagger UI and ReDoc come from the service, under a policy that would block a CDN's script (a
    script from elsewhere on reporting's origin could read a leader's token)."""
    chromium_binary()
    with served(create_app(settings_for(stack))) as base:
        async with chromium(tmp_path) as page:
            await page.open(f"{base}{path}")
            await page.wait_for(f"!!document.querySelector({json.dumps(rendered)})")
            assert page.problems == []
            # ReDoc's worker and icons are blob: and data: URLs the page makes itself.
            elsewhere = [url for url in page.requests if not url.startswith((base, "blob:", "data:"))]
            assert elsewhere == []
