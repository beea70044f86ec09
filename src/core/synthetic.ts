/**
 * Deterministic synthetic real-time log lines for demos, tests and benchmarks: heavy-tailed
 * (Zipf) paths, several edges, methods and status codes (including `000`), `-` values,
 * IPv4 and IPv6 clients, double-encoded agents and, optionally, malformed lines.
 * @module
 */
import { PRESETS, STANDARD_FIELDS } from "./fields.ts";

/** The field set generated lines use (the `all` preset, 46 fields, about 500 bytes a line). */
export const SYNTHETIC_FIELDS: readonly string[] = PRESETS.all;

/** A small fast seeded PRNG (mulberry32), so the same seed gives the same logs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EDGES = [
  "LHR62-C5",
  "FRA56-P7",
  "IAD89-C1",
  "SFO53-P2",
  "NRT57-C3",
  "GRU3-C1",
  "SYD62-P1",
  "CDG50-P2",
];
const STATUS: Array<[string, number]> = [
  ["200", 0.78],
  ["206", 0.03],
  ["304", 0.07],
  ["301", 0.02],
  ["403", 0.01],
  ["404", 0.05],
  ["500", 0.006],
  ["502", 0.008],
  ["503", 0.006],
  ["000", 0.01],
];
const METHODS: Array<[string, number]> = [["GET", 0.9], ["HEAD", 0.04], ["POST", 0.04], [
  "OPTIONS",
  0.015,
], ["PUT", 0.005]];
const AGENTS = [
  "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/120.0.0.0%20Safari/537.36",
  "Mozilla/5.0%20(Macintosh;%20Intel%20Mac%20OS%20X%2010_15_7)%20AppleWebKit/605.1.15%20(KHTML,%20like%20Gecko)%20Version/17.1%20Safari/605.1.15",
  "Mozilla/5.0%20(iPhone;%20CPU%20iPhone%20OS%2017_1%20like%20Mac%20OS%20X)%20AppleWebKit/605.1.15%20(KHTML,%20like%20Gecko)%20Version/17.1%20Mobile/15E148%20Safari/604.1",
  "Mozilla/5.0%20(X11;%20Linux%20x86_64;%20rv:120.0)%20Gecko/20100101%20Firefox/120.0",
  "curl/8.4.0",
  "Googlebot/2.1%20(+http://www.google.com/bot.html)",
  "Mozilla/5.0%2520(compatible;%2520bingbot/2.0)",
  "-",
];
const SECTIONS = ["blog", "docs", "assets", "api", "img", "shop", "news", "static"];
const EXT = ["html", "js", "css", "png", "json", "woff2", "jpg", ""];

function pick<T>(r: number, table: Array<[T, number]>): T {
  let acc = 0;
  for (const [v, p] of table) if ((acc += p) > r) return v;
  return table[table.length - 1][0];
}

/** A sampler of ranks 0..n-1 with Zipf(s) popularity (inverse CDF over a table). */
export function zipfSampler(n: number, s: number, rand: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / (i + 1) ** s;
  return () => {
    const x = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Options of {@link syntheticLineMaker}. */
export interface SyntheticOptions {
  seed?: number;
  /** Number of distinct paths; popularity is Zipf(s≈1.1) over them. */
  paths?: number;
  /** Fraction of lines written with a wrong column count. */
  malformedRate?: number;
}

/** A generator of log lines at given timestamps (epoch ms), in the {@link SYNTHETIC_FIELDS} order. */
export function syntheticLineMaker(options: SyntheticOptions = {}): (ms: number) => string {
  const rand = prng(options.seed ?? 1);
  const pathCount = options.paths ?? 20_000;
  const malformed = options.malformedRate ?? 0;
  const zipf = zipfSampler(pathCount, 1.1, rand);
  const pathName = (i: number) =>
    i === 0
      ? "/"
      : `/${SECTIONS[i % SECTIONS.length]}/item-${i}${
        EXT[i % EXT.length] ? "." + EXT[i % EXT.length] : "/"
      }`;
  let n = 0;
  return (ms: number) => {
    n++;
    const status = pick(rand(), STATUS);
    const method = pick(rand(), METHODS);
    const edge = EDGES[Math.floor(rand() * rand() * EDGES.length)];
    const hit = status === "200" || status === "304" ? rand() < 0.8 : false;
    const result = status === "000"
      ? "Error"
      : status[0] === "5"
      ? "Error"
      : hit
      ? (rand() < 0.1 ? "RefreshHit" : "Hit")
      : status[0] === "3" && status !== "304"
      ? "Redirect"
      : "Miss";
    const bytes = status === "000" ? 0 : Math.floor(200 + rand() ** 3 * 500_000);
    const tt = (0.001 + rand() ** 4 * 2.5).toFixed(3);
    const v6 = rand() < 0.3;
    const ip = v6
      ? `2001:db8:${(n % 65535).toString(16)}::${Math.floor(rand() * 65535).toString(16)}`
      : `198.51.${n % 256}.${Math.floor(rand() * 254) + 1}`;
    const agent = AGENTS[Math.floor(rand() * rand() * AGENTS.length)];
    const path = pathName(zipf());
    const query = rand() < 0.2 ? `utm_source=news&id=${n}` : "-";
    const referer = rand() < 0.5 ? "https://www.example.com/" : "-";
    const id = `${n.toString(36)}${Math.floor(rand() * 1e12).toString(36)}`.padEnd(56, "x");
    const cols = [
      (ms / 1000).toFixed(3),
      ip,
      "52.84.1.10",
      tt,
      status,
      String(bytes),
      method,
      "https",
      "www.example.com",
      query === "-" ? path : `${path}?${query}`,
      "512",
      edge,
      id,
      "d111111abcdef8.cloudfront.net",
      tt,
      "HTTP/2.0",
      v6 ? "IPv6" : "IPv4",
      agent,
      referer,
      "-",
      query,
      result,
      v6 ? ip : "-",
      "TLSv1.3",
      "TLS_AES_128_GCM_SHA256",
      result,
      "-",
      "-",
      "text/html",
      String(bytes),
      "-",
      "-",
      String(40000 + (n % 20000)),
      result,
      "GB",
      "gzip,br",
      "text/html",
      "*",
      "-",
      "-",
      "12",
      "E2EXAMPLE",
      "d111111abcdef8.cloudfront.net",
      "0.001",
      "0.010",
      "16509",
    ];
    if (malformed > 0 && rand() < malformed) cols.length = 30;
    return cols.join("\t");
  };
}

/** Standard-log columns that take a real-time column of another name (the two swap Host meanings). */
const STANDARD_FROM_REALTIME: Readonly<Record<string, string>> = {
  "cs(Host)": "x-host-header",
  "x-host-header": "cs-host",
  "cs(Referer)": "cs-referer",
  "cs(User-Agent)": "cs-user-agent",
};

/** The `#Version`/`#Fields:` header of a standard access log. */
export const STANDARD_HEADER = `#Version: 1.0\n#Fields: ${STANDARD_FIELDS.join(" ")}\n`;

/**
 * Rewrites a synthetic real-time line as a standard access log line (33 fields): date and
 * time columns, cs-uri-stem without the query, no cookie. Malformed lines stay malformed.
 */
export function toStandardLine(realtime: string): string {
  const c = realtime.split("\t");
  if (c.length !== SYNTHETIC_FIELDS.length) return c.slice(0, 20).join("\t");
  const at = (name: string) => c[SYNTHETIC_FIELDS.indexOf(name)] ?? "-";
  const when = new Date(Number(at("timestamp")) * 1000).toISOString();
  return STANDARD_FIELDS.map((f) => {
    if (f === "date") return when.slice(0, 10);
    if (f === "time") return when.slice(11, 19);
    if (f === "cs-uri-stem") return at("cs-uri-stem").split("?")[0];
    if (f === "cs(Cookie)") return "-";
    return at(STANDARD_FROM_REALTIME[f] ?? f);
  }).join("\t");
}
