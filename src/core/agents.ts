/**
 * What a user agent says about the client: its device type, browser and OS (ua-parser-js
 * 1.x, MIT), or, for a bot (isbot 5, public domain), its name and category. Agents repeat
 * heavily, so each distinct (stored, redacted) agent is described once and kept in a
 * bounded cache across objects. An agent names software, never a person: nothing here
 * identifies or links visitors.
 * @module
 */
import { isbotMatch } from "isbot";
import { UAParser } from "ua-parser-js";

/** Device types, as `devices` counts them: ua-parser's, plus desktop, bot, empty, unknown. */
export const DEVICES = [
  "desktop",
  "mobile",
  "tablet",
  "smarttv",
  "console",
  "wearable",
  "embedded",
  "bot",
  "empty",
  "unknown",
] as const;
/** One device type. */
export type Device = (typeof DEVICES)[number];

/** What a bot is for. `other`: a bot of none of the kinds below. */
export const BOT_CATEGORIES = [
  "search",
  "ai",
  "social",
  "monitoring",
  "feed",
  "library",
  "other",
] as const;
/** One bot category. */
export type BotCategory = (typeof BOT_CATEGORIES)[number];

/** What one agent says. Browsers and OS are null for bots: a bot is counted once, as a bot. */
export interface Agent {
  device: Device;
  browser: string | null;
  /** Family and major version: `Chrome 126`. */
  browserVersion: string | null;
  os: string | null;
  osVersion: string | null;
  bot: string | null;
  botCategory: BotCategory | null;
}

/** Substrings of a bot's name (lower case) that say its category, checked in this order. */
const CATEGORY_HINTS: ReadonlyArray<[BotCategory, readonly string[]]> = [
  ["ai", [
    "gptbot",
    "chatgpt",
    "oai-search",
    "claude",
    "anthropic",
    "perplexity",
    "ccbot",
    "google-extended",
    "bytespider",
    "cohere",
    "meta-externalagent",
    "youbot",
    "diffbot",
    "amazonbot",
  ]],
  ["social", [
    "facebookexternalhit",
    "facebot",
    "twitterbot",
    "linkedinbot",
    "slackbot",
    "discordbot",
    "whatsapp",
    "telegrambot",
    "pinterest",
    "redditbot",
    "skypeuripreview",
    "embedly",
    "vkshare",
  ]],
  ["search", [
    "googlebot",
    "google",
    "bingbot",
    "yandex",
    "baiduspider",
    "duckduckbot",
    "applebot",
    "slurp",
    "sogou",
    "seznam",
    "yeti",
    "petalbot",
    "qwant",
    "exabot",
  ]],
  ["monitoring", [
    "uptime",
    "pingdom",
    "statuscake",
    "site24x7",
    "newrelic",
    "datadog",
    "lighthouse",
    "gtmetrix",
    "checkly",
    "monitor",
  ]],
  ["feed", ["feedly", "feedburner", "inoreader", "newsblur", "rss", "feed"]],
  ["library", [
    "curl",
    "wget",
    "python",
    "go-http-client",
    "okhttp",
    "java",
    "axios",
    "node-fetch",
    "undici",
    "libwww",
    "httpclient",
    "postman",
    "guzzle",
    "ruby",
    "perl",
    "php",
    "scrapy",
    "headless",
    "phantomjs",
  ]],
];

/** The category of a bot by its name. */
export function botCategory(name: string): BotCategory {
  const lower = name.toLowerCase();
  for (const [category, hints] of CATEGORY_HINTS) {
    if (hints.some((h) => lower.includes(h))) return category;
  }
  return "other";
}

/**
 * The product token of `agent` that holds what isbot matched (`Googlebot`, `curl`), else
 * its first token: a name, never the agent itself (which may hold a version shaped like
 * an address).
 */
function botName(agent: string, match: string): string {
  const needle = match.toLowerCase();
  const tokens = agent.match(/[A-Za-z][A-Za-z0-9_-]*/g) ?? [];
  const named = tokens.find((t) => t.toLowerCase().includes(needle)) ?? tokens[0];
  return named === undefined ? "(unnamed)" : named.replace(/-+$/, "").slice(0, 64);
}

/** Operating systems whose clients are desktops when ua-parser names no device type. */
const DESKTOP_OS = new Set([
  "Windows",
  "Mac OS",
  "macOS",
  "Linux",
  "Ubuntu",
  "Debian",
  "Fedora",
  "Mint",
  "Arch",
  "Gentoo",
  "openSUSE",
  "Red Hat",
  "CentOS",
  "Chromium OS",
  "Chrome OS",
  "FreeBSD",
  "OpenBSD",
  "NetBSD",
  "Solaris",
  "Unix",
]);

const DEVICE_TYPES = new Set<string>(DEVICES);

const major = (version: string | undefined) => version?.split(".")[0];
const withVersion = (name: string | undefined, version: string | undefined) =>
  name === undefined ? null : major(version) ? `${name} ${major(version)}` : name;

/** Describes one agent (as stored: decoded, redacted). */
export function parseAgent(agent: string): Agent {
  if (agent === "") {
    return {
      device: "empty",
      browser: null,
      browserVersion: null,
      os: null,
      osVersion: null,
      bot: null,
      botCategory: null,
    };
  }
  const match = isbotMatch(agent);
  if (match !== null) {
    const bot = botName(agent, match);
    return {
      device: "bot",
      browser: null,
      browserVersion: null,
      os: null,
      osVersion: null,
      bot,
      botCategory: botCategory(bot),
    };
  }
  const r = new UAParser(agent).getResult();
  const type = r.device.type;
  const device: Device = type !== undefined && DEVICE_TYPES.has(type)
    ? type as Device
    : r.os.name !== undefined && DESKTOP_OS.has(r.os.name)
    ? "desktop"
    : "unknown";
  return {
    device,
    browser: r.browser.name ?? null,
    browserVersion: withVersion(r.browser.name, r.browser.version),
    os: r.os.name ?? null,
    osVersion: withVersion(r.os.name, r.os.version),
    bot: null,
    botCategory: null,
  };
}

/** Distinct agents described at most before the cache starts over. */
const CACHE_LIMIT = 50_000;
let cache = new Map<string, Agent>();

/** {@link parseAgent}, once per distinct agent (a bounded cache kept across objects). */
export function describeAgent(agent: string): Agent {
  let a = cache.get(agent);
  if (a === undefined) {
    a = parseAgent(agent);
    if (cache.size >= CACHE_LIMIT) cache = new Map();
    cache.set(agent, a);
  }
  return a;
}
