// @ts-check
/**
 * The dashboard's script. Plain JavaScript, embedded into the app (assets.ts) so the page
 * works on Lambda and offline. Every value from the API reaches the page through
 * `textContent` or an attribute, never as HTML: paths and agents come from logs.
 */

const KEY = "cloudfront-lets-api-key";
/** The tenant shown, when the server has several (every API call then names it). */
let tenant = "";
const numberFormat = new Intl.NumberFormat("en-US");

/** @param {string} id */
function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing`);
  return el;
}

/**
 * An element with text (never HTML) and attributes.
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {string} [text]
 */
function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** @param {number} n */
function bytesText(n) {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let i = 0;
  let x = n;
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${x.toFixed(1)} ${units[i]}`;
}

/** @param {number | null} x */
const percent = (x) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);

class Unauthorized extends Error {}

/**
 * What failed, per part of the page (`start`, `figures`, `cache`). A part's next success
 * clears its own message, so no error outlives the request it was about, and a success of
 * one part never hides the failure of another.
 * @type {Map<string, string>}
 */
const failures = new Map();

/**
 * Shows (or, without a message, clears) the error of one part of the page.
 * @param {string} part @param {string} [message]
 */
function setError(part, message) {
  if (message === undefined) failures.delete(part);
  else failures.set(part, message);
  const box = $("error");
  box.textContent = [...failures.values()].join("\n");
  box.hidden = failures.size === 0;
}

/**
 * GET an API path with the key; JSON back.
 * @param {string} path
 * @param {Record<string, string>} [params]
 * @returns {Promise<any>}
 */
async function api(path, params = {}) {
  const key = sessionStorage.getItem(KEY) ?? "";
  const query = new URLSearchParams(tenant ? { ...params, tenant } : params).toString();
  const res = await fetch(`/api/sa/${path}${query ? `?${query}` : ""}`, {
    headers: { "x-api-key": key },
  });
  if (res.status === 401) throw new Unauthorized("the API key was not accepted");
  const body = await res.json();
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

/** @param {HTMLElement} badge @param {string} status */
function setBadge(badge, status) {
  badge.textContent = status;
  badge.className = `badge ${status}`;
  badge.dataset.status = status;
}

/** `2024-03-01T00:00` (a datetime-local value, read as UTC) as ISO. @param {string} v */
const fromInput = (v) => (v ? new Date(`${v}:00Z`).toISOString() : "");
/** An ISO time as a datetime-local value in UTC. @param {string} iso */
const toInput = (iso) => iso.slice(0, 16);

function range() {
  const period = /** @type {HTMLSelectElement} */ ($("period")).value;
  const from = fromInput(/** @type {HTMLInputElement} */ ($("from")).value);
  const to = fromInput(/** @type {HTMLInputElement} */ ($("to")).value);
  /** @type {Record<string, string>} */
  const params = { period };
  if (from) params.from = from;
  if (to) params.to = to;
  return params;
}

/**
 * @param {any} summary the summary response
 */
function renderKpis(summary) {
  const s = summary.summary;
  const status = summary.finality.status;
  /** @param {number} n */
  const rate = (n) => (s.requests === 0 ? null : n / s.requests);
  const p95 = s.time_taken_ms?.p95 ?? null;
  const cards = [
    ["requests", "Requests", s.requests, numberFormat.format(s.requests)],
    ["bytes", "Bytes", s.bytes, bytesText(s.bytes)],
    ["cache-hit-ratio", "Cache hit ratio", s.cache_hit_ratio, percent(s.cache_hit_ratio)],
    ["rate-4xx", "4xx rate", rate(s.errors_4xx), percent(rate(s.errors_4xx))],
    ["rate-5xx", "5xx rate", rate(s.errors_5xx), percent(rate(s.errors_5xx))],
    ["p95", "p95 time taken", p95, p95 === null ? "–" : `${p95} ms`],
  ];
  const box = $("kpis");
  box.replaceChildren();
  for (const [id, label, raw, text] of cards) {
    const card = el("div", { class: "card" });
    card.append(el("div", { class: "label" }, String(label)));
    card.append(
      el("div", {
        class: "value",
        "data-testid": `kpi-${id}`,
        "data-value": raw === null ? "" : String(raw),
        title: raw === null ? "" : String(raw),
      }, String(text)),
    );
    const badge = el("span", { "data-testid": `kpi-${id}-finality` });
    setBadge(badge, status);
    card.append(badge);
    box.append(card);
  }
}

const SVG = "http://www.w3.org/2000/svg";

/** @param {string} tag @param {Record<string, string | number>} attrs */
function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** @param {any} series the timeseries response */
function renderChart(series) {
  const box = $("chart");
  box.replaceChildren();
  setBadge($("chart-finality"), series.finality.status);
  /** @type {Array<{ key: string, value: number | null, status: string }>} */
  const points = series.points;
  const W = 1000;
  const H = 220;
  const pad = { l: 60, r: 10, t: 10, b: 30 };
  const max = Math.max(0, ...points.map((p) => p.value ?? 0));
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img" });
  const title = svg("title", {});
  title.textContent = `${series.metric} per ${series.period}`;
  root.append(title);
  const bw = (W - pad.l - pad.r) / Math.max(points.length, 1);
  points.forEach((p, i) => {
    const v = p.value ?? 0;
    const h = max === 0 ? 0 : (v / max) * (H - pad.t - pad.b);
    const bar = svg("rect", {
      class: `bar ${p.status}`,
      x: pad.l + i * bw + 1,
      y: H - pad.b - h,
      width: Math.max(bw - 2, 1),
      height: h,
      "data-key": p.key,
      "data-value": p.value === null ? "" : p.value,
      "data-status": p.status,
    });
    const tip = svg("title", {});
    tip.textContent = `${p.key}: ${
      p.value === null ? "–" : numberFormat.format(p.value)
    } (${p.status})`;
    bar.append(tip);
    root.append(bar);
  });
  /** @param {number} x @param {number} y @param {string} text @param {string} [anchor] */
  const label = (x, y, text, anchor = "start") => {
    const t = svg("text", { x, y, "text-anchor": anchor });
    t.textContent = text;
    root.append(t);
  };
  label(pad.l - 6, pad.t + 10, numberFormat.format(max), "end");
  label(pad.l - 6, H - pad.b, "0", "end");
  if (points.length) {
    label(pad.l, H - 8, points[0].key);
    label(W - pad.r, H - 8, points[points.length - 1].key, "end");
  }
  box.append(root);
}

/**
 * @param {string} id table id
 * @param {string[]} heads
 * @param {Array<Array<string | number>>} rows
 */
function renderTable(id, heads, rows) {
  const table = $(id);
  table.replaceChildren();
  const head = el("tr");
  heads.forEach((h, i) => head.append(el("th", i ? { class: "num" } : {}, h)));
  table.append(head);
  for (const row of rows) {
    const tr = el("tr");
    row.forEach((cell, i) =>
      tr.append(
        el(
          "td",
          i ? { class: "num", "data-value": String(cell) } : {},
          typeof cell === "number" ? numberFormat.format(cell) : cell,
        ),
      )
    );
    table.append(tr);
  }
  if (rows.length === 0) table.append(el("tr", {}, "no data in this range"));
}

/** The figures' elements, emptied when a load fails so that none is shown as current. */
function clearFigures() {
  for (const id of ["kpis", "chart", "paths", "edges", "codes"]) $(id).replaceChildren();
  for (const id of ["chart-finality", "paths-finality", "edges-finality", "codes-finality"]) {
    const badge = $(id);
    badge.textContent = "";
    badge.className = "badge";
    delete badge.dataset.status;
  }
  delete document.body.dataset.loaded;
}

/** Counts loads: only the latest one may render, or clear, the figures. */
let loads = 0;

/**
 * Loads and shows the figures of the chosen range. A success clears the figures' error; a
 * failure shows it and clears the figures it could not refresh. Never rejects.
 */
async function load() {
  const seq = ++loads;
  const params = range();
  const metric = /** @type {HTMLSelectElement} */ ($("metric")).value;
  let answers;
  try {
    answers = await Promise.all([
      api("traffic/summary", params),
      api("traffic/timeseries", { ...params, metric }),
      api("traffic/top-paths", { ...params, limit: "20" }),
      api("traffic/edge-locations", { ...params, limit: "20" }),
      api("traffic/status-codes", { ...params, limit: "20" }),
    ]);
  } catch (e) {
    if (seq !== loads) return; // a later load owns the figures now
    clearFigures();
    fail("figures", e);
    return;
  }
  if (seq !== loads) return;
  const [summary, series, paths, edges, codes] = answers;
  setError("figures");
  renderKpis(summary);
  renderChart(series);
  setBadge($("paths-finality"), paths.finality.status);
  renderTable(
    "paths",
    ["path", "requests", "bytes", "± error"],
    paths.paths.map(
      /** @param {{ path: string, requests: number, bytes: number, error: number }} p */
      (p) => [p.path, p.requests, p.bytes, p.error],
    ),
  );
  setBadge($("edges-finality"), edges.finality.status);
  renderTable(
    "edges",
    ["edge location", "requests"],
    edges.edge_locations.map(
      /** @param {{ edge_location: string, requests: number }} e */
      (e) => [e.edge_location, e.requests],
    ),
  );
  setBadge($("codes-finality"), codes.finality.status);
  renderTable(
    "codes",
    ["status", "requests"],
    codes.status_codes.map(
      /** @param {{ code: string, requests: number }} s */
      (s) => [s.code, s.requests],
    ),
  );
  document.body.dataset.loaded = `${Date.now()}`;
}

/** Shows one level of the store; a failure is the cache browser's error. @param {string} dir */
function browse(dir) {
  return browseDir(dir).then(() => setError("cache"), (e) => fail("cache", e));
}

/** @param {string} dir */
async function browseDir(dir) {
  const listing = await api(dir ? `cache/browse/${dir}` : "cache/browse");
  const crumbs = $("crumbs");
  crumbs.replaceChildren();
  const parts = dir ? dir.split("/") : [];
  const root = el("button", { type: "button" }, "(root)");
  root.addEventListener("click", () => browse(""));
  crumbs.append(root);
  parts.forEach((part, i) => {
    const b = el("button", { type: "button" }, part);
    b.addEventListener("click", () => browse(parts.slice(0, i + 1).join("/")));
    crumbs.append(b);
  });
  const list = $("listing");
  list.replaceChildren();
  /** @type {Array<{ name: string, path: string }>} */
  const dirs = listing.dirs;
  /** @type {Array<{ key: string, size: number }>} */
  const files = listing.files;
  /** @param {HTMLElement} button @param {() => Promise<void>} open */
  const item = (button, open) => {
    button.addEventListener("click", () => open());
    const li = el("li");
    li.append(button);
    list.append(li);
  };
  for (const d of dirs) {
    item(el("button", { type: "button", "data-dir": d.path }, `${d.name}/`), () => browse(d.path));
  }
  for (const f of files) {
    const name = f.key.slice(f.key.lastIndexOf("/") + 1);
    const label = `${name} (${bytesText(f.size)})`;
    item(
      el("button", { type: "button", "data-key": f.key }, label),
      () => entry(f.key).then(() => setError("cache"), (e) => fail("cache", e)),
    );
  }
}

/** @param {string} key */
async function entry(key) {
  const query = tenant ? `?tenant=${encodeURIComponent(tenant)}` : "";
  const res = await fetch(`/api/sa/cache/entry/${key}${query}`, {
    headers: { "x-api-key": sessionStorage.getItem(KEY) ?? "" },
  });
  const text = await res.text();
  if (!res.ok) {
    $("entry").textContent = "";
    if (res.status === 401) throw new Unauthorized("the API key was not accepted");
    let message = `HTTP ${res.status}`;
    try {
      message = JSON.parse(text).error.message ?? message;
    } catch {
      // not the API's error shape: the status says enough
    }
    throw new Error(message);
  }
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: shown as is
  }
  $("entry").textContent = shown.length > 200_000 ? `${shown.slice(0, 200_000)}\n…` : shown;
}

/**
 * Shows a failure as the error of one part of the page; a refused key goes back to the
 * key form instead.
 * @param {string} part @param {unknown} e
 */
function fail(part, e) {
  if (e instanceof Unauthorized) {
    sessionStorage.removeItem(KEY);
    login(e.message);
    return;
  }
  setError(part, `error: ${e instanceof Error ? e.message : String(e)}`);
}

/** @param {string} [message] */
function login(message = "") {
  $("main").hidden = true;
  $("forget").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("status").textContent = "not connected";
  failures.clear();
  setError("start");
}

async function start() {
  $("login").hidden = true;
  /** @type {{ tenants: string[] | null }} */
  const t = await api("tenants");
  const picker = /** @type {HTMLSelectElement} */ ($("tenant"));
  if (t.tenants) {
    if (!tenant || !t.tenants.includes(tenant)) tenant = t.tenants[0] ?? "";
    picker.replaceChildren(...t.tenants.map((name) => el("option", { value: name }, name)));
    picker.value = tenant;
    $("tenant-label").hidden = false;
  }
  const status = await api("cloudfront/status");
  setError("start");
  $("main").hidden = false;
  $("forget").hidden = false;
  const d = status.data;
  $("status").textContent = d.first_window
    ? `data from ${d.first_window} to ${d.last_window} (${d.windows} windows)` +
      (status.running ? `; ${status.running.step} running` : "")
    : "no data yet";
  if (d.first_window && !/** @type {HTMLInputElement} */ ($("from")).value) {
    const first = new Date(d.first_window);
    const last = new Date(Date.parse(d.last_window) + 30 * 60 * 1000);
    first.setUTCHours(0, 0, 0, 0);
    if (last.getUTCHours() || last.getUTCMinutes()) {
      last.setUTCHours(24, 0, 0, 0);
    }
    /** @type {HTMLInputElement} */ ($("from")).value = toInput(first.toISOString());
    /** @type {HTMLInputElement} */ ($("to")).value = toInput(last.toISOString());
  }
  await Promise.all([load(), browse("")]);
}

function init() {
  $("login").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($("key"));
    sessionStorage.setItem(KEY, input.value.trim());
    input.value = "";
    start().catch((e) => fail("start", e));
  });
  $("range").addEventListener("submit", (e) => {
    e.preventDefault();
    load();
  });
  $("metric").addEventListener("change", () => load());
  $("tenant").addEventListener("change", () => {
    tenant = /** @type {HTMLSelectElement} */ ($("tenant")).value;
    /** @type {HTMLInputElement} */ ($("from")).value = "";
    start().catch((e) => fail("start", e));
  });
  $("forget").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    login();
  });
  if (sessionStorage.getItem(KEY)) start().catch((e) => fail("start", e));
  else login();
}

document.addEventListener("DOMContentLoaded", init);
