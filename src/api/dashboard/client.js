// @ts-check
/**
 * The dashboard's script. Plain JavaScript, embedded into the app (assets.ts) so the page
 * works on Lambda and offline. Every value from the API reaches the page through
 * `textContent` or an attribute, never as HTML: paths and agents come from logs.
 *
 * Which audience panels exist, and which metrics the chart offers, is read from the API's
 * OpenAPI document (the `dimension` and `metric` picklists, themselves the catalogue's):
 * the tables below only say how to title and group what the catalogue holds, so a new
 * dimension shows up here without a change.
 */

const KEY = "cloudfront-lets-api-key";
/** The tenant shown, when the server has several (every API call then names it). */
let tenant = "";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------
// Units
// ---------------------------------------------------------------------------------------

const countFormat = new Intl.NumberFormat("en-US");
/** @param {number} n */
const countText = (n) => countFormat.format(n);

/**
 * Bytes in decimal units, as CloudFront's own reports count them: `1.2 MB`, never
 * `1000 KB` (a value that rounds to 1000 takes the next unit).
 * @param {number} n
 */
function bytesText(n) {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let i = 0;
  let x = n;
  while (x >= 999.5 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${x.toFixed(x < 100 ? 1 : 0)} ${units[i]}`;
}

/** @param {number | null} x a ratio */
const percent = (x) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);

/** Milliseconds as a person reads them: `12.3 ms`, `240 ms`, `1.25 s`. @param {number | null} ms */
function msText(ms) {
  if (ms === null) return "–";
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

/** `bytes_from_misses` → `Bytes from misses`. @param {string} name */
const humanize = (name) => (name.charAt(0).toUpperCase() + name.slice(1)).replaceAll("_", " ");

/** @typedef {"count" | "bytes" | "ratio" | "ms"} Unit */

/** @type {Record<Unit, (x: number) => string>} */
const UNIT_TEXT = { count: countText, bytes: bytesText, ratio: percent, ms: msText };

/** The chart's metrics: label and unit (a metric not listed is a count, named after itself). */
/** @type {Record<string, { label: string, unit: Unit }>} */
const METRICS = {
  requests: { label: "Requests", unit: "count" },
  bytes: { label: "Bytes", unit: "bytes" },
  page_views: { label: "Page views", unit: "count" },
  entries: { label: "Entries", unit: "count" },
  errors_4xx: { label: "4xx errors", unit: "count" },
  errors_5xx: { label: "5xx errors", unit: "count" },
  cache_hit_ratio: { label: "Cache hit ratio", unit: "ratio" },
  time_taken_p95: { label: "p95 time taken", unit: "ms" },
};
/** @param {string} name */
const metricOf = (name) => METRICS[name] ?? { label: humanize(name), unit: "count" };

// ---------------------------------------------------------------------------------------
// Times: every time on the page is in the chosen zone (UTC by default), and the API is
// asked in it (`tz`), so that days and months begin at its local midnight.
// ---------------------------------------------------------------------------------------

/** The IANA time zone the page shows: `?tz=` of the page's address if the browser knows it, else UTC. */
let zone = knownZone(new URLSearchParams(location.search).get("tz")) ?? "UTC";

/** `name` if it is a time zone the browser knows. @param {string | null} name */
function knownZone(name) {
  try {
    return name
      ? new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone
      : undefined;
  } catch {
    return undefined;
  }
}

/** @param {Intl.DateTimeFormatOptions} o */
const inZone = (o) => new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", ...o });
/** The formats of times, in {@link zone}. */
let formats = makeFormats();
function makeFormats() {
  return {
    date: inZone({ month: "short", day: "numeric" }),
    dateYear: inZone({ month: "short", day: "numeric", year: "numeric" }),
    month: inZone({ month: "short", year: "numeric" }),
    clock: inZone({ hour: "2-digit", minute: "2-digit" }),
    parts: inZone({
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    }),
  };
}

/** Shows the page in zone `name` from now on. @param {string} name */
function setZone(name) {
  zone = name;
  formats = makeFormats();
}

/**
 * The wall time of an instant in {@link zone}, as if it were UTC: what the range inputs
 * hold and the presets count in, so that a day is a local day. @param {number} ms
 */
function wall(ms) {
  /** @type {Record<string, number>} */
  const p = {};
  for (const part of formats.parts.formatToParts(ms)) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/** A time as `Mar 1, 2024 10:30`. @param {number} ms */
const dateTimeText = (ms) => `${formats.dateYear.format(ms)} ${formats.clock.format(ms)}`;

/**
 * A period's axis label: the clock for periods within a day, with the date under the
 * first and under each new day; the date for days; month and year for months.
 * @param {string} period @param {number} ms @param {number | undefined} before the previous label's time
 * @returns {string[]} lines
 */
function periodLabel(period, ms, before) {
  if (period === "monthly") return [formats.month.format(ms)];
  const date = formats.date.format(ms);
  if (period === "daily") return [date];
  const newDay = before === undefined || formats.date.format(before) !== date;
  return newDay ? [formats.clock.format(ms), date] : [formats.clock.format(ms)];
}

/** A span as words: `24 hours`, `7 days` (hours up to two days). @param {number} ms */
function spanText(ms) {
  const [n, unit] = ms % DAY === 0 && ms > 2 * DAY
    ? [ms / DAY, "day"]
    : [Math.round(ms / HOUR), "hour"];
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** A wall time as the API reads local time: `2024-03-01T00:00:00`. @param {number} ms */
const wallText = (ms) => new Date(ms).toISOString().slice(0, 19);
/** `2024-03-01T00:00` (a datetime-local value, a wall time) as the API's local time. @param {string} v */
const fromInput = (v) => (v ? `${v}:00` : "");
/** A wall time as a datetime-local value. @param {number} ms */
const toInput = (ms) => new Date(ms).toISOString().slice(0, 16);

// ---------------------------------------------------------------------------------------
// DOM
// ---------------------------------------------------------------------------------------

/** @param {string} id */
function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing`);
  return el;
}
/** @param {string} id */
const input = (id) => /** @type {HTMLInputElement} */ ($(id));

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

/** @param {HTMLElement} badge @param {string} status */
function setBadge(badge, status) {
  badge.textContent = status;
  badge.className = `badge ${status}`;
  badge.dataset.status = status;
}

// ---------------------------------------------------------------------------------------
// Errors and the API
// ---------------------------------------------------------------------------------------

class Unauthorized extends Error {}

/** A refused request, with its HTTP status (a 400 for a dimension is not a failure). */
class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

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
  if (!res.ok) throw new ApiError(res.status, body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

// ---------------------------------------------------------------------------------------
// The catalogue, from the OpenAPI document
// ---------------------------------------------------------------------------------------

/**
 * How each known dimension is titled and grouped. Presentation only: the panels shown are
 * the catalogue's (a name missing here gets a title made from it, under "Other").
 * @type {Record<string, { group: string, title: string, head?: string }>}
 */
const PANELS = {
  top_pages: { group: "pages", title: "Top pages", head: "Page" },
  entry_pages: { group: "pages", title: "Entry pages", head: "Page" },
  not_found_paths: { group: "pages", title: "Not found (404)", head: "Path" },
  error_paths: { group: "pages", title: "Server errors (5xx)", head: "Path" },
  channels: { group: "sources", title: "Channels", head: "Channel" },
  referrer_domains: { group: "sources", title: "Referrers", head: "Domain" },
  utm_sources: { group: "sources", title: "UTM sources", head: "Source" },
  utm_mediums: { group: "sources", title: "UTM mediums", head: "Medium" },
  utm_campaigns: { group: "sources", title: "UTM campaigns", head: "Campaign" },
  countries: { group: "places", title: "Countries", head: "Country" },
  asns: { group: "places", title: "Networks (ASN)", head: "ASN" },
  devices: { group: "devices", title: "Devices", head: "Device" },
  browsers: { group: "devices", title: "Browsers", head: "Browser" },
  os: { group: "devices", title: "Operating systems", head: "OS" },
  browser_versions: { group: "devices", title: "Browser versions", head: "Version" },
  os_versions: { group: "devices", title: "OS versions", head: "Version" },
  bot_names: { group: "bots", title: "Bots", head: "Bot" },
  content_types: { group: "tech", title: "Content types", head: "Type" },
  protocols: { group: "tech", title: "Protocols", head: "Protocol" },
  http_versions: { group: "tech", title: "HTTP versions", head: "Version" },
  tls_versions: { group: "tech", title: "TLS versions", head: "Version" },
  ip_versions: { group: "tech", title: "IP versions", head: "Version" },
  detailed_result_types: { group: "tech", title: "Detailed result types", head: "Result" },
};

/** The groups panels are laid out in, in order. */
const GROUPS = [
  ["pages", "Pages"],
  ["sources", "Sources"],
  ["places", "Locations"],
  ["devices", "Devices and software"],
  ["bots", "Bots"],
  ["tech", "Content and protocols"],
  ["other", "Other"],
];

/** Column heads of the measures a dimension counts. */
/** @type {Record<string, string>} */
const MEASURE_HEADS = { requests: "Requests", bytes: "Bytes", page_views: "Views" };

/**
 * What the server can show: the breakdown's dimensions and the timeseries' metrics.
 * @type {{ dimensions: string[], metrics: string[] }}
 */
let catalogue = { dimensions: Object.keys(PANELS), metrics: Object.keys(METRICS) };

/**
 * The enum of one query parameter of a GET route in an OpenAPI document, if it has one.
 * @param {any} doc @param {string} path @param {string} name
 * @returns {string[] | undefined}
 */
function enumOf(doc, path, name) {
  const params = doc?.paths?.[path]?.get?.parameters ?? [];
  /** @type {any} */
  const p = params.find(/** @param {any} p */ (p) => p.name === name);
  const values = p?.schema?.enum;
  return Array.isArray(values) && values.length > 0 ? values.map(String) : undefined;
}

/**
 * Reads the catalogue from the OpenAPI document. Without it (an older server), the known
 * names are asked for and those the API refuses are skipped.
 */
async function loadCatalogue() {
  const doc = await api("openapi.json").catch((e) => {
    if (e instanceof Unauthorized) throw e;
    return undefined;
  });
  catalogue = {
    dimensions: enumOf(doc, "/api/sa/traffic/breakdown", "dimension") ?? Object.keys(PANELS),
    metrics: enumOf(doc, "/api/sa/traffic/timeseries", "metric") ?? Object.keys(METRICS),
  };
  const picker = /** @type {HTMLSelectElement} */ ($("metric"));
  const chosen = picker.value;
  picker.replaceChildren(
    ...catalogue.metrics.map((m) => el("option", { value: m }, metricOf(m).label)),
  );
  picker.value = catalogue.metrics.includes(chosen) ? chosen : catalogue.metrics[0];
}

// ---------------------------------------------------------------------------------------
// Ranges and presets
// ---------------------------------------------------------------------------------------

/**
 * Where the data starts and ends (epoch ms). Presets end with the latest data rather than
 * the clock, so that a store of old logs (a demo, a backfill) still shows something, and a
 * live one, whose latest window is minutes old, shows what a clock would.
 */
let data = { first: Date.now() - DAY, end: Date.now() };

/** The preset shown, or `custom`. */
let preset = "7d";

/** @param {number} ms @param {number} unit */
const ceilTo = (ms, unit) => Math.ceil(ms / unit) * unit;

/**
 * The presets: each a period and a range ending with the latest data. Hours for a day,
 * days for the others.
 * @type {Record<string, () => { period: string, from: number, to: number }>}
 */
const PRESETS = {
  "24h": () => {
    const to = ceilTo(wall(data.end), HOUR);
    return { period: "hourly", from: to - DAY, to };
  },
  "7d": () => lastDays(7),
  "30d": () => lastDays(30),
  month: () => {
    const last = new Date(wall(data.end) - 1);
    const from = Date.UTC(last.getUTCFullYear(), last.getUTCMonth(), 1);
    return { period: "daily", from, to: ceilTo(wall(data.end), DAY) };
  },
  all: () => ({
    period: "daily",
    from: Math.floor(wall(data.first) / DAY) * DAY,
    to: ceilTo(wall(data.end), DAY),
  }),
};

/** The last `n` local days up to the latest data (wall times). @param {number} n */
function lastDays(n) {
  const to = ceilTo(wall(data.end), DAY);
  return { period: "daily", from: to - n * DAY, to };
}

/** Marks the preset buttons. @param {string} name */
function markPreset(name) {
  preset = name;
  for (const b of document.querySelectorAll("#presets button")) {
    b.setAttribute("aria-pressed", String(/** @type {HTMLElement} */ (b).dataset.preset === name));
  }
}

/** Puts a preset's range in the inputs and shows it. @param {string} name */
function choosePreset(name) {
  const make = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
  markPreset(make ? name : "custom");
  if (!make) return load();
  const r = make();
  /** @type {HTMLSelectElement} */ ($("period")).value = r.period;
  input("from").value = toInput(r.from);
  input("to").value = toInput(r.to);
  return load();
}

/** The range in the inputs, as query parameters. */
function range() {
  const period = /** @type {HTMLSelectElement} */ ($("period")).value;
  const from = fromInput(input("from").value);
  const to = fromInput(input("to").value);
  /** @type {Record<string, string>} */
  const params = { period, tz: zone };
  if (from) params.from = from;
  if (to) params.to = to;
  return params;
}

/**
 * The range of the same length just before `params`, so that every KPI can say how it
 * changed; none when the range is open-ended.
 * @param {Record<string, string>} params
 * @returns {Record<string, string> | undefined}
 */
function previousRange(params) {
  const length = wallLength(params);
  if (length === undefined) return undefined;
  const from = Date.parse(`${params.from}Z`);
  return { ...params, from: wallText(from - length), to: wallText(from) };
}

/**
 * The length of a range in wall time (a local day is a day, whatever DST does to it), or
 * undefined when it is open-ended. @param {Record<string, string>} params
 */
function wallLength(params) {
  if (!params.from || !params.to) return undefined;
  const length = Date.parse(`${params.to}Z`) - Date.parse(`${params.from}Z`);
  return length > 0 ? length : undefined;
}

// ---------------------------------------------------------------------------------------
// KPIs
// ---------------------------------------------------------------------------------------

/**
 * The key figures: each read from a summary, in a unit, and whether up is good (1), bad
 * (-1) or neither (0), which colours its change.
 * @type {Array<{ id: string, label: string, unit: Unit, better: number, of: (s: any) => number | null }>}
 */
const KPIS = [
  { id: "requests", label: "Requests", unit: "count", better: 0, of: (s) => s.requests },
  { id: "bytes", label: "Bytes", unit: "bytes", better: 0, of: (s) => s.bytes },
  { id: "page-views", label: "Page views", unit: "count", better: 1, of: (s) => s.page_views },
  { id: "entries", label: "Entries", unit: "count", better: 1, of: (s) => s.entries },
  { id: "bots", label: "Bot requests", unit: "count", better: 0, of: (s) => s.bots },
  {
    id: "cache-hit-ratio",
    label: "Cache hit ratio",
    unit: "ratio",
    better: 1,
    of: (s) => (s.requests === 0 ? null : s.cache_hit_ratio),
  },
  {
    id: "rate-4xx",
    label: "4xx rate",
    unit: "ratio",
    better: -1,
    of: (s) => rate(s, "errors_4xx"),
  },
  {
    id: "rate-5xx",
    label: "5xx rate",
    unit: "ratio",
    better: -1,
    of: (s) => rate(s, "errors_5xx"),
  },
  {
    id: "p95",
    label: "p95 time taken",
    unit: "ms",
    better: -1,
    of: (s) => s.time_taken_ms?.p95 ?? null,
  },
];

/** @param {any} s a summary @param {string} key */
const rate = (s, key) => (s.requests === 0 ? null : s[key] / s.requests);

const changeFormat = new Intl.NumberFormat("en-US", {
  style: "percent",
  maximumFractionDigits: 0,
  signDisplay: "exceptZero",
});
const pointsFormat = new Intl.NumberFormat("en-US", {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
  signDisplay: "exceptZero",
});

/**
 * How a figure changed since the previous range: relative for amounts, in percentage
 * points for ratios (a relative change of a rate reads as a bigger alarm than it is).
 * Without a base to compare with, `–`.
 * @param {Unit} unit @param {number | null} now @param {number | null | undefined} before
 * @returns {{ text: string, sign: number }}
 */
function change(unit, now, before) {
  if (now === null || before === null || before === undefined) return { text: "–", sign: 0 };
  if (unit === "ratio") {
    const text = `${pointsFormat.format((now - before) * 100)} pp`;
    return { text, sign: Math.sign(Math.round((now - before) * 1000)) };
  }
  if (before === 0) return { text: "–", sign: 0 };
  const r = (now - before) / before;
  return { text: changeFormat.format(r), sign: Math.sign(Math.round(r * 100)) };
}

/**
 * @param {any} summary the summary response
 * @param {any} previous the previous range's summary response, if any
 * @param {Record<string, string>} params the range asked for
 */
function renderKpis(summary, previous, params) {
  const box = $("kpis");
  box.replaceChildren();
  const span = spanText(wallLength(params) ?? Date.parse(summary.to) - Date.parse(summary.from));
  for (const k of KPIS) box.append(kpiCard(k, summary, previous, span));
  $("compare").textContent = previous
    ? `Changes against the previous ${span}: ${dateTimeText(Date.parse(previous.from))} to ` +
      `${dateTimeText(Date.parse(previous.to))} ${zone}.`
    : "";
}

/**
 * @param {typeof KPIS[number]} k @param {any} summary @param {any} previous
 * @param {string} span the length of the range, in words
 */
function kpiCard(k, summary, previous, span) {
  const now = k.of(summary.summary);
  const before = previous ? k.of(previous.summary) : undefined;
  const card = el("div", { class: "card" });
  card.append(el("div", { class: "label" }, k.label));
  card.append(
    el("div", {
      class: "value",
      "data-testid": `kpi-${k.id}`,
      "data-value": now === null ? "" : String(now),
      title: now === null ? "not logged, or nothing to measure" : String(now),
    }, now === null ? "–" : UNIT_TEXT[k.unit](now)),
  );
  const c = change(k.unit, now, before);
  const mood = c.sign === 0 || k.better === 0 ? "flat" : c.sign === k.better ? "good" : "bad";
  const line = el("div", { class: "change" });
  line.append(
    el("span", {
      class: `delta ${mood}`,
      "data-testid": `kpi-${k.id}-delta`,
      "data-previous": before === null || before === undefined ? "" : String(before),
      title: before === null || before === undefined
        ? "nothing to compare with"
        : `previous ${span}: ${UNIT_TEXT[k.unit](before)}`,
    }, `${c.sign > 0 ? "▲ " : c.sign < 0 ? "▼ " : ""}${c.text}`),
  );
  const badge = el("span", { "data-testid": `kpi-${k.id}-finality` });
  setBadge(badge, summary.finality.status);
  line.append(badge);
  card.append(line);
  return card;
}

// ---------------------------------------------------------------------------------------
// The chart
// ---------------------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";

/** @param {string} tag @param {Record<string, string | number>} attrs @param {string} [text] */
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The series last drawn, redrawn at the new width when the window is resized. */
/** @type {any} */
let drawn;

/**
 * Draws a timeseries at the box's own pixel width, so that its labels stay readable on a
 * phone instead of shrinking with a scaled drawing.
 * @param {any} series the timeseries response
 */
function renderChart(series) {
  drawn = series;
  const box = $("chart");
  box.replaceChildren();
  setBadge($("chart-finality"), series.finality.status);
  /** @type {Array<{ key: string, start: string, value: number | null, status: string }>} */
  const points = series.points;
  const { label, unit } = metricOf(series.metric);
  const text = UNIT_TEXT[unit];
  const W = Math.max(300, box.clientWidth || 1000);
  const H = 220;
  const pad = { l: 64, r: 12, t: 12, b: 38 };
  const max = niceCeil(Math.max(0, ...points.map((p) => p.value ?? 0)), unit);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img" });
  root.append(svg("title", {}, `${label} per ${series.period} period`));
  const plotH = H - pad.t - pad.b;
  for (const f of [0, 0.5, 1]) {
    const y = H - pad.b - f * plotH;
    root.append(svg("line", { class: "grid", x1: pad.l, x2: W - pad.r, y1: y, y2: y }));
    root.append(svg("text", { x: pad.l - 6, y: y + 4, "text-anchor": "end" }, text(max * f)));
  }
  const bw = (W - pad.l - pad.r) / Math.max(points.length, 1);
  points.forEach((p, i) => {
    const h = max === 0 ? 0 : ((p.value ?? 0) / max) * plotH;
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
    const at = Date.parse(p.start);
    const when = series.period === "daily" || series.period === "monthly"
      ? periodLabel(series.period, at, undefined).join(" ")
      : dateTimeText(at);
    bar.append(
      svg("title", {}, `${when}: ${p.value === null ? "–" : text(p.value)} (${p.status})`),
    );
    root.append(bar);
  });
  axisLabels(root, series.period, points, { x: pad.l, w: bw, y: H - pad.b + 14, W });
  box.append(root);
}

/**
 * A round top for an axis, whose half is round too: 1, 2, 4, 6, 8 or 10 times a power of
 * ten (at least 2 for counts, which have no fractions).
 * @param {number} x @param {Unit} unit
 */
function niceCeil(x, unit) {
  if (x <= 0) return 0;
  const p = 10 ** Math.floor(Math.log10(x));
  const top = ([1, 2, 4, 6, 8, 10].find((m) => m * p >= x * (1 - 1e-9)) ?? 10) * p;
  return unit === "count" || unit === "bytes" ? Math.max(2, top) : top;
}

/**
 * Time labels under the bars: as many as fit, evenly spaced.
 * @param {SVGElement} root @param {string} period @param {Array<{ start: string }>} points
 * @param {{ x: number, w: number, y: number, W: number }} at
 */
function axisLabels(root, period, points, at) {
  const fit = Math.max(1, Math.floor(at.W / (period === "monthly" ? 80 : 64)));
  const step = Math.max(1, Math.ceil(points.length / fit));
  /** @type {number | undefined} */
  let before;
  for (let i = 0; i < points.length; i += step) {
    const ms = Date.parse(points[i].start);
    const t = svg("text", { x: at.x + (i + 0.5) * at.w, y: at.y, "text-anchor": "middle" });
    periodLabel(period, ms, before).forEach((line, n) => {
      t.append(svg("tspan", { x: at.x + (i + 0.5) * at.w, dy: n === 0 ? 0 : 13 }, line));
    });
    root.append(t);
    before = ms;
  }
}

// ---------------------------------------------------------------------------------------
// Tables (top paths, edges, status codes and every audience panel)
// ---------------------------------------------------------------------------------------

/**
 * A column of a ranked table: the row's key it shows and how, whether it is the row's
 * name (ellipsized, its full text in a title, with a bar of its share behind it).
 * @typedef {{ key: string, head: string, text?: (v: any, row: Record<string, any>) => string, name?: boolean, num?: boolean }} Column
 */

/** Rows shown before "Show all". */
const FOLDED = 10;

/**
 * Fills a table with rows, largest first. Every cell holds its raw value in `data-value`
 * and, for numbers, its readable text; the bar behind a name is its first count's share
 * of the largest.
 * @param {HTMLElement} table @param {Column[]} columns @param {Array<Record<string, any>>} rows
 */
function renderRows(table, columns, rows) {
  table.replaceChildren();
  const head = el("tr");
  for (const c of columns) head.append(el("th", c.num ? { class: "num" } : {}, c.head));
  const thead = el("thead");
  thead.append(head);
  table.append(thead);
  const body = el("tbody");
  const first = columns.find((c) => c.num);
  const max = first ? Math.max(1, ...rows.map((r) => Number(r[first.key]) || 0)) : 1;
  for (const row of rows) body.append(rowOf(columns, row, first ? (row[first.key] ?? 0) / max : 0));
  if (rows.length === 0) {
    const none = el("tr", { class: "none" });
    none.append(el("td", { colspan: String(columns.length) }, "no data in this range"));
    body.append(none);
  }
  table.append(body);
}

/** @param {Column[]} columns @param {Record<string, any>} row @param {number} share */
function rowOf(columns, row, share) {
  const name = columns.find((c) => c.name);
  const tr = el("tr", name ? { "data-name": String(row[name.key]) } : {});
  for (const c of columns) {
    const raw = row[c.key];
    const text = c.text
      ? c.text(raw, row)
      : typeof raw === "number"
      ? countText(raw)
      : String(raw ?? "");
    const td = el("td", {
      class: c.num ? "num" : c.name ? "name" : "tag",
      "data-col": c.key,
      "data-value": raw === undefined ? "" : String(raw),
    });
    if (c.name) {
      td.title = text; // the full text of a name cut to fit
      const bar = el("span", { class: "bar" });
      bar.style.width = `${Math.round(share * 1000) / 10}%`; // CSSOM: allowed by the CSP
      td.append(bar, el("span", { class: "text" }, text));
    } else td.textContent = text;
    tr.append(td);
  }
  return tr;
}

/** Folds a long table to its first rows, with a button that shows the rest. @param {HTMLElement} box @param {HTMLElement} table @param {number} rows */
function foldable(box, table, rows) {
  if (rows <= FOLDED) return;
  table.classList.add("folded");
  const button = el("button", { type: "button", class: "more" }, `Show all ${rows}`);
  button.addEventListener("click", () => {
    const folded = table.classList.toggle("folded");
    button.textContent = folded ? `Show all ${rows}` : "Show fewer";
  });
  box.append(button);
}

/** A top list's error: how much a count may fall short of the truth. @param {number} n */
const errorText = (n) => (n > 0 ? `±${countText(n)}` : "");

// ---------------------------------------------------------------------------------------
// Audience panels
// ---------------------------------------------------------------------------------------

const regions = new Intl.DisplayNames(["en"], { type: "region" });

/** A country code as its name, with the code: `United Kingdom (GB)`. @param {string} code */
function countryText(code) {
  if (code === "-") return "unknown (-)";
  try {
    const name = /^[A-Z]{2}$/.test(code) ? regions.of(code) : undefined;
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}

/**
 * The columns of a breakdown: its name, any attribute its rows carry (a bot's category),
 * its counts, and the error of a top list when any row has one.
 * @param {any} b the breakdown response
 * @returns {Column[]}
 */
function breakdownColumns(b) {
  /** @type {Array<Record<string, any>>} */
  const rows = b.rows;
  const label = rows[0] && "path" in rows[0] ? "path" : "name";
  const known = new Set([label, "error", ...b.counts]);
  const extra = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => !known.has(k));
  /** @type {Column[]} */
  const columns = [{
    key: label,
    head: PANELS[b.dimension]?.head ?? humanize(label),
    name: true,
    text: b.dimension === "countries" ? countryText : undefined,
  }];
  for (const k of extra) columns.push({ key: k, head: humanize(k) });
  for (const m of b.counts) {
    columns.push({
      key: m,
      head: MEASURE_HEADS[m] ?? humanize(m),
      num: true,
      text: m === "bytes" ? bytesText : countText,
    });
  }
  if (rows.some((r) => r.error > 0)) {
    columns.push({ key: "error", head: "±", num: true, text: errorText });
  }
  return columns;
}

/**
 * One panel: title and finality, the dimension's meaning, and its rows; or, when its field
 * was not logged, which fields to add to the real-time log configuration.
 * @param {string} name @param {any} b the breakdown response
 */
function panelOf(name, b) {
  const box = el("article", {
    class: "panel",
    role: "tabpanel",
    id: `panel-${name}`,
    "aria-labelledby": `tab-${name}`,
    "data-testid": `panel-${name}`,
    "data-dimension": name,
    "data-logged": String(b.logged),
  });
  const head = el("p", { class: "panel-head" });
  const badge = el("span", { "data-testid": `panel-${name}-finality` });
  setBadge(badge, b.finality.status);
  head.append(badge, " ", el("span", { class: "meaning" }, b.meaning));
  box.append(head);
  if (!b.logged) {
    const fields = b.fields?.length ? b.fields.join(", ") : "its field";
    box.append(
      el(
        "p",
        { class: "not-logged", "data-testid": `panel-${name}-not-logged` },
        `not logged: add ${fields} to the fields of the real-time log configuration`,
      ),
    );
    return box;
  }
  const table = el("table");
  renderRows(table, breakdownColumns(b), b.rows);
  box.append(table);
  foldable(box, table, b.rows.length);
  if (b.kind === "top") {
    const exact = b.rows.every(/** @param {any} r */ (r) => !(r.error > 0));
    box.append(
      el(
        "p",
        { class: "note" },
        exact
          ? "exact counts"
          : "estimated: ±n is how far a count may fall short (the first exactly, the others at most)",
      ),
    );
  }
  return box;
}

/**
 * The catalogue's dimensions in their groups: [group, title, names], in the order of
 * {@link PANELS} (then the catalogue's, for names it does not know), empty groups left out.
 * @returns {Array<[string, string, string[]]>}
 */
function layout() {
  const order = Object.keys(PANELS);
  const rank = (/** @type {string} */ n) => (order.includes(n) ? order.indexOf(n) : order.length);
  const names = [...catalogue.dimensions].sort((a, b) => rank(a) - rank(b));
  return GROUPS.map(([group, title]) => {
    /** @type {[string, string, string[]]} */
    const g = [group, title, names.filter((n) => (PANELS[n]?.group ?? "other") === group)];
    return g;
  }).filter(([, , mine]) => mine.length > 0);
}

/** The tab chosen in each group, kept across loads so that a new range keeps the view. */
const chosenTabs = new Map();

/** @param {string} group @param {string[]} names */
const chosenOf = (group, names) =>
  names.includes(chosenTabs.get(group)) ? chosenTabs.get(group) : names[0];

/**
 * The range the panels show and the load it belongs to: a tab opened later asks for the
 * same range, and its answer is dropped if another load has started since.
 */
let shown = { seq: 0, params: /** @type {Record<string, string>} */ ({}) };

/**
 * Lays the panels out, one card per group and a tab per dimension. Only the chosen tab of
 * each group was asked for (`loaded`); the others are asked for when opened, so that a
 * change of range costs one request per card rather than one per dimension.
 * @param {Array<[string, string, string[]]>} groups @param {Map<string, any>} loaded
 */
function renderPanels(groups, loaded) {
  const root = $("panels");
  root.replaceChildren();
  for (const [group, title, names] of groups) {
    root.append(groupCard(group, title, names, loaded));
  }
}

/**
 * A group's card: its title, a tab per dimension, and a panel per tab (the chosen one
 * shown; one not asked for yet is an empty placeholder).
 * @param {string} group @param {string} title @param {string[]} names
 * @param {Map<string, any>} loaded
 */
function groupCard(group, title, names, loaded) {
  const card = el("section", { class: "group", "data-group": group });
  const tabs = el("div", { class: "tabs", role: "tablist", "aria-label": title });
  const head = el("div", { class: "group-head" });
  head.append(el("h2", {}, title), tabs);
  card.append(head);
  for (const name of names) {
    const tab = el("button", {
      type: "button",
      role: "tab",
      id: `tab-${name}`,
      "aria-controls": `panel-${name}`,
      "data-tab": name,
    }, PANELS[name]?.title ?? humanize(name));
    tab.addEventListener("click", () => chooseTab(card, group, name));
    tabs.append(tab);
    card.append(placeholder(name));
  }
  for (const [name, b] of loaded) if (names.includes(name)) fillPanel(card, group, name, b);
  chooseTab(card, group, chosenOf(group, names));
  return card;
}

/** An empty panel, filled when its tab is first opened. @param {string} name */
function placeholder(name) {
  return el("article", {
    class: "panel",
    role: "tabpanel",
    id: `panel-${name}`,
    "aria-labelledby": `tab-${name}`,
    "data-dimension": name,
  }, "loading…");
}

/**
 * Puts a breakdown into its panel and its meaning on its tab; a dimension the server
 * refused (null) loses its tab.
 * @param {HTMLElement} card @param {string} group @param {string} name @param {any} b
 */
function fillPanel(card, group, name, b) {
  const old = /** @type {HTMLElement | null} */ (card.querySelector(`#panel-${name}`));
  const tab = card.querySelector(`#tab-${name}`);
  if (!old || !tab) return;
  if (b === null) {
    old.remove();
    tab.remove();
    const left = [...card.querySelectorAll("[role=tab]")].map((t) =>
      /** @type {HTMLElement} */ (t).dataset.tab ?? ""
    );
    if (left.length === 0) card.remove();
    else if (chosenTabs.get(group) === name) chooseTab(card, group, left[0]);
    return;
  }
  const panel = panelOf(name, b);
  panel.hidden = old.hidden;
  old.replaceWith(panel);
  tab.setAttribute("title", b.meaning);
}

/**
 * Shows one tab's panel of a card, asking for its breakdown the first time.
 * @param {HTMLElement} card @param {string} group @param {string} name
 */
function chooseTab(card, group, name) {
  chosenTabs.set(group, name);
  for (const t of card.querySelectorAll("[role=tab]")) {
    t.setAttribute("aria-selected", String(/** @type {HTMLElement} */ (t).dataset.tab === name));
  }
  for (const p of card.querySelectorAll("[role=tabpanel]")) {
    /** @type {HTMLElement} */ (p).hidden =
      /** @type {HTMLElement} */ (p).dataset.dimension !== name;
  }
  const panel = /** @type {HTMLElement | null} */ (card.querySelector(`#panel-${name}`));
  if (!panel || panel.dataset.logged !== undefined || panel.dataset.asked) return;
  panel.dataset.asked = "true";
  const { seq, params } = shown;
  breakdown(params, name).then((b) => {
    if (seq === loads) fillPanel(card, group, name, b);
  }, (e) => {
    if (seq !== loads) return;
    delete panel.dataset.asked;
    panel.textContent = "could not load this panel";
    fail("figures", e);
  });
}

/**
 * One dimension's breakdown; null when this server does not know the dimension (a 400),
 * so that a catalogue that changed since the page loaded drops a panel instead of failing.
 * @param {Record<string, string>} params @param {string} dimension
 */
function breakdown(params, dimension) {
  return api("traffic/breakdown", { ...params, dimension, limit: "50" }).catch((e) => {
    if (e instanceof ApiError && e.status === 400 && /\bdimension\b/.test(e.message)) return null;
    throw e;
  });
}

// ---------------------------------------------------------------------------------------
// Loading the figures
// ---------------------------------------------------------------------------------------

/** The figures' elements, emptied when a load fails so that none is shown as current. */
function clearFigures() {
  for (const id of ["kpis", "compare", "chart", "paths", "edges", "codes", "panels"]) {
    $(id).replaceChildren();
  }
  for (const id of ["chart-finality", "paths-finality", "edges-finality", "codes-finality"]) {
    const badge = $(id);
    badge.textContent = "";
    badge.className = "badge";
    delete badge.dataset.status;
  }
  drawn = undefined;
}

/** Counts loads: only the latest one may render, or clear, the figures. */
let loads = 0;

/**
 * Loads and shows the figures of the chosen range. A success clears the figures' error; a
 * failure shows it and clears the figures it could not refresh. Never rejects.
 * `body[data-loaded]` names the preset once its figures are shown (tests wait for it).
 */
async function load() {
  const seq = ++loads;
  delete document.body.dataset.loaded;
  const params = range();
  const before = previousRange(params);
  const metric = /** @type {HTMLSelectElement} */ ($("metric")).value;
  const groups = layout();
  const visible = groups.map(([group, , names]) => chosenOf(group, names));
  let answers;
  try {
    answers = await Promise.all([
      api("traffic/summary", params),
      before ? api("traffic/summary", before) : Promise.resolve(undefined),
      api("traffic/timeseries", { ...params, metric }),
      api("traffic/top-paths", { ...params, limit: "50" }),
      api("traffic/edge-locations", { ...params, limit: "50" }),
      api("traffic/status-codes", { ...params, limit: "50" }),
      Promise.all(visible.map((d) => breakdown(params, d))),
    ]);
  } catch (e) {
    if (seq !== loads) return; // a later load owns the figures now
    clearFigures();
    fail("figures", e);
    return;
  }
  if (seq !== loads) return;
  const [summary, previous, series, paths, edges, codes, panels] = answers;
  setError("figures");
  renderKpis(summary, previous, params);
  renderChart(series);
  shown = { seq, params };
  renderPanels(groups, new Map(visible.map((d, i) => [d, panels[i]])));
  renderTraffic(paths, edges, codes);
  document.body.dataset.loaded = preset;
}

/** The traffic tables: top paths, edge locations, status codes. @param {any} paths @param {any} edges @param {any} codes */
function renderTraffic(paths, edges, codes) {
  setBadge($("paths-finality"), paths.finality.status);
  const pathsTable = $("paths");
  /** @type {Column[]} */
  const columns = [
    { key: "path", head: "Path", name: true },
    { key: "requests", head: "Requests", num: true },
    { key: "bytes", head: "Bytes", num: true, text: bytesText },
  ];
  /** @type {Array<Record<string, any>>} */
  const rows = paths.paths;
  // Cache hits per path, as AWS's popular-objects report shows them (newer periods only).
  if (rows.some((p) => typeof p.hits === "number")) {
    columns.push({ key: "hits", head: "Hit %", num: true, text: hitShare });
  }
  if (rows.some((p) => p.error > 0)) {
    columns.push({ key: "error", head: "±", num: true, text: errorText });
  }
  renderRows(pathsTable, columns, rows);
  refold(pathsTable, paths.paths.length);
  setBadge($("edges-finality"), edges.finality.status);
  renderRows($("edges"), [
    { key: "edge_location", head: "Edge location", name: true },
    { key: "requests", head: "Requests", num: true },
  ], edges.edge_locations);
  refold($("edges"), edges.edge_locations.length);
  setBadge($("codes-finality"), codes.finality.status);
  renderRows($("codes"), [
    { key: "code", head: "Status", name: true },
    { key: "requests", head: "Requests", num: true },
  ], codes.status_codes);
  refold($("codes"), codes.status_codes.length);
}

/**
 * A path's hits as a share of its requests (the cell's value is the count of hits).
 * @param {number | undefined} hits @param {Record<string, any>} row
 */
const hitShare = (hits, row) =>
  hits === undefined || !(row.requests > 0) ? "–" : `${Math.round((hits / row.requests) * 100)}%`;

/** Folds a table of the static page again, replacing its previous button. @param {HTMLElement} table @param {number} rows */
function refold(table, rows) {
  const box = /** @type {HTMLElement} */ (table.parentElement);
  box.querySelector("button.more")?.remove();
  table.classList.remove("folded");
  foldable(box, table, rows);
}

// ---------------------------------------------------------------------------------------
// The cache browser
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------

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
  const [status] = await Promise.all([api("cloudfront/status"), loadCatalogue()]);
  setError("start");
  $("main").hidden = false;
  $("forget").hidden = false;
  showStatus(status);
  await Promise.all([choosePreset(preset), browse("")]);
}

/** The last status shown (the zone picker shows it again). @type {any} */
let lastStatus;

/** Says what data there is, and where presets end. @param {any} status */
function showStatus(status) {
  lastStatus = status;
  const d = status.data;
  if (d.first_window) {
    data = { first: Date.parse(d.first_window), end: Date.parse(d.last_window) + 30 * 60_000 };
  } else data = { first: Date.now() - DAY, end: Date.now() };
  $("status").textContent = d.first_window
    ? `data from ${dateTimeText(data.first)} to ${dateTimeText(data.end)} ${zone} ` +
      `(${countText(d.windows)} half-hour windows)` +
      (status.running ? `; ${status.running.step} running` : "")
    : "no data yet";
  $("anchor").textContent = `Presets end with the latest data: ${dateTimeText(data.end)} ${zone}.`;
}

function init() {
  $("login").addEventListener("submit", (e) => {
    e.preventDefault();
    const key = input("key");
    sessionStorage.setItem(KEY, key.value.trim());
    key.value = "";
    start().catch((e) => fail("start", e));
  });
  $("range").addEventListener("submit", (e) => {
    e.preventDefault();
    markPreset("custom");
    load();
  });
  for (const b of document.querySelectorAll("#presets button")) {
    b.addEventListener(
      "click",
      () => choosePreset(/** @type {HTMLElement} */ (b).dataset.preset ?? ""),
    );
  }
  $("metric").addEventListener("change", () => load());
  const zones = /** @type {HTMLSelectElement} */ ($("tz"));
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const choices = [...new Set(["UTC", own, zone].filter(Boolean))];
  zones.replaceChildren(...choices.map((name) => el("option", { value: name }, name)));
  zones.value = zone;
  zones.addEventListener("change", () => {
    setZone(zones.value);
    const url = new URL(location.href);
    url.searchParams.set("tz", zone);
    history.replaceState(null, "", url);
    // Before the first status (the key not yet given) there is nothing to redraw.
    if (lastStatus) {
      showStatus(lastStatus);
      choosePreset(preset);
    }
  });
  $("tenant").addEventListener("change", () => {
    tenant = /** @type {HTMLSelectElement} */ ($("tenant")).value;
    start().catch((e) => fail("start", e));
  });
  $("forget").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    login();
  });
  let frame = 0;
  globalThis.addEventListener("resize", () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => drawn && renderChart(drawn));
  });
  if (sessionStorage.getItem(KEY)) start().catch((e) => fail("start", e));
  else login();
}

document.addEventListener("DOMContentLoaded", init);
