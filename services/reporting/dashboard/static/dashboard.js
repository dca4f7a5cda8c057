/* The reporting dashboard: the JSON report endpoints of this service, drawn as tables and charts.

   - The bearer token comes from the login box, `#token=` or `?token=` (taken out of the address at once),
     and is kept in sessionStorage: this tab only, gone when it closes, sent nowhere but this service.
   - Every number shown is the API's (cells carry it in `data-value`); the on-time rate of the tiles and
     charts is (early + on time) / resolved, as the seed report's "Đúng hạn" column counts it, rounded
     like every report's percentage: two decimals, half up, from the counts; percentages show both
     decimals (12,30%).
   - The DOM is built with textContent only: names in the reports are data, never markup.
   - `document.body.dataset.state` is "login", "loading", "ready" or "error" (tests wait on it).
*/
(function () {
  "use strict";

  const TOKEN_KEY = "motcua.reporting.token";
  const REFRESH_MS = 5 * 60 * 1000;
  const MAX_TREND_MONTHS = 24;
  const TOTAL_LABEL = "Tổng cộng";
  const COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
  const REPORTS = [
    { code: "processing", path: "v1/reports/processing", params: { by: "field" },
      title: "Tình hình giải quyết hồ sơ theo lĩnh vực" },
    { code: "service_levels", path: "v1/reports/service-levels", params: {},
      title: "Hồ sơ theo mức độ dịch vụ công trực tuyến" },
    { code: "satisfaction", path: "v1/reports/satisfaction", params: {},
      title: "Mức độ hài lòng theo cơ quan" },
    { code: "indicators", path: "v1/reports/indicators", params: {},
      title: "Chỉ số đánh giá (Quyết định 766)" },
    { code: "delays", path: "v1/reports/delays", params: {},
      title: "Hồ sơ trễ hạn: bước xử lý của cơ quan nào" },
  ];

  const numberFormat = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 2 });
  // Percentages always with their two decimals (12,30%), as the reports round them.
  const percentFormat = new Intl.NumberFormat("vi-VN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const $ = (id) => document.getElementById(id);
  const charts = {};
  let generation = 0;
  let refreshTimer = null;

  // --- token --------------------------------------------------------------------------------------

  /** `?token=` (a link from the portal) or `#token=` (never sent to a server, so never in a proxy's log),
      kept in sessionStorage and taken out of the address bar, the history and any Referer at once. */
  function takeTokenFromAddress() {
    const url = new URL(window.location.href);
    const hash = new URLSearchParams(url.hash.slice(1));
    const token = hash.get("token") || url.searchParams.get("token");
    if (!url.searchParams.has("token") && !hash.has("token")) return;
    url.searchParams.delete("token");
    hash.delete("token");
    const rest = hash.toString();
    window.history.replaceState(null, "", url.pathname + url.search + (rest ? "#" + rest : ""));
    if (token && token.trim()) sessionStorage.setItem(TOKEN_KEY, token.trim());
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function showLogin(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("board").hidden = true;
    $("logout").hidden = true;
    $("login").hidden = false;
    $("login-message").textContent = message || "";
    document.body.dataset.state = "login";
    $("token-input").focus();
  }

  function showBoard() {
    $("login").hidden = true;
    $("board").hidden = false;
    $("logout").hidden = false;
  }

  // --- periods (dates as YYYY-MM-DD strings, never through a time zone) -----------------------------

  const pad = (n) => String(n).padStart(2, "0");
  const isoDate = (y, m, d) => `${y}-${pad(m)}-${pad(d)}`;
  const lastDay = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();
  const viDate = (iso) => iso.split("-").reverse().join("/");
  const ROMAN = ["", "I", "II", "III", "IV"];

  function today() {
    const now = new Date();
    return { y: now.getFullYear(), m: now.getMonth() + 1, d: now.getDate() };
  }

  function readPeriodForm() {
    const kind = $("period-kind").value;
    const year = parseInt($("period-year").value, 10);
    const p = { kind, year };
    if (kind === "month") p.month = parseInt($("period-month").value, 10);
    if (kind === "quarter") p.quarter = parseInt($("period-quarter").value, 10);
    if (kind === "half") p.half = parseInt($("period-half").value, 10);
    if (kind === "custom") {
      p.from = $("period-from").value;
      p.to = $("period-to").value;
    }
    return p;
  }

  function writePeriodForm(p) {
    $("period-kind").value = p.kind;
    if (p.year) $("period-year").value = String(p.year);
    if (p.month) $("period-month").value = String(p.month);
    if (p.quarter) $("period-quarter").value = String(p.quarter);
    if (p.half) $("period-half").value = String(p.half);
    if (p.from) $("period-from").value = p.from;
    if (p.to) $("period-to").value = p.to;
    showPeriodFields();
  }

  function showPeriodFields() {
    const kind = $("period-kind").value;
    for (const label of document.querySelectorAll("#period-form label[data-for]")) {
      label.hidden = !label.dataset.for.split(" ").includes(kind);
    }
    $("six-month-link").hidden = kind !== "half";
  }

  /** {from, to, label} of a period, or an error message. */
  function range(p) {
    const y = p.year;
    const validYear = Number.isInteger(y) && y >= 2000 && y <= 2100;
    switch (p.kind) {
      case "month":
        if (!validYear) return { error: "Năm không hợp lệ." };
        return { from: isoDate(y, p.month, 1), to: isoDate(y, p.month, lastDay(y, p.month)),
                 label: `Tháng ${p.month}/${y}` };
      case "quarter": {
        if (!validYear) return { error: "Năm không hợp lệ." };
        const first = 3 * p.quarter - 2;
        return { from: isoDate(y, first, 1), to: isoDate(y, first + 2, lastDay(y, first + 2)),
                 label: `Quý ${ROMAN[p.quarter]} năm ${y}` };
      }
      case "half":
        if (!validYear) return { error: "Năm không hợp lệ." };
        return p.half === 1
          ? { from: isoDate(y, 1, 1), to: isoDate(y, 6, 30), label: `6 tháng đầu năm ${y}` }
          : { from: isoDate(y, 7, 1), to: isoDate(y, 12, 31), label: `6 tháng cuối năm ${y}` };
      case "year":
        if (!validYear) return { error: "Năm không hợp lệ." };
        return { from: isoDate(y, 1, 1), to: isoDate(y, 12, 31), label: `Năm ${y}` };
      case "custom":
        if (!/^\d{4}-\d{2}-\d{2}$/.test(p.from || "") || !/^\d{4}-\d{2}-\d{2}$/.test(p.to || "")) {
          return { error: "Chọn cả ngày bắt đầu và ngày kết thúc." };
        }
        if (p.from > p.to) return { error: "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc." };
        return { from: p.from, to: p.to, label: `Từ ${viDate(p.from)} đến ${viDate(p.to)}` };
      default:
        return { error: "Chọn kỳ báo cáo." };
    }
  }

  /** The calendar months the period touches, each clipped to it; the last MAX_TREND_MONTHS. */
  function months(from, to) {
    const out = [];
    let y = parseInt(from.slice(0, 4), 10);
    let m = parseInt(from.slice(5, 7), 10);
    for (;;) {
      const start = isoDate(y, m, 1);
      const end = isoDate(y, m, lastDay(y, m));
      if (start > to) break;
      out.push({ from: start < from ? from : start, to: end > to ? to : end, label: `${pad(m)}/${y}` });
      m += 1;
      if (m === 13) { m = 1; y += 1; }
    }
    return out.slice(-MAX_TREND_MONTHS);
  }

  function periodFromHash() {
    const params = new URLSearchParams(window.location.hash.slice(1));
    const kind = params.get("kind");
    if (!kind) return null;
    const int = (name) => (params.has(name) ? parseInt(params.get(name), 10) : undefined);
    return { kind, year: int("year"), month: int("month"), quarter: int("quarter"), half: int("half"),
             from: params.get("from") || undefined, to: params.get("to") || undefined };
  }

  function periodToHash(p) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(p)) if (v !== undefined && v !== null && v !== "") params.set(k, v);
    window.history.replaceState(null, "", "#" + params.toString());
  }

  function defaultPeriod() {
    const t = today();
    return { kind: "month", year: t.y, month: t.m, quarter: Math.ceil(t.m / 3), half: t.m <= 6 ? 1 : 2,
             from: isoDate(t.y, t.m, 1), to: isoDate(t.y, t.m, t.d) };
  }

  // --- the API --------------------------------------------------------------------------------------

  class Unavailable extends Error {}
  class SignedOut extends Error {}

  async function request(path, params, accept) {
    const query = new URLSearchParams(params).toString();
    const response = await fetch(path + (query ? "?" + query : ""), {
      headers: { Authorization: "Bearer " + token(), Accept: accept || "application/json" },
      cache: "no-store",
      credentials: "omit",
    });
    if (response.ok) return response;
    let problem = {};
    try { problem = await response.json(); } catch (e) { /* not problem+json */ }
    if (response.status === 401) throw new SignedOut(problem.detail || "Phiên đăng nhập đã hết hạn.");
    if (response.status === 403) {
      throw new Error("Tài khoản này không được xem báo cáo (cần vai trò lãnh đạo, quản trị hoặc thanh tra).");
    }
    if (response.status === 404 || response.status === 405) throw new Unavailable(path);
    throw new Error(problem.detail || `Máy chủ trả lỗi ${response.status}.`);
  }

  async function getTable(report, period) {
    const response = await request(report.path, { from: period.from, to: period.to, ...report.params });
    return response.json();
  }

  async function download(path, params, fallbackName) {
    try {
      const response = await request(path, params, "*/*");
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = /filename="([^"]+)"/.exec(disposition);
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = match ? match[1] : fallbackName;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (error) {
      handleError(error);
    }
  }

  function handleError(error) {
    if (error instanceof SignedOut) {
      showLogin(error.message + " Hãy đăng nhập lại.");
      return;
    }
    $("board-message").textContent = error instanceof Unavailable
      ? "Chức năng này chưa có trên máy chủ."
      : String(error.message || error);
  }

  // --- numbers --------------------------------------------------------------------------------------

  function isNumber(v) {
    return typeof v === "number" && Number.isFinite(v);
  }

  function show(value, kind) {
    if (value === null || value === undefined) return "–";
    if (typeof value === "boolean") return value ? "Có" : "Không";
    if (kind === "percent" && isNumber(value)) return percentFormat.format(value) + "%";
    if (isNumber(value)) return numberFormat.format(value);
    return String(value);
  }

  function onTimeRate(row) {
    const resolved = row.resolved_total;
    if (!isNumber(resolved) || resolved <= 0) return null;
    const onTime = (row.resolved_early || 0) + (row.resolved_on_time || 0);
    // Two decimals, half up, in whole numbers as services/reporting/percent.py does (no float ratio).
    return Math.floor((2 * onTime * 10000 + resolved) / (2 * resolved)) / 100;
  }

  // --- tables ---------------------------------------------------------------------------------------

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null) node.setAttribute(k, v);
    }
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function cell(tag, column, value) {
    const node = el(tag, {
      "data-key": column.key,
      "data-value": value === null || value === undefined ? "" : String(value),
      class: column.kind === "text" ? null : "num",
    }, show(value, column.kind));
    return node;
  }

  function renderReport(report, table, period) {
    const box = $("report-" + report.code);
    box.replaceChildren();
    const header = el("header");
    header.append(el("h2", {}, table ? table.title || report.title : report.title));
    box.append(header);
    if (!table) {
      box.append(el("p", { class: "unavailable" }, "Báo cáo này chưa có trên máy chủ."));
      return;
    }
    for (const [format, label] of [["csv", "Tải CSV"], ["xlsx", "Tải Excel"]]) {
      const button = el("button", { type: "button", class: "secondary", "data-format": format }, label);
      button.addEventListener("click", () =>
        download(report.path, { from: period.from, to: period.to, ...report.params, format },
                 `${report.code}_${period.from}_${period.to}.${format}`));
      header.append(button);
    }
    const columns = table.columns || [];
    const tableNode = el("table", { "data-report": table.report || report.code });
    const headRow = el("tr");
    for (const column of columns) headRow.append(el("th", { scope: "col", "data-key": column.key }, column.heading));
    tableNode.append(el("thead"));
    tableNode.tHead.append(headRow);
    const body = el("tbody");
    (table.rows || []).forEach((row, index) => {
      const tr = el("tr", { "data-row": row.key !== undefined && row.key !== null ? String(row.key) : String(index) });
      for (const column of columns) tr.append(cell("td", column, row[column.key]));
      body.append(tr);
    });
    tableNode.append(body);
    if (table.totals) {
      const foot = el("tfoot");
      const tr = el("tr", { "data-row": "__totals" });
      columns.forEach((column, i) => {
        const value = table.totals[column.key];
        if (i === 0) {
          tr.append(el("td", { "data-key": column.key, "data-value": "" }, TOTAL_LABEL));
        } else if (column.kind === "text" && (value === undefined || value === null || value === TOTAL_LABEL)) {
          tr.append(el("td", { "data-key": column.key, "data-value": "" }, ""));
        } else {
          tr.append(cell("td", column, value));
        }
      });
      foot.append(tr);
      tableNode.append(foot);
    }
    const scroller = el("div", { class: "table-box" });
    scroller.append(tableNode);
    box.append(scroller);
    if (!(table.rows || []).length) box.append(el("p", { class: "notes" }, "Không có số liệu trong kỳ này."));
    for (const note of table.notes || []) box.append(el("p", { class: "notes" }, note));
  }

  function renderTiles(processing) {
    const tiles = $("tiles");
    tiles.replaceChildren();
    const totals = processing && processing.totals;
    if (!totals) return;
    const rate = onTimeRate(totals);
    const items = [
      ["total", "Tổng số hồ sơ", totals.total, "count", ""],
      ["received", "Tiếp nhận trong kỳ", totals.received, "count", ""],
      ["resolved_total", "Đã giải quyết", totals.resolved_total, "count", ""],
      ["on_time_rate", "Giải quyết đúng hạn", rate, "percent", rate !== null && rate >= 90 ? "good" : "bad"],
      ["pending_overdue", "Đang giải quyết quá hạn", totals.pending_overdue, "count",
       totals.pending_overdue > 0 ? "bad" : "good"],
      ["late_without_apology", "Trễ hạn chưa có phiếu xin lỗi", totals.late_without_apology, "count",
       totals.late_without_apology > 0 ? "bad" : "good"],
    ];
    for (const [key, label, value, kind, tone] of items) {
      if (value === undefined) continue;
      const tile = el("div", { class: ("tile " + tone).trim(), "data-key": key,
                               "data-value": value === null ? "" : String(value) });
      tile.append(el("div", { class: "label" }, label), el("div", { class: "value" }, show(value, kind)));
      tiles.append(tile);
    }
  }

  // --- charts ---------------------------------------------------------------------------------------

  function setChartDefaults() {
    const C = window.Chart;
    C.defaults.font.size = 18;
    C.defaults.font.family = getComputedStyle(document.body).fontFamily;
    C.defaults.color = "#000";
    C.defaults.borderColor = "#888";
    C.defaults.animation = false;
    C.defaults.maintainAspectRatio = false;
    C.defaults.plugins.legend.labels.boxWidth = 24;
    C.defaults.plugins.tooltip.titleFont = { size: 18 };
    C.defaults.plugins.tooltip.bodyFont = { size: 18 };
  }

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new window.Chart($(id), config);
  }

  const percentAxis = { min: 0, max: 100, ticks: { callback: (v) => v + "%" } };
  const percentTooltip = { callbacks: { label: (c) => `${c.dataset.label}: ${show(c.parsed.x ?? c.parsed.y, "percent")}` } };

  function drawOnTime(processing) {
    const rows = (processing ? processing.rows : []).filter((r) => onTimeRate(r) !== null);
    draw("chart-on-time", {
      type: "bar",
      data: {
        labels: rows.map((r) => r.name || r.key),
        datasets: [{ label: "Đúng hạn", data: rows.map(onTimeRate),
                     backgroundColor: rows.map((r) => (onTimeRate(r) >= 90 ? COLOURS[2] : COLOURS[3])) }],
      },
      options: { indexAxis: "y", scales: { x: percentAxis }, plugins: { legend: { display: false },
                 tooltip: { callbacks: { label: (c) => show(c.parsed.x, "percent") } } } },
    });
  }

  function drawTrend(trend) {
    draw("chart-trend", {
      data: {
        labels: trend.map((t) => t.label),
        datasets: [
          { type: "bar", label: "Tiếp nhận", data: trend.map((t) => t.totals ? t.totals.received : null),
            backgroundColor: COLOURS[0], yAxisID: "y" },
          { type: "bar", label: "Đã giải quyết", data: trend.map((t) => t.totals ? t.totals.resolved_total : null),
            backgroundColor: COLOURS[1], yAxisID: "y" },
          { type: "line", label: "Tỷ lệ đúng hạn (%)", data: trend.map((t) => t.totals ? onTimeRate(t.totals) : null),
            borderColor: COLOURS[7], backgroundColor: COLOURS[7], borderWidth: 4, pointRadius: 6, yAxisID: "rate" },
        ],
      },
      options: {
        scales: {
          y: { beginAtZero: true, position: "left", ticks: { precision: 0 } },
          rate: { ...percentAxis, position: "right", grid: { drawOnChartArea: false } },
        },
      },
    });
  }

  /** Levels 1–4 when the rows carry a level; else every row with a count (the current classes). */
  function levelRows(table) {
    // One section per rule set the period meets (levels 1-4 to 30/06/2025, the classes after): each
    // dossier is in one row of one section, so every row is a slice of the same whole.
    const rows = table ? table.rows || [] : [];
    return rows.filter((r) => isNumber(r.count)).map((r) => ({
      label: r.name || (isNumber(r.level) ? `Mức độ ${r.level}` : String(r.key)),
      count: r.count,
    }));
  }

  function drawLevels(table) {
    const rows = levelRows(table);
    draw("chart-levels", {
      type: "doughnut",
      data: { labels: rows.map((r) => r.label),
              datasets: [{ label: "Số hồ sơ", data: rows.map((r) => r.count), backgroundColor: COLOURS,
                           borderColor: "#fff", borderWidth: 3 }] },
      options: { plugins: { legend: { position: "right" } } },
    });
  }

  function satisfactionPct(row, option) {
    return isNumber(row[option + "_pct"]) ? row[option + "_pct"] : null;  // the API's, as it rounds them
  }

  function drawSatisfaction(table) {
    const rows = (table ? table.rows || [] : []).filter((r) => !isNumber(r.ballots) || r.ballots > 0);
    const options = [["very_satisfied", "Rất hài lòng", COLOURS[2]], ["satisfied", "Hài lòng", COLOURS[0]],
                     ["unsatisfied", "Không hài lòng", COLOURS[3]]];
    draw("chart-satisfaction", {
      type: "bar",
      data: {
        labels: rows.map((r) => r.name || r.key),
        datasets: options.map(([key, label, colour]) => ({
          label, data: rows.map((r) => satisfactionPct(r, key)), backgroundColor: colour })),
      },
      options: { indexAxis: "y", scales: { x: { ...percentAxis, stacked: true }, y: { stacked: true } },
                 plugins: { tooltip: percentTooltip } },
    });
  }

  // --- loading --------------------------------------------------------------------------------------

  async function load() {
    const p = readPeriodForm();
    const period = range(p);
    if (period.error) {
      $("board-message").textContent = period.error;
      return;
    }
    periodToHash(p);
    const mine = ++generation;
    $("board-message").textContent = "";
    $("period-label").textContent = `${period.label} (${viDate(period.from)} – ${viDate(period.to)})`;
    document.body.dataset.state = "loading";
    document.body.dataset.period = `${period.from}/${period.to}`;
    const processing = REPORTS[0];
    const settled = await Promise.allSettled([
      ...REPORTS.map((r) => getTable(r, period)),
      Promise.all(months(period.from, period.to).map(async (month) => {
        const table = await getTable(processing, month);
        return { label: month.label, from: month.from, to: month.to, totals: table.totals };
      })),
    ]);
    if (mine !== generation) return; // a newer period was asked for meanwhile
    const failure = settled.find((s) => s.status === "rejected" && !(s.reason instanceof Unavailable));
    if (failure && failure.reason instanceof SignedOut) {
      handleError(failure.reason);
      return;
    }
    const tables = {};
    REPORTS.forEach((report, i) => {
      tables[report.code] = settled[i].status === "fulfilled" ? settled[i].value : null;
      renderReport(report, tables[report.code], period);
    });
    const trend = settled[REPORTS.length].status === "fulfilled" ? settled[REPORTS.length].value : [];
    renderTiles(tables.processing);
    if (window.Chart) {
      drawOnTime(tables.processing);
      drawTrend(trend);
      drawLevels(tables.service_levels);
      drawSatisfaction(tables.satisfaction);
    } else {
      $("board-message").textContent = "Không tải được thư viện biểu đồ.";
    }
    if (failure) {
      handleError(failure.reason);
      document.body.dataset.state = "error";
      return;
    }
    document.body.dataset.state = "ready";
  }

  function start() {
    if (!token()) {
      showLogin("");
      return;
    }
    showBoard();
    load();
    clearInterval(refreshTimer);
    refreshTimer = setInterval(() => { if (!document.hidden && token()) load(); }, REFRESH_MS);
  }

  function init() {
    takeTokenFromAddress();
    if (window.Chart) setChartDefaults();
    const monthSelect = $("period-month");
    for (let m = 1; m <= 12; m += 1) monthSelect.append(el("option", { value: String(m) }, `Tháng ${m}`));
    writePeriodForm({ ...defaultPeriod(), ...(periodFromHash() || {}) });
    $("period-kind").addEventListener("change", showPeriodFields);
    $("period-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const value = $("token-input").value.trim().replace(/^Bearer\s+/i, "");
      $("token-input").value = "";
      if (!value) return;
      sessionStorage.setItem(TOKEN_KEY, value);
      start();
    });
    $("logout").addEventListener("click", () => showLogin(""));
    $("fullscreen").addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(() => {});
    });
    $("six-month-link").addEventListener("click", (event) => {
      event.preventDefault();
      const p = readPeriodForm();
      download("v1/reports/six-month", { year: p.year, half: p.half, format: "pdf" },
               `bao-cao-6-thang_${p.year}_${p.half}.pdf`);
    });
    start();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
