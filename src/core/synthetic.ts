/**
 * Deterministic synthetic real-time log lines for demos, tests and benchmarks.
 *
 * The traffic is made to look like a real site's, so that every figure has something to
 * count: heavy-tailed (Zipf) paths that are HTML pages or assets with matching content
 * types; a few hundred real-looking user agents (desktop, mobile, tablet, TV, console,
 * wearable and embedded browsers; crawlers, AI bots, link previews, monitors, feed readers,
 * HTTP libraries; an empty agent; one double-encoded as before 2020); referers of every
 * channel (none, internal, search, social, AI assistants, webmail, other sites, addresses);
 * utm-tagged entries; weighted countries with their ASNs and nearby edges; http, https and
 * wss; HTTP/1.1, 2 and 3; TLS 1.2 and 1.3; IPv4 and IPv6 clients; result types consistent
 * with the status (an incomplete download is a 200 whose result type is `Error`); status
 * codes including `000`; and, optionally, malformed lines. The same seed gives the same
 * lines.
 * @module
 */
import { PRESETS, STANDARD_FIELDS } from "./fields.ts";

/** The field set generated lines use (the `all` preset, 46 fields, about 550 bytes a line). */
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

/** A weighted choice among `entries`, by one uniform number in [0, 1) (Walker's alias method). */
type Sampler<T> = (r: number) => T;

function sampler<T>(entries: ReadonlyArray<readonly [T, number]>): Sampler<T> {
  const n = entries.length;
  const values = entries.map((e) => e[0]);
  const total = entries.reduce((s, e) => s + e[1], 0);
  const scaled = entries.map((e) => (e[1] * n) / total);
  const prob = new Float64Array(n).fill(1);
  const alias = Int32Array.from({ length: n }, (_, i) => i);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large.pop()!;
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] += scaled[s] - 1;
    (scaled[l] < 1 ? small : large).push(l);
  }
  return (r) => {
    const u = r * n;
    const i = u | 0;
    return values[u - i < prob[i] ? i : alias[i]];
  };
}

/** Equal weights. */
const even = <T>(values: readonly T[]): Array<[T, number]> => values.map((v) => [v, 1]);

// ---------------------------------------------------------------------------------------
// User agents
// ---------------------------------------------------------------------------------------

/** What kind of client an agent is: decides its paths, referers, network and protocol. */
type AgentClass =
  | "human"
  | "crawler"
  | "ai"
  | "social"
  | "monitor"
  | "feed"
  | "library"
  | "empty";

interface AgentSpec {
  /** As logged: URL-encoded (spaces as `%20`). */
  readonly logged: string;
  readonly cls: AgentClass;
  /** For bots: where they crawl from (country and ASN), else undefined (the visitor's). */
  readonly net?: Network;
}

interface Network {
  readonly country: string;
  readonly asns: readonly string[];
}

/** How CloudFront logs an agent: URL-encoded, a space as `%20`. */
const logged = (ua: string) => ua.replaceAll(" ", "%20");

/** `count` versions counting down from `newest`. */
const down = (newest: number, count: number) => Array.from({ length: count }, (_, i) => newest - i);

/** A family of agents sharing `share` of the traffic, the first versions the most used. */
function family(
  share: number,
  agents: readonly string[],
  cls: AgentClass = "human",
  net?: Network,
  decay = 0.82,
): Array<[AgentSpec, number]> {
  let sum = 0;
  const w = agents.map((_, i) => (sum += decay ** i, decay ** i));
  return agents.map((ua, i) => [{ logged: logged(ua), cls, net }, (share * w[i]) / sum]);
}

/** Every combination of `a` and `b`, interleaved so that the first of each come first. */
function cross<A, B>(a: readonly A[], b: readonly B[], f: (a: A, b: B) => string): string[] {
  const out: string[] = [];
  for (let k = 0; k < a.length + b.length; k++) {
    for (let i = 0; i <= k; i++) if (i < a.length && k - i < b.length) out.push(f(a[i], b[k - i]));
  }
  return out;
}

const WIN = "Windows NT 10.0; Win64; x64";
const MAC = "Macintosh; Intel Mac OS X 10_15_7";
const WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)";
const SAFARI_WEBKIT = "AppleWebKit/605.1.15 (KHTML, like Gecko)";
/** Chromium's reduced agent: the major version, then `.0.0.0`. */
const chrome = (platform: string, v: number, tail = "") =>
  `Mozilla/5.0 (${platform}) ${WEBKIT} Chrome/${v}.0.0.0 Safari/537.36${tail}`;
const edgeBuild = (v: number) => `${v}.0.${2000 + (v - 110) * 57}.${(v * 37) % 97}`;
const firefox = (platform: string, v: number) =>
  `Mozilla/5.0 (${platform}; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`;
/** iOS versions (as in the OS token, as in Safari's Version token), the newest first. */
const IOS = [
  ["18_2", "18.2"],
  ["18_1_1", "18.1.1"],
  ["18_1", "18.1"],
  ["18_0_1", "18.0.1"],
  ["17_7", "17.7"],
  ["17_6_1", "17.6.1"],
  ["17_5_1", "17.5.1"],
  ["17_4_1", "17.4.1"],
  ["17_3_1", "17.3.1"],
  ["17_2_1", "17.2.1"],
  ["17_1_2", "17.1.2"],
  ["17_1", "17.1"],
  ["17_0_3", "17.0.3"],
  ["16_7_10", "16.7.10"],
  ["16_6_1", "16.6.1"],
  ["16_5", "16.5"],
  ["16_3_1", "16.3.1"],
  ["15_8_3", "15.8.3"],
  ["15_7", "15.7"],
  ["15_6_1", "15.6.1"],
];
const SAFARI_MAC = [
  "18.2",
  "18.1.1",
  "18.1",
  "18.0.1",
  "17.6",
  "17.5",
  "17.4.1",
  "17.3.1",
  "17.2.1",
  "17.1.2",
  "17.1",
  "17.0",
  "16.6",
  "16.5",
  "16.4",
  "16.3",
  "16.1",
  "15.6.1",
];
const PHONES = [
  "Android 10; K",
  "Android 14; Pixel 8",
  "Android 14; SM-S918B",
  "Android 13; SM-A536B",
  "Android 14; Pixel 7a",
  "Android 13; Redmi Note 12",
  "Android 12; moto g(60)",
  "Android 14; CPH2581",
  "Android 13; 2201116SG",
  "Android 11; SM-A125F",
  "Android 14; Pixel 6",
  "Android 13; M2101K6G",
];
const SAMSUNG_PHONES = ["SM-S911B", "SM-S918B", "SM-A546B", "SM-G991B", "SM-A135F", "SM-G998B"];
const SAMSUNG_BROWSER = [
  ["26.0", 122],
  ["25.0", 121],
  ["24.0", 117],
  ["23.0", 115],
  ["22.0", 111],
] as const;
const TABLETS = [
  "Android 13; SM-X710",
  "Android 14; SM-X910",
  "Android 13; SM-X200",
  "Android 12; SM-T870",
  "Android 11; Lenovo TB-X606F",
  "Android 13; 23043RP34G",
];

const GOOGLE: Network = { country: "US", asns: ["15169"] };
const MICROSOFT: Network = { country: "US", asns: ["8075"] };
const AWS: Network = { country: "US", asns: ["16509", "14618"] };
const CLOUDS: Network = { country: "US", asns: ["16509", "14618", "14061", "396982", "8075"] };
const HOSTING_EU: Network = { country: "DE", asns: ["24940", "16276", "51167"] };
const GOOGLEBOT_CHROME = ["131.0.6778.69", "130.0.6723.116", "129.0.6668.100", "128.0.6613.137"];

/** The agent catalog: the share of traffic of each agent, humans about 86%. */
const AGENT_TABLE: ReadonlyArray<[AgentSpec, number]> = (() => {
  const t: Array<[AgentSpec, number]> = [
    // --- Desktop browsers (~39%) ---
    ...family(12, down(131, 23).map((v) => chrome(WIN, v))),
    ...family(5.5, down(131, 22).map((v) => chrome(MAC, v))),
    ...family(1.4, down(131, 17).map((v) => chrome("X11; Linux x86_64", v))),
    ...family(
      0.5,
      cross(
        down(131, 6),
        ["15359.58.0", "14541.0.0"],
        (v, p) => chrome(`X11; CrOS x86_64 ${p}`, v),
      ),
    ),
    ...family(0.2, [
      chrome("Windows NT 6.1; Win64; x64", 109),
      chrome("Windows NT 6.3; Win64; x64", 109),
    ]),
    ...family(4.5, down(131, 17).map((v) => chrome(WIN, v, ` Edg/${edgeBuild(v)}`))),
    ...family(0.7, down(131, 9).map((v) => chrome(MAC, v, ` Edg/${edgeBuild(v)}`))),
    ...family(3, down(133, 19).map((v) => firefox(WIN, v))),
    ...family(1, down(133, 14).map((v) => firefox("Macintosh; Intel Mac OS X 10.15", v))),
    ...family(0.9, down(133, 14).map((v) => firefox("X11; Linux x86_64", v))),
    ...family(0.4, down(133, 8).map((v) => firefox("X11; Ubuntu; Linux x86_64", v))),
    ...family(0.15, [firefox("Windows NT 6.1; Win64; x64", 115)]),
    ...family(
      4,
      SAFARI_MAC.map((v) => `Mozilla/5.0 (${MAC}) ${SAFARI_WEBKIT} Version/${v} Safari/605.1.15`),
    ),
    ...family(
      0.8,
      cross(down(115, 12), [WIN, MAC], (o, p) => chrome(p, o + 15, ` OPR/${o}.0.0.0`)),
    ),
    ...family(
      0.3,
      down(10, 6).map((k) => chrome(WIN, 116 + k, ` YaBrowser/24.${k}.0.0 Yowser/2.5`)),
    ),
    // --- Phones (~40%) ---
    ...family(
      18,
      IOS.map(([os, v]) =>
        `Mozilla/5.0 (iPhone; CPU iPhone OS ${os} like Mac OS X) ${SAFARI_WEBKIT} Version/${v} Mobile/15E148 Safari/604.1`
      ),
    ),
    ...family(
      2,
      cross(
        down(131, 8),
        IOS.slice(0, 6),
        (v, [os]) =>
          `Mozilla/5.0 (iPhone; CPU iPhone OS ${os} like Mac OS X) ${SAFARI_WEBKIT} CriOS/${
            edgeBuild(v)
          } Mobile/15E148 Safari/604.1`,
      ),
    ),
    ...family(
      0.3,
      down(133, 5).map((v) =>
        `Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) ${SAFARI_WEBKIT} FxiOS/${v}.0 Mobile/15E148 Safari/605.1.15`
      ),
    ),
    ...family(
      0.2,
      down(131, 3).map((v) =>
        `Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) ${SAFARI_WEBKIT} Version/18.0 EdgiOS/${
          edgeBuild(v)
        } Mobile/15E148 Safari/605.1.15`
      ),
    ),
    ...family(
      14,
      cross(
        PHONES,
        down(131, 10),
        (p, v) => `Mozilla/5.0 (Linux; ${p}) ${WEBKIT} Chrome/${v}.0.0.0 Mobile Safari/537.36`,
      ),
      "human",
      undefined,
      0.97,
    ),
    ...family(
      4,
      cross(
        SAMSUNG_BROWSER,
        SAMSUNG_PHONES,
        ([s, c], m) =>
          `Mozilla/5.0 (Linux; Android 14; ${m}) ${WEBKIT} SamsungBrowser/${s} Chrome/${c}.0.0.0 Mobile Safari/537.36`,
      ),
      "human",
      undefined,
      0.93,
    ),
    ...family(
      0.4,
      down(133, 6).map((v) =>
        `Mozilla/5.0 (Android 14; Mobile; rv:${v}.0) Gecko/${v}.0 Firefox/${v}.0`
      ),
    ),
    ...family(
      0.5,
      ["SM-A536B Build/TP1A.220624.014", "Pixel 7 Build/UQ1A.240105.004"].map((m) =>
        `Mozilla/5.0 (Linux; Android 13; ${m}; wv) ${WEBKIT} Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36`
      ),
    ),
    // --- Tablets (~6%) ---
    ...family(
      3.5,
      IOS.slice(0, 12).map(([os, v]) =>
        `Mozilla/5.0 (iPad; CPU OS ${os} like Mac OS X) ${SAFARI_WEBKIT} Version/${v} Mobile/15E148 Safari/604.1`
      ),
    ),
    ...family(
      2,
      cross(
        TABLETS,
        down(131, 5),
        (p, v) => `Mozilla/5.0 (Linux; ${p}) ${WEBKIT} Chrome/${v}.0.0.0 Safari/537.36`,
      ),
      "human",
      undefined,
      0.95,
    ),
    ...family(
      0.4,
      ["KFTRWI", "KFMAWI", "KFRAWI"].map((m) =>
        `Mozilla/5.0 (Linux; Android 11; ${m}) ${WEBKIT} Silk/120.3.1 like Chrome/120.0.6099.230 Safari/537.36`
      ),
    ),
    // --- Smart TVs, consoles, wearables, embedded (~2%) ---
    ...family(
      1.2,
      [
        `Mozilla/5.0 (SMART-TV; LINUX; Tizen 7.0) ${WEBKIT} SamsungBrowser/5.0 Chrome/94.0.4606.31 TV Safari/537.36`,
        `Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.5) ${WEBKIT} SamsungBrowser/4.0 Chrome/85.0.4183.93 TV Safari/537.36`,
        `Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) ${WEBKIT} SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36`,
        `Mozilla/5.0 (Web0S; Linux/SmartTV) ${WEBKIT} Chrome/87.0.4280.88 Safari/537.36 WebAppManager`,
        `Mozilla/5.0 (Web0S; Linux/SmartTV) ${WEBKIT} Chrome/79.0.3945.79 Safari/537.36 WebAppManager`,
        `Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7633) ${WEBKIT} Chrome/120.0.6099.230 Mobile Safari/537.36`,
        `Mozilla/5.0 (Linux; Android 11; AFTKA Build/RS8133) ${WEBKIT} Chrome/120.0.6099.230 Mobile Safari/537.36`,
        `Mozilla/5.0 (X11; Linux armv7l) ${WEBKIT} Chrome/114.0.5735.133 Safari/537.36 CrKey/1.56.500000`,
        `Mozilla/5.0 (Linux; Android 12; BRAVIA 4K VH2 Build/STT1.221208.001) ${WEBKIT} Chrome/114.0.5735.196 Mobile Safari/537.36`,
        `Mozilla/5.0 (Linux; Android 11; SHIELD Android TV Build/RQ1A.210105.003) ${WEBKIT} Chrome/120.0.6099.230 Mobile Safari/537.36`,
        `Roku/DVP-13.0 (13.0.0.4160)`,
        `Roku/DVP-12.5 (12.5.0.4178)`,
        `Mozilla/5.0 (Apple TV; CPU OS 17_1 like Mac OS X) ${SAFARI_WEBKIT}`,
      ],
      "human",
      undefined,
      0.85,
    ),
    ...family(0.4, [
      `Mozilla/5.0 (PlayStation; PlayStation 5/8.40) ${SAFARI_WEBKIT} Version/13.0 Safari/605.1.15`,
      `Mozilla/5.0 (PlayStation; PlayStation 5/7.61) ${SAFARI_WEBKIT} Version/13.0 Safari/605.1.15`,
      `Mozilla/5.0 (PlayStation 4 11.00) AppleWebKit/601.2 (KHTML, like Gecko)`,
      `Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) ${WEBKIT} Chrome/120.0.0.0 Safari/537.36 Edge/44.18363.8131`,
      `Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox Series X) ${WEBKIT} Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91`,
      `Mozilla/5.0 (Nintendo Switch; WifiWebAuthApplet) AppleWebKit/609.4 (KHTML, like Gecko) NintendoBrowser/5.1.0.20393`,
    ]),
    ...family(0.25, [
      `Mozilla/5.0 (Linux; Android 11; SM-R890) ${WEBKIT} Chrome/120.0.0.0 Mobile Safari/537.36`,
      `Mozilla/5.0 (Linux; Android 13; SM-R910) ${WEBKIT} Chrome/124.0.0.0 Mobile Safari/537.36`,
      `atc/1.0 watchOS/10.1 model/Watch6,1 hwp/t8301 build/21S71 (6; dt:252)`,
      `Mozilla/5.0 (X11; Linux x86_64; Quest 3) ${WEBKIT} OculusBrowser/33.0.0.7.44.542222201 SamsungBrowser/4.0 Chrome/126.0.6478.122 VR Safari/537.36`,
      `Mozilla/5.0 (X11; Linux x86_64; Quest 2) ${WEBKIT} OculusBrowser/31.0.0.5.78.512244204 SamsungBrowser/4.0 Chrome/122.0.6261.119 VR Safari/537.36`,
    ]),
    ...family(0.2, [
      `Mozilla/5.0 (X11; GNU/Linux) ${WEBKIT} Chromium/79.0.3945.130 Chrome/79.0.3945.130 Safari/537.36 Tesla/2024.20.9-9a1b2c3d4e`,
      `Mozilla/5.0 (X11; GNU/Linux) ${WEBKIT} Chromium/79.0.3945.130 Chrome/79.0.3945.130 Safari/537.36 Tesla/2023.44.30.8-2e0b1bac5d8f`,
      `Mozilla/5.0 (Linux; Android 9; AEOBC Build/PS7652) ${WEBKIT} Chrome/118.0.5993.144 Safari/537.36`,
      `Mozilla/5.0 (Windows IoT 10.0; Android 6.0.1; WebView/3.0) ${WEBKIT} Chrome/61.0.3163.100 Mobile Safari/537.36 Edge/18.17763`,
    ]),
    // --- Search crawlers (~7%) ---
    ...family(
      2.3,
      [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        ...GOOGLEBOT_CHROME.map((c) =>
          `Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/${c} Safari/537.36`
        ),
        ...GOOGLEBOT_CHROME.map((c) =>
          `Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) ${WEBKIT} Chrome/${c} Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)`
        ),
        "Googlebot-Image/1.0",
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; AdsBot-Google-Mobile; +http://www.google.com/mobile/adsbot.html)",
      ],
      "crawler",
      GOOGLE,
      0.7,
    ),
    ...family(
      1.3,
      [
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        ...["131.0.2903.86", "116.0.1938.76", "100.0.4896.127"].map((c) =>
          `Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/${c} Safari/537.36`
        ),
      ],
      "crawler",
      MICROSOFT,
    ),
    ...family(
      0.5,
      [
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        "Mozilla/5.0 (compatible; YandexImages/3.0; +http://yandex.com/bots)",
      ],
      "crawler",
      { country: "RU", asns: ["13238"] },
    ),
    ...family(
      0.4,
      [
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "Mozilla/5.0 (compatible; Baiduspider-render/2.0; +http://www.baidu.com/search/spider.html)",
      ],
      "crawler",
      { country: "CN", asns: ["55967", "38365"] },
    ),
    ...family(
      0.3,
      [
        `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) ${SAFARI_WEBKIT} Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)`,
        "Mozilla/5.0 (compatible; Applebot/0.1; +http://www.apple.com/go/applebot)",
      ],
      "crawler",
      { country: "US", asns: ["714", "6185"] },
    ),
    ...family(
      0.1,
      ["DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)"],
      "crawler",
      MICROSOFT,
    ),
    ...family(
      0.6,
      [
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
        "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
        "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
      ],
      "crawler",
      HOSTING_EU,
    ),
    // --- AI crawlers and assistants (~3.2%) ---
    ...family(
      1,
      [
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; +https://openai.com/gptbot)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; OAI-SearchBot/1.0; +https://openai.com/searchbot",
      ],
      "ai",
      MICROSOFT,
      0.6,
    ),
    ...family(
      0.8,
      [
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Claude-User/1.0; +Claude-User@anthropic.com)",
      ],
      "ai",
      AWS,
      0.4,
    ),
    ...family(
      0.4,
      [
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Perplexity-User/1.0; +https://perplexity.ai/perplexity-user)",
      ],
      "ai",
      AWS,
      0.5,
    ),
    ...family(0.3, ["CCBot/2.0 (https://commoncrawl.org/faq/)"], "ai", AWS),
    ...family(
      0.4,
      [
        "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
      ],
      "ai",
      { country: "SG", asns: ["396986"] },
    ),
    ...family(
      0.3,
      [
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Amazonbot/0.1; +https://developer.amazon.com/support/amazonbot) Chrome/119.0.6045.214 Safari/537.36",
      ],
      "ai",
      AWS,
    ),
    ...family(
      0.2,
      [
        "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
      ],
      "ai",
      { country: "US", asns: ["32934"] },
    ),
    // --- Link previews (~1%) ---
    ...family(
      0.45,
      [
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "facebookexternalhit/1.1;line-poker/1.0",
      ],
      "social",
      { country: "US", asns: ["32934"] },
      0.3,
    ),
    ...family(0.2, ["Twitterbot/1.0"], "social", { country: "US", asns: ["13414"] }),
    ...family(
      0.15,
      [
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Slackbot 1.0 (+https://api.slack.com/robots)",
      ],
      "social",
      AWS,
    ),
    ...family(
      0.1,
      [
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
      ],
      "social",
      MICROSOFT,
    ),
    ...family(
      0.1,
      [
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "TelegramBot (like TwitterBot)",
      ],
      "social",
      { country: "US", asns: ["396982"] },
    ),
    // --- Monitoring (~1.6%) ---
    ...family(
      1,
      ["Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"],
      "monitor",
      {
        country: "US",
        asns: ["46475", "63949"],
      },
    ),
    ...family(
      0.45,
      [
        "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/61.0.3163.100 Safari/537.36 PingdomPageSpeed/1.0 (pingbot/2.0; +http://www.pingdom.com/)",
      ],
      "monitor",
      { country: "SE", asns: ["8100", "16509"] },
    ),
    ...family(0.15, ["Datadog/Synthetics"], "monitor", AWS),
    // --- Feed readers (~0.4%) ---
    ...family(
      0.35,
      [3, 12, 1, 57, 8, 140, 2, 25, 5, 310].map((n) =>
        `Feedly/1.0 (+http://www.feedly.com/fetcher.html; ${n} subscribers; like FeedFetcher-Google)`
      ),
      "feed",
      AWS,
    ),
    ...family(0.05, ["Feedbin feed-id:1345 - 7 subscribers"], "feed", HOSTING_EU),
    // --- HTTP libraries and tools (~2.4%) ---
    ...family(
      0.8,
      [
        "8.4.0",
        "8.5.0",
        "7.81.0",
        "7.68.0",
        "8.9.1",
        "8.7.1",
        "7.88.1",
        "8.1.2",
        "7.61.1",
        "8.10.1",
      ]
        .map((v) => `curl/${v}`),
      "library",
      CLOUDS,
      0.8,
    ),
    ...family(
      0.6,
      ["2.31.0", "2.32.3", "2.28.1", "2.25.1", "2.27.1", "2.22.0", "2.32.2", "2.26.0"].map((v) =>
        `python-requests/${v}`
      ),
      "library",
      CLOUDS,
    ),
    ...family(0.4, ["Go-http-client/1.1", "Go-http-client/2.0"], "library", CLOUDS, 0.5),
    ...family(
      0.3,
      ["4.12.0", "4.11.0", "4.9.3", "3.14.9", "4.10.0", "5.0.0-alpha.14"].map((v) => `okhttp/${v}`),
      "library",
      HOSTING_EU,
    ),
    ...family(
      0.3,
      [
        "Wget/1.21.4",
        "axios/1.7.7",
        "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
        "Python/3.12 aiohttp/3.9.5",
        "Python-urllib/3.11",
        "Java/17.0.9",
        "Apache-HttpClient/4.5.14 (Java/17.0.9)",
        "PostmanRuntime/7.42.0",
      ],
      "library",
      CLOUDS,
      0.85,
    ),
    // --- No agent at all ---
    [{ logged: "-", cls: "empty", net: CLOUDS }, 0.8],
  ];
  // The agents of the first generator, kept for the tests that look for them: Chrome 120 on
  // Windows (the privacy guard's exemption), a double-encoded bingbot (logs before 2020).
  t.push(
    [{ logged: logged(chrome(WIN, 120)), cls: "human" }, 1.5],
    [
      { logged: "Googlebot/2.1%20(+http://www.google.com/bot.html)", cls: "crawler", net: GOOGLE },
      0.2,
    ],
    [
      { logged: "Mozilla/5.0%2520(compatible;%2520bingbot/2.0)", cls: "crawler", net: MICROSOFT },
      0.2,
    ],
  );
  // One entry per string: the weights of repeats add up.
  const merged = new Map<string, [AgentSpec, number]>();
  for (const [spec, w] of t) {
    const had = merged.get(spec.logged);
    if (had) had[1] += w;
    else merged.set(spec.logged, [spec, w]);
  }
  return [...merged.values()];
})();

/** Every user agent the generator writes, as logged (URL-encoded; `-` for none). */
export const SYNTHETIC_AGENTS: readonly string[] = AGENT_TABLE.map(([a]) => a.logged);

// ---------------------------------------------------------------------------------------
// Where visitors are: countries, their ASNs and their edges
// ---------------------------------------------------------------------------------------

const EDGES_BY_REGION: Readonly<Record<string, readonly string[]>> = {
  use: ["IAD89-C1", "IAD55-P4", "JFK50-C1", "ATL56-C2", "ORD58-P2", "MIA3-C2"],
  usw: ["SFO53-P2", "LAX50-C1", "SEA19-C3", "DFW56-C1", "DEN52-C1", "PHX50-C1"],
  ca: ["YTO50-C1", "YUL62-C2", "YVR52-P1"],
  mx: ["QRO51-P1", "DFW56-C1"],
  sa: ["GRU3-C1", "GIG51-C1", "BOG50-C1", "SCL51-C1", "EZE50-C1"],
  euw: ["LHR62-C5", "LHR50-P3", "CDG50-P2", "AMS1-C1", "MAN51-C1", "DUB56-P1", "MAD53-C1"],
  euc: ["FRA56-P7", "FRA60-P4", "MUC50-C1", "WAW51-P1", "VIE50-C1", "ZRH55-C1", "MXP64-C2"],
  eun: ["ARN54-C1", "OSL50-C1", "HEL51-C1", "CPH50-C1"],
  me: ["DXB52-C1", "TLV50-C1", "IST50-C1", "JED50-C1"],
  af: ["JNB50-C1", "CPT50-C1", "LOS50-C1", "NBO50-C1"],
  in: ["BOM78-P3", "DEL54-C1", "MAA51-C1", "BLR50-C1"],
  ase: ["SIN2-C1", "KUL50-C1", "BKK50-C1", "CGK51-C1", "MNL50-C1", "HAN50-C1"],
  ea: ["NRT57-C3", "KIX56-C1", "ICN54-C1", "HKG62-C2", "TPE51-C1"],
  oc: ["SYD62-P1", "MEL50-C2", "AKL50-C1"],
};

/** A visitor's place: c-country as logged, its ASNs, its edges (the first the busiest). */
interface Place {
  readonly country: string;
  readonly asns: readonly string[];
  readonly edges: readonly string[];
}

/** [country, share of human traffic, region, ASNs (the first the biggest)]. */
const COUNTRIES: ReadonlyArray<readonly [string, number, string, readonly string[]]> = [
  ["US", 27, "use", ["7922", "7018", "701", "20115", "22773", "21928"]],
  ["GB", 7, "euw", ["2856", "5089", "5607", "5378"]],
  ["DE", 7, "euc", ["3320", "3209", "6805", "8881"]],
  ["IN", 6, "in", ["55836", "45609", "9829", "24560"]],
  ["FR", 5, "euw", ["3215", "12322", "15557", "5410"]],
  ["CA", 3.5, "ca", ["812", "577", "852", "5769"]],
  ["BR", 3.5, "sa", ["28573", "18881", "26599", "7738"]],
  ["JP", 3.5, "ea", ["2516", "4713", "17676", "2527"]],
  ["NL", 2.5, "euw", ["1136", "33915", "9143"]],
  ["ES", 2.5, "euw", ["3352", "12479", "12430"]],
  ["IT", 2.5, "euc", ["3269", "1267", "30722"]],
  ["AU", 2.5, "oc", ["1221", "4804", "7545"]],
  ["PL", 1.8, "euc", ["5617", "12741", "6830"]],
  ["CN", 1.5, "ea", ["4134", "4837", "9808"]],
  ["KR", 1.5, "ea", ["4766", "9318", "3786"]],
  ["MX", 1.5, "mx", ["8151", "28548", "13999"]],
  ["RU", 1.5, "euc", ["12389", "8402", "25513"]],
  ["SE", 1.2, "eun", ["3301", "1257", "2119"]],
  ["TR", 1.2, "me", ["9121", "34984", "16135"]],
  ["ID", 1.2, "ase", ["7713", "23693", "17974"]],
  ["CH", 1, "euc", ["3303", "6730"]],
  ["BE", 1, "euw", ["5432", "6848"]],
  ["SG", 0.9, "ase", ["9506", "4773", "55430"]],
  ["AR", 0.8, "sa", ["7303", "22927"]],
  ["AT", 0.8, "euc", ["8447", "25255"]],
  ["IE", 0.8, "euw", ["5466", "6830"]],
  ["UA", 0.8, "euc", ["15895", "3255"]],
  ["VN", 0.8, "ase", ["7552", "45899"]],
  ["PH", 0.8, "ase", ["9299", "132199"]],
  ["PT", 0.7, "euw", ["3243", "12353"]],
  ["TW", 0.7, "ea", ["3462", "9924"]],
  ["TH", 0.7, "ase", ["7470", "131445"]],
  ["DK", 0.6, "eun", ["3292", "9158"]],
  ["NO", 0.6, "eun", ["2119", "29695"]],
  ["CZ", 0.6, "euc", ["5610", "16019"]],
  ["RO", 0.6, "euc", ["8708", "12302"]],
  ["IL", 0.6, "me", ["1680", "8551"]],
  ["AE", 0.6, "me", ["5384", "15802"]],
  ["HK", 0.6, "ea", ["4760", "9269"]],
  ["ZA", 0.6, "af", ["37457", "3741"]],
  ["NG", 0.6, "af", ["29465", "37148"]],
  ["CO", 0.6, "sa", ["10620", "13489"]],
  ["FI", 0.5, "eun", ["1759", "719"]],
  ["MY", 0.5, "ase", ["4788", "9534"]],
  ["EG", 0.5, "me", ["8452", "24863"]],
  ["CL", 0.5, "sa", ["7418", "27651"]],
  ["NZ", 0.5, "oc", ["4771", "9500"]],
  ["PK", 0.5, "in", ["17557", "45595"]],
  ["SA", 0.5, "me", ["25019", "35819"]],
  ["BD", 0.4, "in", ["24389", "58717"]],
  ["KE", 0.3, "af", ["33771", "36866"]],
  ["-", 0.8, "use", ["-"]],
];

const pickHumanPlace: Sampler<Place> = sampler(
  COUNTRIES.flatMap(([country, share, region, asns]) =>
    // The US has two coasts; each place is one region's edges.
    (country === "US" ? [["use", 0.6], ["usw", 0.4]] as const : [[region, 1]] as const).map((
      [r, part],
    ): [Place, number] => [{ country, asns, edges: EDGES_BY_REGION[r] }, share * part])
  ),
);

/** Bots' places: their operators' countries and ASNs, edges near them. */
function botPlace(net: Network): Place {
  const region = net.country === "US"
    ? "use"
    : COUNTRIES.find(([c]) => c === net.country)?.[2] ?? "euc";
  return { country: net.country, asns: net.asns, edges: EDGES_BY_REGION[region] };
}

// ---------------------------------------------------------------------------------------
// Paths: pages and assets
// ---------------------------------------------------------------------------------------

/** What a path is. */
const enum Kind {
  Page,
  Asset,
  Api,
  Feed,
  Socket,
  Media,
}

interface PathSpec {
  /** The stem as logged (URL-encoded). */
  readonly stem: string;
  readonly kind: Kind;
  /** The content type as logged (URL-encoded), `-` for none. */
  readonly type: string;
  /** Body sizes: the smallest and the range (heavy-tailed). */
  readonly min: number;
  readonly span: number;
  /** cs-accept as browsers send for it, and the cache behavior's path pattern. */
  readonly accept: string;
  readonly behavior: string;
}

const ACCEPT_HTML = "text/html";
const ACCEPT_IMAGE = "image/webp,*/*";
const ACCEPT_ANY = "*/*";

/** Content type, sizes, accept and behavior by extension ("" for a page without one). */
const TYPES: Readonly<Record<string, Omit<PathSpec, "stem" | "kind"> & { kind?: Kind }>> = {
  html: { type: "text/html", min: 2_000, span: 90_000, accept: ACCEPT_HTML, behavior: "*" },
  js: {
    type: "application/javascript",
    min: 3_000,
    span: 400_000,
    accept: ACCEPT_ANY,
    behavior: "/assets/*",
  },
  css: {
    type: "text/css",
    min: 1_500,
    span: 120_000,
    accept: "text/css",
    behavior: "/assets/*",
  },
  png: { type: "image/png", min: 500, span: 600_000, accept: ACCEPT_IMAGE, behavior: "*" },
  jpg: { type: "image/jpeg", min: 4_000, span: 900_000, accept: ACCEPT_IMAGE, behavior: "*" },
  webp: { type: "image/webp", min: 2_000, span: 400_000, accept: ACCEPT_IMAGE, behavior: "*" },
  avif: { type: "image/avif", min: 2_000, span: 300_000, accept: ACCEPT_IMAGE, behavior: "*" },
  svg: { type: "image/svg+xml", min: 300, span: 40_000, accept: ACCEPT_IMAGE, behavior: "*" },
  gif: { type: "image/gif", min: 200, span: 300_000, accept: ACCEPT_IMAGE, behavior: "*" },
  ico: { type: "image/x-icon", min: 1_000, span: 15_000, accept: ACCEPT_IMAGE, behavior: "*" },
  woff2: {
    type: "font/woff2",
    min: 15_000,
    span: 60_000,
    accept: ACCEPT_ANY,
    behavior: "/assets/*",
  },
  json: {
    type: "application/json",
    min: 80,
    span: 30_000,
    accept: "application/json",
    behavior: "/api/*",
    kind: Kind.Api,
  },
  txt: { type: "text/plain", min: 60, span: 2_000, accept: ACCEPT_ANY, behavior: "*" },
  xml: { type: "application/xml", min: 1_000, span: 80_000, accept: ACCEPT_ANY, behavior: "*" },
  rss: {
    type: "application/rss+xml",
    min: 5_000,
    span: 60_000,
    accept: "application/rss+xml",
    behavior: "*",
    kind: Kind.Feed,
  },
  pdf: { type: "application/pdf", min: 40_000, span: 3_000_000, accept: ACCEPT_ANY, behavior: "*" },
  mp4: {
    type: "video/mp4",
    min: 500_000,
    span: 30_000_000,
    accept: ACCEPT_ANY,
    behavior: "/media/*",
    kind: Kind.Media,
  },
  ws: { type: "-", min: 1_000, span: 200_000, accept: "-", behavior: "/ws/*", kind: Kind.Socket },
};

/** The most popular paths, in rank order (rank 0 is `/`, as before). */
const TOP_PATHS: ReadonlyArray<readonly [string, string]> = [
  ["/", "html"],
  ["/favicon.ico", "ico"],
  ["/assets/app.js", "js"],
  ["/assets/style.css", "css"],
  ["/about", "html"],
  ["/img/logo.svg", "svg"],
  ["/robots.txt", "txt"],
  ["/pricing", "html"],
  ["/blog/", "html"],
  ["/assets/vendor.js", "js"],
  ["/fonts/inter-var.woff2", "woff2"],
  ["/docs/", "html"],
  ["/api/v1/status", "json"],
  ["/feed.xml", "rss"],
  ["/sitemap.xml", "xml"],
  ["/contact.html", "html"],
  ["/img/hero.webp", "webp"],
  ["/ws/live", "ws"],
  ["/search", "html"],
  ["/apple-touch-icon.png", "png"],
];

/** The other paths: a pattern per rank (`$` is the rank), by weight. */
const PATH_PATTERNS: ReadonlyArray<readonly [string, string, number]> = [
  ["/blog/item-$", "html", 12],
  ["/docs/item-$/", "html", 8],
  ["/news/item-$.html", "html", 8],
  ["/shop/item-$", "html", 6],
  ["/docs/v2/item-$.html", "html", 4],
  ["/help/item-$.htm", "html", 3],
  ["/blog/caf%C3%A9-item-$", "html", 1],
  ["/assets/item-$.js", "js", 8],
  ["/assets/item-$.css", "css", 5],
  ["/img/item-$.png", "png", 8],
  ["/img/item-$.jpg", "jpg", 8],
  ["/img/item-$.webp", "webp", 4],
  ["/img/item-$.avif", "avif", 1],
  ["/img/item-$.svg", "svg", 3],
  ["/img/item-$.gif", "gif", 1],
  ["/static/item-$.woff2", "woff2", 3],
  ["/api/item-$.json", "json", 5],
  ["/api/v1/items/$", "json", 6],
  ["/files/item-$.pdf", "pdf", 2],
  ["/media/item-$.mp4", "mp4", 1],
];
const PATTERN_SLOTS: ReadonlyArray<readonly [string, string]> = PATH_PATTERNS.flatMap((
  [p, ext, w],
) => Array.from({ length: w }, () => [p, ext] as const));

/** A rank's path: the same for every seed. */
function pathSpec(rank: number): PathSpec {
  let stem: string;
  let ext: string;
  if (rank < TOP_PATHS.length) [stem, ext] = TOP_PATHS[rank];
  else {
    const h = Math.imul(rank, 0x9e3779b1) >>> 0;
    const [pattern, e] = PATTERN_SLOTS[h % PATTERN_SLOTS.length];
    stem = pattern.replace("$", String(rank));
    ext = e;
  }
  const t = TYPES[ext];
  let type = t.type;
  const h2 = Math.imul(rank + 7, 0x85ebca6b) >>> 0;
  // Origins vary: a charset on a share of pages and JSON, some XHTML, older JS types.
  if (ext === "html") {
    type = h2 % 5 < 2
      ? "text/html;%20charset=utf-8"
      : stem.startsWith("/docs/v2/") && h2 % 2 === 0
      ? "application/xhtml+xml"
      : type;
  } else if (ext === "json" && h2 % 3 === 0) type = "application/json;%20charset=utf-8";
  else if (ext === "js" && h2 % 5 === 0) type = "text/javascript";
  const kind = t.kind ?? (ext === "html" ? Kind.Page : Kind.Asset);
  return { stem, kind, type, min: t.min, span: t.span, accept: t.accept, behavior: t.behavior };
}

// ---------------------------------------------------------------------------------------
// Referers and campaigns
// ---------------------------------------------------------------------------------------

const HOST = "www.example.com";

const SEARCH: Sampler<string> = sampler([
  ["https://www.google.com/", 10],
  ["https://www.google.co.uk/", 1.5],
  ["https://www.google.de/", 1.5],
  ["https://www.google.fr/", 1],
  ["https://www.google.co.in/", 1],
  ["https://www.google.com.br/", 0.7],
  ["https://www.google.co.jp/", 0.7],
  ["android-app://com.google.android.googlequicksearchbox/", 0.3],
  ["https://www.bing.com/", 1.5],
  ["https://www.bing.com/search?q=cloudfront+real-time+logs", 0.4],
  ["https://www.bing.com/search?q=privacy+friendly+analytics&form=QBLH", 0.3],
  ["https://duckduckgo.com/", 1],
  ["https://html.duckduckgo.com/", 0.1],
  ["https://search.yahoo.com/", 0.4],
  ["https://yandex.ru/", 0.4],
  ["https://www.baidu.com/link?url=a1b2c3", 0.2],
  ["https://www.ecosia.org/", 0.3],
  ["https://search.brave.com/", 0.3],
]);
const SOCIAL: Sampler<string> = sampler([
  ...even(
    ["3xKq9ZpQ1w", "Ab12Cd34Ef", "k9LmN0pQrS", "Zz8Yy7Xx6W", "T0uV1wX2yZ", "q1W2e3R4t5"].map((id) =>
      `https://t.co/${id}`
    ),
  ),
  ["https://t.co/", 1],
  ["https://www.facebook.com/", 2],
  ["https://l.facebook.com/", 1.5],
  ["https://m.facebook.com/", 1],
  ["https://www.linkedin.com/", 1.5],
  ["https://lnkd.in/", 0.5],
  ["https://www.reddit.com/", 1],
  ["https://www.reddit.com/r/webdev/comments/1b2c3d4/cdn_logs_without_cookies/", 0.7],
  ["https://old.reddit.com/", 0.3],
  ["https://news.ycombinator.com/", 1],
  ["https://www.youtube.com/", 0.6],
  ["https://l.instagram.com/", 0.5],
  ["https://bsky.app/", 0.3],
  ["https://mastodon.social/", 0.3],
]);
const AI: Sampler<string> = sampler([
  ["https://chatgpt.com/", 5],
  ["https://chat.openai.com/", 1],
  ["https://www.perplexity.ai/", 2],
  ["https://perplexity.ai/", 0.5],
  ["https://gemini.google.com/", 1],
  ["https://copilot.microsoft.com/", 0.7],
  ["https://claude.ai/", 0.8],
  ["https://chat.deepseek.com/", 0.3],
]);
const EMAIL: Sampler<string> = sampler([
  ["https://mail.google.com/", 5],
  ["https://outlook.live.com/", 2],
  ["https://outlook.office.com/", 1.5],
  ["https://mail.yahoo.com/", 0.8],
  ["https://mail.proton.me/", 0.4],
]);
const OTHER_SITES: Sampler<string> = sampler([
  ["https://dev.to/someone/cloudfront-logs-the-cheap-way-3k2j", 2],
  ["https://medium.com/@writer/edge-analytics-without-cookies-9f8e7d", 1.5],
  ["https://stackoverflow.com/questions/61234567/parse-cloudfront-real-time-logs", 1.5],
  ["https://github.com/example/awesome-analytics", 1.5],
  ["https://blog.example.org/2024/02/cdn-logs", 1],
  ["https://www.producthunt.com/posts/cloudfront-lets", 0.7],
  ["https://en.wikipedia.org/wiki/Content_delivery_network", 0.6],
  ...Array.from({ length: 24 }, (_, k): [string, number] => [
    `https://blog-${k + 1}.example.net/posts/${100 + k}`,
    0.15,
  ]),
  // Sites of the same name that are not this host, and this host over http.
  ["https://example.com/", 0.4],
  ["https://docs.example.com/guide", 0.3],
  ["http://www.example.com/", 0.2],
]);
/** Referers whose host is an address: the privacy guard must redact them. */
const ADDRESS_REFERERS: Sampler<string> = sampler(even([
  "http://203.0.113.9/x",
  "http://198.51.100.23:8080/login",
  "https://192.0.2.44/",
  "http://203.0.113.77/wiki/Start",
  "http://[2001:db8::5]/page",
]));

/** A page's referer when it carries no campaign. */
const enum Channel {
  None,
  Internal,
  Search,
  Social,
  Ai,
  Email,
  Other,
  Address,
}
const PAGE_CHANNEL: Sampler<Channel> = sampler([
  [Channel.None, 33],
  [Channel.Internal, 31],
  [Channel.Search, 19],
  [Channel.Social, 6],
  [Channel.Ai, 2],
  [Channel.Email, 1.5],
  [Channel.Other, 6.5],
  [Channel.Address, 0.6],
]);

/** A utm-tagged link: its query (`#` is replaced by a click id) and the referers it comes with. */
interface Campaign {
  readonly query: string;
  readonly referer: Sampler<string>;
}
const NO_REFERER: Sampler<string> = () => "-";
const CAMPAIGNS: Sampler<Campaign> = sampler<Campaign>([
  ...["spring-sale", "weekly-digest", "product-update", "onboarding-3"].map((
    c,
  ): [Campaign, number] => [{
    query: `utm_source=newsletter&utm_medium=email&utm_campaign=${c}`,
    referer: sampler([["-", 7], ["https://mail.google.com/", 2], ["https://outlook.live.com/", 1]]),
  }, 4]),
  [{
    query: "utm_source=Newsletter&utm_medium=Email&utm_campaign=spring%20sale",
    referer: NO_REFERER,
  }, 1],
  [{
    query: "utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=Cj0KCQiA#",
    referer: sampler([["https://www.google.com/", 9], ["-", 1]]),
  }, 12],
  [{
    query: "utm_source=bing&utm_medium=cpc&utm_campaign=generic&msclkid=#",
    referer: sampler([["https://www.bing.com/", 9], ["-", 1]]),
  }, 3],
  [{
    query: "utm_source=twitter&utm_medium=social&utm_campaign=launch",
    referer: sampler([["https://t.co/Ab12Cd34Ef", 8], ["-", 2]]),
  }, 5],
  [{
    query: "utm_source=facebook&utm_medium=social&utm_campaign=launch&fbclid=IwAR#",
    referer: sampler([["https://l.facebook.com/", 6], ["https://m.facebook.com/", 3], ["-", 1]]),
  }, 5],
  [{
    query: "utm_source=linkedin&utm_medium=paid_social&utm_campaign=b2b-q1",
    referer: sampler([["https://www.linkedin.com/", 8], ["-", 2]]),
  }, 3],
  [{
    query: "utm_source=substack&utm_medium=newsletter&utm_campaign=issue-42",
    referer: sampler([["-", 6], ["https://substack.com/", 4]]),
  }, 3],
  [{
    query: "utm_source=partner&utm_medium=referral&utm_campaign=affiliate-2024",
    referer: sampler([["https://blog.partner.example.net/review", 8], ["-", 2]]),
  }, 2],
  [{
    query: "utm_source=doubleclick&utm_medium=display&utm_campaign=retargeting",
    referer: sampler([["-", 5], ["https://www.nytimes.com/", 3], [
      "https://www.theguardian.com/",
      2,
    ]]),
  }, 2],
  [
    { query: "utm_source=chatgpt.com", referer: sampler([["https://chatgpt.com/", 7], ["-", 3]]) },
    3,
  ],
]);
/** Other page queries (`#` is replaced by the line number). */
const PAGE_QUERIES: Sampler<string> = sampler([
  ["page=2", 3],
  ["page=3", 1],
  ["q=cloudfront+logs", 2],
  ["q=caf%C3%A9", 0.5],
  ["ref=producthunt", 1],
  ["id=#", 2],
  ["gclid=EAIaIQobChMI#", 1],
  ["fbclid=IwZXh0bgNhZW0#", 1],
  ["utm_source=news&id=#", 2],
]);

// ---------------------------------------------------------------------------------------
// Status, result types, protocols
// ---------------------------------------------------------------------------------------

const STATUS: Sampler<string> = sampler([
  ["200", 0.8],
  ["206", 0.01],
  ["304", 0.07],
  ["301", 0.015],
  ["302", 0.005],
  ["400", 0.002],
  ["403", 0.01],
  ["404", 0.05],
  ["429", 0.002],
  ["500", 0.006],
  ["502", 0.008],
  ["503", 0.006],
  ["504", 0.003],
  ["000", 0.01],
]);
/** An error status's [result type, detailed result type]. */
const ERRORS: Readonly<Record<string, Sampler<readonly [string, string]>>> = {
  "000": sampler([[["Error", "ClientHungUpRequest"], 7], [["Error", "ClientCommError"], 3]]),
  "400": sampler([[["Error", "InvalidRequest"], 1]]),
  "403": sampler([
    [["Error", "Error"], 5],
    [["Error", "InvalidRequestBlocked"], 3],
    [["Error", "ClientGeoBlocked"], 2],
  ]),
  "404": sampler([[["Error", "Error"], 1]]),
  "429": sampler([[["Error", "InvalidRequestBlocked"], 1]]),
  "500": sampler([
    [["Error", "OriginError"], 8],
    [["Error", "FunctionExecutionError"], 1],
    [["LambdaGeneratedResponse", "LambdaGeneratedResponse"], 1],
  ]),
  "502": sampler([
    [["Error", "OriginConnectError"], 5],
    [["Error", "OriginCommError"], 3],
    [["Error", "OriginDnsError"], 2],
  ]),
  "503": sampler([
    [["Error", "OriginError"], 5],
    [["LimitExceeded", "LimitExceeded"], 3],
    [["CapacityExceeded", "CapacityExceeded"], 2],
  ]),
  "504": sampler([[["Error", "OriginReadTimeout"], 7], [["Error", "OriginCommError"], 3]]),
};
const HTTP_VERSION: Sampler<string> = sampler([
  ["HTTP/2.0", 60],
  ["HTTP/1.1", 22],
  ["HTTP/3.0", 18],
]);
const BOT_HTTP_VERSION: Sampler<string> = sampler([
  ["HTTP/1.1", 70],
  ["HTTP/2.0", 28],
  ["HTTP/1.0", 2],
]);
const TLS13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];
const TLS12 = [
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES256-GCM-SHA384",
];
const API_METHOD: Sampler<string> = sampler([
  ["GET", 70],
  ["POST", 20],
  ["OPTIONS", 7],
  ["PUT", 2],
  ["DELETE", 1],
]);
const ACCEPT_ENCODING: Sampler<string> = sampler([
  ["gzip,%20deflate,%20br", 45],
  ["gzip,%20deflate,%20br,%20zstd", 25],
  ["gzip,br", 20],
  ["gzip", 10],
]);

/** Base64url digits. */
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** 4096 chunks of 9 characters, the first two naming the chunk's index: distinct, and cheap. */
const ID_CHUNKS: readonly string[] = (() => {
  const r = prng(0x1d);
  return Array.from({ length: 4096 }, (_, i) => {
    let c = B64[i >>> 6] + B64[i & 63];
    for (let k = 0; k < 7; k++) c += B64[Math.floor(r() * 64)];
    return c;
  });
})();
/**
 * An x-edge-request-id: 56 characters of base64 as CloudFront's, unique per line number
 * (its first three chunks encode `n`), random after that.
 */
function requestId(n: number, rand: () => number): string {
  const a = (rand() * 4294967296) >>> 0;
  return `${ID_CHUNKS[n & 4095]}${ID_CHUNKS[(n >>> 12) & 4095]}${ID_CHUNKS[n >>> 24]}${
    ID_CHUNKS[a & 4095]
  }${ID_CHUNKS[(a >>> 12) & 4095]}${ID_CHUNKS[a >>> 24]}==`;
}

/** Seconds with three decimals for 0..N ms: the times are drawn in whole milliseconds. */
const SECONDS: readonly string[] = Array.from({ length: 4000 }, (_, ms) => (ms / 1000).toFixed(3));
const MILLIS: readonly string[] = Array.from(
  { length: 1000 },
  (_, ms) => String(ms).padStart(3, "0"),
);

// ---------------------------------------------------------------------------------------
// The lines
// ---------------------------------------------------------------------------------------

/** Options of {@link syntheticLineMaker}. */
export interface SyntheticOptions {
  seed?: number;
  /** Number of distinct paths; popularity is Zipf(s≈1.1) over them. */
  paths?: number;
  /** Fraction of lines written with a wrong column count. */
  malformedRate?: number;
}

const pickAgent: Sampler<AgentSpec> = sampler(AGENT_TABLE);
const BOT_PLACES = new Map<Network, Place>();
for (const [a] of AGENT_TABLE) {
  if (a.net && !BOT_PLACES.has(a.net)) BOT_PLACES.set(a.net, botPlace(a.net));
}

/** A generator of log lines at given timestamps (epoch ms), in the {@link SYNTHETIC_FIELDS} order. */
export function syntheticLineMaker(options: SyntheticOptions = {}): (ms: number) => string {
  const rand = prng(options.seed ?? 1);
  const pathCount = Math.max(1, Math.floor(options.paths ?? 20_000));
  const malformed = options.malformedRate ?? 0;
  const zipf = zipfSampler(pathCount, 1.1, rand);
  const specs: PathSpec[] = Array.from({ length: pathCount }, (_, i) => pathSpec(i));
  // Bots and referers mostly name pages: their own Zipf over the page ranks.
  const pageRanks = specs.flatMap((s, i) => (s.kind === Kind.Page ? [i] : []));
  const pageZipf = zipfSampler(pageRanks.length, 1.1, rand);
  const page = () => specs[pageRanks[pageZipf()]];
  const rankOf = (stem: string) => specs.findIndex((s) => s.stem === stem);
  const special = (stem: string) => specs[rankOf(stem)] ?? specs[0];
  const feed = special("/feed.xml");
  const status = special("/api/v1/status");
  const robots = special("/robots.txt");
  const refererOf = (s: PathSpec) => `https://${HOST}${s.stem}`;
  // One array reused for every line, joined by tabs: the fastest way to a flat line. Each
  // slot is one field, but neighbours that are the same on every line share a slot.
  const cols: Array<string | number> = new Array(43).fill("-");
  cols[2] = "52.84.1.10"; // s-ip
  cols[8] = HOST; // cs-host
  cols[13] = "d111111abcdef8.cloudfront.net"; // x-host-header
  cols[19] = "-"; // cs-cookie
  cols[26] = "-\t-"; // fle-encrypted-fields, fle-status
  cols[37] = "-\t-"; // cs-headers, cs-header-names
  cols[39] = "E2EXAMPLE\td111111abcdef8.cloudfront.net"; // primary-distribution-id, -dns-name
  let n = 0;
  return (ms: number) => {
    n++;
    const agent = pickAgent(rand());
    const human = agent.cls === "human";
    const place = agent.net ? BOT_PLACES.get(agent.net)! : pickHumanPlace(rand());
    // The first edges and ASNs of a place are the busiest.
    const re = rand();
    const edge = place.edges[Math.floor(re * re * place.edges.length)];
    const ra = rand();
    const asn = place.asns[Math.floor(ra * ra * place.asns.length)];

    // What was asked for.
    let spec: PathSpec;
    const cls = agent.cls;
    if (human || cls === "empty" || cls === "library") spec = specs[zipf()];
    else if (cls === "monitor") spec = rand() < 0.7 ? specs[0] : status;
    else if (cls === "feed") spec = feed;
    else if (cls === "social") spec = page();
    else {
      const r = rand();
      spec = r < 0.03 ? robots : r < 0.8 ? page() : specs[zipf()];
    }
    const kind = spec.kind;

    // Protocol: mostly https; http is mostly redirected; sockets are wss.
    const socket = kind === Kind.Socket;
    const r0 = rand();
    const protocol = socket ? "wss" : r0 < 0.05 ? "http" : "https";
    const tls = protocol !== "http";
    // Plain http and sockets are HTTP/1.1 (CloudFront speaks HTTP/2 and 3 over TLS only).
    const version = socket || !tls
      ? "HTTP/1.1"
      : human
      ? HTTP_VERSION(rand())
      : BOT_HTTP_VERSION(rand());
    const tls13 = version === "HTTP/3.0" || rand() < 0.85;

    // The method and the status.
    let method = "GET";
    if (kind === Kind.Api) method = API_METHOD(rand());
    else if (cls === "monitor" || cls === "crawler") method = rand() < 0.12 ? "HEAD" : "GET";
    else if (rand() < 0.02) method = "HEAD";
    let code: string;
    if (socket) code = rand() < 0.9 ? "101" : STATUS(rand());
    else if (protocol === "http" && r0 < 0.035) code = "301";
    else {
      code = STATUS(rand());
      if (code === "206" && kind !== Kind.Media) code = "200";
      else if (code === "200" && kind === Kind.Media && rand() < 0.7) code = "206";
      else if (code === "304" && method !== "GET") code = "200";
      if (method === "OPTIONS" && code[0] === "2") code = "204";
    }

    // How the edge served it.
    let result: string;
    let detailed: string;
    let response: string;
    const c0 = code.charCodeAt(0);
    if (c0 === 50 /* 2 */ || code === "304") {
      const hit = kind !== Kind.Api && kind !== Kind.Socket && method !== "POST" &&
        code !== "204" && rand() < 0.8;
      result = hit ? (rand() < 0.1 ? "RefreshHit" : "Hit") : "Miss";
      detailed = !hit && rand() < 0.08 ? "OriginShieldHit" : result;
      response = result;
      if (code === "200" && rand() < 0.012) {
        // The viewer went away before the last byte: logged 200, result type Error.
        result = "Error";
        detailed = "ClientCommError";
      }
    } else if (c0 === 49 /* 1 */) result = detailed = response = "Miss";
    else if (c0 === 51 /* 3 */) result = detailed = response = "Redirect";
    else {
      [result, detailed] = ERRORS[code](rand());
      response = result;
    }

    // Sizes and times.
    const rb = rand();
    const body = spec.min + Math.floor(rb * rb * rb * spec.span);
    const head = 250 + ((n * 7919) % 450);
    let bytes: number;
    let contentLen: string;
    let rangeStart = "-";
    let rangeEnd = "-";
    let type = spec.type;
    if (code === "000") {
      bytes = 0;
      contentLen = "-";
      type = "-";
    } else if (code === "304" || code === "204" || code === "101" || c0 === 51) {
      bytes = code === "101" ? body : head;
      contentLen = "-";
      // A 304 mostly names no type; a redirect has a small HTML body.
      type = code === "304" ? (rand() < 0.3 ? type : "-") : c0 === 51 ? "text/html" : "-";
    } else if (c0 === 52 || c0 === 53) {
      const errorPage = 300 + Math.floor(rand() * 2000);
      bytes = head + errorPage;
      contentLen = String(errorPage);
      type = kind === Kind.Api ? "application/json" : "text/html";
    } else if (code === "206") {
      const start = Math.floor(rand() * body) & ~0xfff;
      const len = Math.min(body - start, 1_048_576);
      bytes = head + len;
      contentLen = String(len);
      rangeStart = String(start);
      rangeEnd = String(start + len - 1);
    } else {
      bytes = head + (method === "HEAD" ? 0 : body);
      contentLen = String(body);
      if (result === "Error") bytes = head + Math.floor(rand() * body);
    }
    const rt = rand();
    const ttMs = 1 + Math.floor(rt * rt * rt * rt * (result === "Hit" ? 300 : 2500));
    const ttfbMs = 1 + Math.floor(ttMs * (0.3 + 0.7 * rand()));
    const fromOrigin = response === "Miss" || response === "RefreshHit" || c0 === 53;

    // Who asked, from where, and after which page.
    const v6 = rand() < 0.3;
    const ip = v6
      ? `2001:db8:${(n % 65535).toString(16)}::${Math.floor(rand() * 65535).toString(16)}`
      : `198.51.${n % 256}.${Math.floor(rand() * 254) + 1}`;
    let query = "-";
    let referer = "-";
    if (kind === Kind.Page && (human || cls === "empty")) {
      const r = rand();
      if (r < 0.09) {
        const c = CAMPAIGNS(rand());
        query = c.query.replace("#", n.toString(36));
        referer = c.referer(rand());
      } else {
        if (r > 0.95) query = PAGE_QUERIES(rand()).replace("#", String(n));
        const ch = PAGE_CHANNEL(rand());
        referer = ch === Channel.None
          ? "-"
          : ch === Channel.Internal
          ? refererOf(page())
          : ch === Channel.Search
          ? SEARCH(rand())
          : ch === Channel.Social
          ? SOCIAL(rand())
          : ch === Channel.Ai
          ? AI(rand())
          : ch === Channel.Email
          ? EMAIL(rand())
          : ch === Channel.Other
          ? OTHER_SITES(rand())
          : ADDRESS_REFERERS(rand());
      }
    } else if (human && kind !== Kind.Page) {
      // Assets and calls are made by pages of this site.
      if (rand() < 0.88) referer = refererOf(page());
      if (spec.type === "application/javascript" && rand() < 0.3) {
        query = `v=${(n >>> 4).toString(36)}`;
      }
    } else if (cls === "library" && kind === Kind.Page && rand() < 0.1) {
      query = PAGE_QUERIES(rand()).replace("#", String(n));
    }
    const t = Math.round(ms);
    const s = Math.floor(t / 1000);
    const browser = human || cls === "empty";
    // One array reused for every line: join is the fastest way to the flat line.
    cols[0] = `${s}.${MILLIS[t - s * 1000]}`; // timestamp
    cols[1] = ip; // c-ip
    cols[3] = SECONDS[ttfbMs]; // time-to-first-byte
    cols[4] = code; // sc-status
    cols[5] = bytes; // sc-bytes
    cols[6] = method; // cs-method
    cols[7] = protocol; // cs-protocol
    cols[9] = query === "-" ? spec.stem : `${spec.stem}?${query}`; // cs-uri-stem
    cols[10] = method === "POST" || method === "PUT" ? 600 + (n % 4000) : 300 + (n % 500);
    cols[11] = edge; // x-edge-location
    cols[12] = requestId(n, rand); // x-edge-request-id
    cols[14] = SECONDS[ttMs]; // time-taken
    cols[15] = version; // cs-protocol-version
    cols[16] = v6 ? "IPv6" : "IPv4"; // c-ip-version
    cols[17] = agent.logged; // cs-user-agent
    cols[18] = referer; // cs-referer
    cols[20] = query; // cs-uri-query
    cols[21] = response; // x-edge-response-result-type
    cols[22] = v6 ? ip : "-"; // x-forwarded-for
    cols[23] = tls ? (tls13 ? "TLSv1.3" : "TLSv1.2") : "-"; // ssl-protocol
    cols[24] = tls ? (tls13 ? TLS13[n % 3] : TLS12[n % 3]) : "-"; // ssl-cipher
    cols[25] = result; // x-edge-result-type
    cols[27] = type; // sc-content-type
    cols[28] = contentLen; // sc-content-len
    cols[29] = rangeStart; // sc-range-start
    cols[30] = rangeEnd; // sc-range-end
    cols[31] = 40000 + (n % 20000); // c-port
    cols[32] = detailed; // x-edge-detailed-result-type
    cols[33] = place.country; // c-country
    cols[34] = browser ? ACCEPT_ENCODING(rand()) : "gzip"; // cs-accept-encoding
    cols[35] = browser ? spec.accept : "*/*"; // cs-accept
    cols[36] = spec.behavior; // cache-behavior-path-pattern
    cols[38] = browser ? 10 + (n % 9) : 3 + (n % 4); // cs-headers-count
    cols[40] = fromOrigin ? SECONDS[ttfbMs > 1 ? ttfbMs - 1 : 1] : "-"; // origin-fbl
    cols[41] = fromOrigin ? SECONDS[ttMs] : "-"; // origin-lbl
    cols[42] = asn; // asn
    const line = cols.join("\t");
    if (malformed > 0 && rand() < malformed) return line.split("\t", 30).join("\t");
    return line;
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

/** Per standard field, the index of the real-time column it is copied from (-1: computed). */
const STANDARD_SOURCE = STANDARD_FIELDS.map((f) =>
  f === "date" || f === "time" || f === "cs-uri-stem" || f === "cs(Cookie)"
    ? -1
    : SYNTHETIC_FIELDS.indexOf(STANDARD_FROM_REALTIME[f] ?? f)
);
const AT_TIMESTAMP = SYNTHETIC_FIELDS.indexOf("timestamp");
const AT_STEM = SYNTHETIC_FIELDS.indexOf("cs-uri-stem");

/**
 * Rewrites a synthetic real-time line as a standard access log line (33 fields): date and
 * time columns, cs-uri-stem without the query, no cookie. Malformed lines stay malformed.
 */
export function toStandardLine(realtime: string): string {
  const c = realtime.split("\t");
  if (c.length !== SYNTHETIC_FIELDS.length) return c.slice(0, 20).join("\t");
  const when = new Date(Number(c[AT_TIMESTAMP]) * 1000).toISOString();
  return STANDARD_FIELDS.map((f, i) => {
    if (f === "date") return when.slice(0, 10);
    if (f === "time") return when.slice(11, 19);
    if (f === "cs-uri-stem") return c[AT_STEM].split("?")[0];
    if (f === "cs(Cookie)") return "-";
    return c[STANDARD_SOURCE[i]] ?? "-";
  }).join("\t");
}
