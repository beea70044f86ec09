/** Where visits come from: referrer domains, internal links, channels, the compiled lists. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  categoryIn,
  channelOf,
  classifyReferer,
  isInternal,
  mediumChannel,
  referrerCategory,
  referrerDomain,
  referrerHost,
  referrerTable,
} from "../src/core/referrers.ts";
import { REFERRER_HOSTS, REFERRER_LISTS_SOURCE } from "../src/core/referrer-lists.ts";
import { runScript } from "./_run-script.ts";

const HOST = "www.example.com";

/** Real referers of every channel: [referer, domain, channel of an entry]. */
const REAL: [string, string | null, string][] = [
  ["https://www.google.com/", "google.com", "search"],
  ["https://www.google.com/search?q=cloudfront+logs", "google.com", "search"],
  ["https://www.google.co.uk/", "google.co.uk", "search"],
  ["https://www.google.de/url?sa=t", "google.de", "search"],
  ["https://www.bing.com/search?q=x&form=QBLH", "bing.com", "search"],
  ["https://duckduckgo.com/", "duckduckgo.com", "search"],
  ["https://search.brave.com/search?q=x", "brave.com", "search"],
  ["https://yandex.ru/", "yandex.ru", "search"],
  [
    "android-app://com.google.android.googlequicksearchbox/https/www.google.com",
    "google.com",
    "search",
  ],
  ["https://www.facebook.com/", "facebook.com", "social"],
  ["https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.example.com", "facebook.com", "social"],
  ["https://m.facebook.com/", "facebook.com", "social"],
  ["https://t.co/AbCdEf123", "t.co", "social"],
  ["https://x.com/", "x.com", "social"],
  ["https://www.linkedin.com/feed/", "linkedin.com", "social"],
  ["https://lnkd.in/abc", "lnkd.in", "social"],
  ["android-app://com.linkedin.android/", "linkedin.com", "social"],
  ["https://www.reddit.com/r/aws/comments/x", "reddit.com", "social"],
  ["https://old.reddit.com/", "reddit.com", "social"],
  ["android-app://com.reddit.frontpage/", "reddit.com", "social"],
  ["https://news.ycombinator.com/item?id=1", "ycombinator.com", "social"],
  ["https://www.youtube.com/", "youtube.com", "social"],
  ["https://chatgpt.com/", "chatgpt.com", "ai"],
  ["https://chat.openai.com/", "openai.com", "ai"],
  ["https://www.perplexity.ai/search/x", "perplexity.ai", "ai"],
  ["https://perplexity.ai/", "perplexity.ai", "ai"],
  ["https://claude.ai/", "claude.ai", "ai"],
  ["https://gemini.google.com/app", "google.com", "ai"],
  ["https://copilot.microsoft.com/", "microsoft.com", "ai"],
  ["https://mail.google.com/", "google.com", "email"],
  ["https://mail.google.com/mail/u/0/", "google.com", "email"],
  ["android-app://com.google.android.gm", "google.com", "email"],
  ["https://outlook.live.com/", "live.com", "email"],
  ["https://outlook.office.com/mail/", "office.com", "email"],
  ["https://mail.yahoo.com/d/folders/1", "yahoo.com", "email"],
  ["https://someones-blog.net/2024/03/post.html", "someones-blog.net", "referral"],
  ["https://dev.to/someone/x", "dev.to", "referral"],
  ["https://foo.github.io/", "github.io", "referral"],
  ["", null, "direct"],
  ["-", null, "direct"],
];

test("real referers give their registrable domain and the channel of an entry", () => {
  for (const [referer, domain, channel] of REAL) {
    assert.equal(referrerDomain(referer), domain, referer);
    assert.equal(referrerDomain(referer, HOST), domain, referer);
    assert.equal(channelOf(referrerHost(referer), HOST), channel, referer);
    assert.deepEqual(
      classifyReferer(referer, HOST),
      { domain, internal: false, channel },
      referer,
    );
  }
});

test("the domain alone gives the channel, host-level entries aside", () => {
  assert.equal(channelOf("google.com", HOST), "search");
  assert.equal(channelOf("google.co.uk", HOST), "search");
  assert.equal(channelOf("facebook.com", HOST), "social");
  assert.equal(channelOf("t.co", HOST), "social");
  assert.equal(channelOf("chatgpt.com", HOST), "ai");
  assert.equal(channelOf("perplexity.ai", HOST), "ai");
  assert.equal(channelOf("someones-blog.net", HOST), "referral");
  assert.equal(channelOf(null, HOST), "direct");
  // gemini.google.com and mail.google.com are entries of their own: google.com is search.
  assert.equal(channelOf("gemini.google.com", HOST), "ai");
  assert.equal(channelOf("mail.google.com", HOST), "email");
  assert.equal(channelOf("Mail.Google.com", HOST), "email");
});

test("a list entry matches the name and its parents up to the registrable domain", () => {
  const table = new Map(
    [
      ["example.org", "social"],
      ["news.example.org", "search"],
      ["engine.{}", "search"],
      ["mail.engine.{}", "email"],
    ] as const,
  );
  assert.equal(categoryIn(table, "example.org"), "social");
  assert.equal(categoryIn(table, "a.b.example.org"), "social");
  assert.equal(categoryIn(table, "news.example.org"), "search");
  assert.equal(categoryIn(table, "x.news.example.org"), "search");
  assert.equal(categoryIn(table, "engine.de"), "search");
  assert.equal(categoryIn(table, "www.engine.co.uk"), "search");
  assert.equal(categoryIn(table, "mail.engine.com.au"), "email");
  assert.equal(categoryIn(table, "org"), undefined);
  assert.equal(categoryIn(table, "example.net"), undefined);
  assert.equal(categoryIn(table, "notengine.de"), undefined);
  // `{}` is a whole public suffix, never part of a label.
  assert.equal(referrerCategory("google.de"), "search");
  assert.equal(referrerCategory("images.google.com.br"), "search");
  assert.equal(referrerCategory("googleusercontent.com"), undefined);
});

test("a referer from the site itself is internal, whatever its subdomain", () => {
  assert.equal(isInternal("example.com", HOST), true);
  assert.equal(isInternal("example.com", "blog.example.com"), true);
  assert.equal(isInternal("blog.example.com", HOST), true);
  assert.equal(isInternal("example.com", "Example.COM:8443"), true);
  assert.equal(isInternal("example.co.uk", "www.example.com"), false);
  assert.equal(isInternal("notexample.com", HOST), false);
  assert.equal(isInternal("evil.net", HOST), false);
  assert.equal(isInternal(null, HOST), false);
  assert.equal(isInternal("example.com", "203.0.113.9"), false);
  const internal = ["https://blog.example.com/post", "https://www.example.com/", "/about"];
  for (const referer of internal) {
    assert.equal(isInternal(referrerDomain(referer, HOST), HOST), true, referer);
    assert.deepEqual(classifyReferer(referer, HOST), {
      domain: "example.com",
      internal: true,
      channel: null,
    });
  }
  // A look-alike is another site.
  assert.equal(referrerDomain("https://www.example.com.evil.net/"), "evil.net");
  assert.equal(classifyReferer("https://www.example.com.evil.net/", HOST).channel, "referral");
  // Called for an internal referer anyway, the channel is as if there were none.
  assert.equal(channelOf("example.com", HOST), "direct");
  assert.equal(channelOf("example.com", HOST, "email"), "email");
});

test("IP-address referers give no domain and never an address", () => {
  const referers = [
    "http://203.0.113.7/",
    "https://198.51.100.23:8443/admin?x=1",
    "http://010.000.000.001/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://127.1/",
    "http://[2001:db8::1]/",
    "https://[2001:db8:85a3::8a2e:370:7334]:443/path",
    "http://[::ffff:192.0.2.1]/",
    "https://[ip]/x",
    "http://[ip]:8080/",
    "https://user@[ip]/",
    "[ip]",
    "https://[ip]",
    "https://10.0.0.7.nip.io/",
    "https://app.192.168.1.20.sslip.io:8443/",
  ];
  for (const referer of referers) {
    assert.equal(referrerDomain(referer), null, referer);
    assert.equal(referrerHost(referer), null, referer);
    const source = classifyReferer(referer, HOST);
    assert.deepEqual(source, { domain: null, internal: false, channel: "direct" }, referer);
  }
});

test("localhost, local names and things that are not URLs give no domain", () => {
  const referers = [
    "http://localhost/",
    "http://localhost:3000/x",
    "http://app.localhost/",
    "http://intranet/",
    "http://nas.local/",
    "https://build.corp.internal/",
    "not a url",
    "www.google.com",
    "google.com/search",
    "ftp://ftp.example.org/",
    "file:///C:/x.html",
    "about:blank",
    "chrome-extension://abcdefgh/x",
    "javascript:alert(1)",
    "https://",
    "https:///x",
    "https://exa mple.com/",
    "https://example..com/",
    "https://%65xample.com/",
    "https://example.com:80x/",
    "/relative/without/host",
    "android-app://",
    "android-app://gm",
  ];
  for (const referer of referers) {
    assert.equal(referrerDomain(referer), null, referer);
  }
  // A relative referer is the request's own site.
  assert.equal(referrerDomain("/relative/path", HOST), "example.com");
});

test("android-app package names read back to front, never as android.gm", () => {
  assert.equal(referrerHost("android-app://com.google.android.gm"), "gm.android.google.com");
  assert.equal(referrerDomain("android-app://com.google.android.gm"), "google.com");
  assert.notEqual(referrerDomain("android-app://com.google.android.gm"), "android.gm");
  assert.equal(referrerDomain("android-app://org.telegram.messenger/"), "telegram.org");
  assert.equal(channelOf(referrerHost("android-app://org.telegram.messenger/"), HOST), "social");
  assert.equal(referrerDomain("android-app://com.slack"), "slack.com");
  assert.equal(referrerDomain("android-app://com.example.app.with_underscore"), "example.com");
});

test("utm_medium decides the channel when it names one", () => {
  const cases: [string, string][] = [
    ["email", "email"],
    ["e-mail", "email"],
    ["E_Mail", "email"],
    ["newsletter", "email"],
    ["cpc", "paid"],
    ["PPC", "paid"],
    ["paid", "paid"],
    ["paidsearch", "paid"],
    ["paid_search", "paid"],
    ["cpm", "paid"],
    ["display", "paid"],
    ["paid_social", "paid"],
    ["paid-social", "paid"],
    ["social", "social"],
    ["social-network", "social"],
    ["social_media", "social"],
    ["sm", "social"],
    ["organic", "search"],
    ["referral", "referral"],
  ];
  for (const [medium, channel] of cases) {
    assert.equal(mediumChannel(medium), channel, medium);
    // Over the referer's own category, and over no referer at all.
    assert.equal(channelOf("google.com", HOST, medium), channel, medium);
    assert.equal(channelOf(null, HOST, medium), channel, medium);
  }
  // A value it does not know, or none, leaves the referer to decide.
  for (const medium of ["", "qr", "affiliate", "(none)", "print"]) {
    assert.equal(mediumChannel(medium), undefined, medium);
    assert.equal(channelOf("google.com", HOST, medium), "search", medium);
    assert.equal(channelOf(null, HOST, medium), "direct", medium);
  }
  assert.equal(channelOf("t.co", HOST, undefined), "social");
  assert.deepEqual(classifyReferer("https://t.co/x", HOST, "cpc"), {
    domain: "t.co",
    internal: false,
    channel: "paid",
  });
});

test("the compiled table: sorted, categorised, small, from a recorded commit", () => {
  assert.match(REFERRER_LISTS_SOURCE.commit, /^[0-9a-f]{40}$/);
  const table = referrerTable();
  assert.ok(table.size > 500, `${table.size} entries`);
  const seen = new Set<string>();
  for (const [category, hosts] of Object.entries(REFERRER_HOSTS)) {
    const list = hosts.trim().split(/\s+/);
    const key = (h: string) => h.split(".").reverse().join(" ");
    assert.deepEqual([...list].sort((a, b) => (key(a) < key(b) ? -1 : 1)), list, category);
    for (const h of list) {
      assert.match(h, /^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.([a-z0-9-]+|\{\})$/, h);
      assert.ok(!seen.has(h), `${h} twice`);
      seen.add(h);
      assert.equal(referrerCategory(h.replace("{}", "de")), category, h);
    }
  }
  const bytes = Object.values(REFERRER_HOSTS).reduce((n, s) => n + s.length, 0);
  assert.ok(bytes < 20_000, `${bytes} bytes`);
});

test("each call takes microseconds", () => {
  const referers = REAL.map(([r]) => r);
  const n = 20_000;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const r = referers[i % referers.length];
    channelOf(referrerHost(r, HOST), HOST, i % 7 === 0 ? "email" : undefined);
  }
  const us = ((performance.now() - start) * 1000) / n;
  assert.ok(us < 50, `${us.toFixed(2)} µs per referer`);
});

const LISTS = fileURLToPath(new URL("../../shared/data/referrer-lists/", import.meta.url));

test("the committed lists are what the build script makes of matomo's", {
  skip: existsSync(`${LISTS}SearchEngines.yml`) ? false : `no lists at ${LISTS}`,
}, async () => {
  const r = await runScript("build-referrers", ["--check"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /up to date/);
});

test("build-referrers --check fails on lists that are not the committed ones", {
  skip: existsSync(`${LISTS}SearchEngines.yml`) ? false : `no lists at ${LISTS}`,
}, async () => {
  const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(`${tmpdir()}/referrer-lists-`);
  try {
    for (const name of ["SearchEngines.yml", "Socials.yml", "AIAssistants.yml", "SOURCES.md"]) {
      writeFileSync(`${dir}/${name}`, readFileSync(`${LISTS}${name}`));
    }
    writeFileSync(
      `${dir}/Socials.yml`,
      readFileSync(`${LISTS}Socials.yml`, "utf8") + "\nNewNet:\n  - newnet.com\n",
    );
    const r = await runScript("build-referrers", ["--check", "--lists", dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: src\/core\/referrer-lists\.ts is out of date/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
