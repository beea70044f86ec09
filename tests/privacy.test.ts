import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ADDRESS_FIELDS,
  isIpv6,
  isUrlIpv4,
  redactAddresses,
  redactAgent,
  REDACTED,
  redactHost,
} from "../src/core/privacy.ts";
import { KEPT_FIELDS } from "../src/core/parse-line.ts";
import { cleanPath } from "../src/core/clean.ts";
import { describeAgent } from "../src/core/agents.ts";
import { CANONICAL_FIELDS } from "../src/core/fields.ts";

test("IPv4 and IPv6 addresses inside strings are redacted", () => {
  assert.equal(
    redactAddresses("https://203.0.113.9/from?ip=198.51.100.77"),
    `https://${REDACTED}/from?ip=${REDACTED}`,
  );
  assert.equal(redactAddresses("http://[2001:db8::1]:8080/x"), `http://[${REDACTED}]:8080/x`);
  assert.equal(redactAddresses("x=2600:387:6:805::2c&y=1"), `x=${REDACTED}&y=1`);
  assert.equal(redactAddresses("fe80:0:0:0:202:b3ff:fe1e:8329"), REDACTED);
  assert.equal(redactAddresses("::ffff:192.0.2.128"), REDACTED);
});

test("addresses as URL parsers also read them: hex, octal, one number, wide characters", () => {
  for (
    const [text, want] of [
      ["/h/0xCB.0x00.0x71.0x57", `/h/${REDACTED}`],
      ["http://0313.0.0161.0127/", `http://${REDACTED}/`],
      ["https://3405803863/x", `https://${REDACTED}/x`],
      ["http://0xCB007157:80/", `http://${REDACTED}:80/`],
      ["http://user@3405803863", `http://user@${REDACTED}`],
      ["https://203\u30020\u3002113\u3002106/", `https://${REDACTED}/`],
      ["https://\uFF12\uFF10\uFF13.0.113.106/a", `https://${REDACTED}/a`],
    ]
  ) assert.equal(redactAddresses(text), want, text);
  // A number that is no host, and hex that is no address, stay.
  assert.equal(redactAddresses("/item/3405803863"), "/item/3405803863");
  assert.equal(redactAddresses("https://example.com/1234567890"), "https://example.com/1234567890");
  assert.equal(redactAddresses("x 0x1.0x2 and 0x1FF.0.0.1"), "x 0x1.0x2 and 0x1FF.0.0.1");
});

test("hosts of two or three parts, and addresses behind invisible or circled characters", () => {
  // What new URL() reads as 10.0.0.1 or 192.168.1.1, in a URL's host and as a Host header.
  for (const host of ["10.0.1", "10.1", "192.168.257", "10\u00AD.0.0.1", "\u2469.0.0.1"]) {
    assert.equal(redactAddresses(`https://${host}/x`), `https://${REDACTED}/x`, host);
    assert.equal(redactHost(host), REDACTED, host);
    assert.equal(redactHost(`${host}:8080`), REDACTED, host);
  }
  // Anywhere in the text, invisible code points between the digits hide nothing.
  for (const hidden of ["10\u200B.0.0.1", "10\uFE00.0.0.1", "10.0\u00AD.0.1"]) {
    assert.equal(redactAddresses(`/p/${hidden}/`), `/p/${REDACTED}/`, JSON.stringify(hidden));
  }
  // A web URL's host with one slash, none, or backslashes, as URL parsers read them too.
  for (
    const url of [
      "http:/10.1/",
      "http:10.1/",
      "http:\\\\10.1\\",
      "https:167772161",
      "ftp:/10.0.1/a",
    ]
  ) {
    assert.doesNotMatch(redactAddresses(url), /10\.|167772161/, url);
  }
  assert.equal(redactAddresses("http://10.1\\x"), `http://${REDACTED}\\x`);
  assert.equal(redactAddresses("key:1.5 and a:10.1"), "key:1.5 and a:10.1");
  // Versions and names stay: only a host position reads two or three parts as an address.
  assert.equal(
    redactAddresses("/v1.2.3/jquery-3.6.0.min.js HTTP/1.1"),
    "/v1.2.3/jquery-3.6.0.min.js HTTP/1.1",
  );
  assert.equal(redactHost("www.example.com:443"), "www.example.com:443");
  assert.equal(redactHost("v1.example"), "v1.example");
  assert.equal(isUrlIpv4("256.1"), false);
  assert.equal(isUrlIpv4("1.2.3.4.5"), false);
  assert.equal(isUrlIpv4("0x7f.1"), true);
});

test("things that only look like addresses stay", () => {
  assert.equal(redactAddresses("at 21:02:31 on 2019-12-04"), "at 21:02:31 on 2019-12-04");
  assert.equal(redactAddresses("std::vector and Foo::Bar"), "std::vector and Foo::Bar");
  // `a::b` is a valid IPv6 address: over-redacting it is the safe side.
  assert.equal(redactAddresses("a::b"), REDACTED);
  assert.equal(redactAddresses("version 1.2.3"), "version 1.2.3");
  // Numbers whose middle two are past 255 are no address (`999.1.1.1` is: `9.1.1.1`).
  assert.equal(redactAddresses("1.999.999.1"), "1.999.999.1");
});

test("user agents keep product/version tokens but lose real addresses", () => {
  const ua = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36";
  assert.equal(redactAgent(ua), ua);
  assert.equal(
    redactAgent("probe from 203.0.113.5 (Chrome/120.0.0.0)"),
    `probe from ${REDACTED} (Chrome/120.0.0.0)`,
  );
  assert.equal(redactAgent("x 2001:db8::7"), `x ${REDACTED}`);
});

test("isIpv6 accepts the valid forms and rejects the rest", () => {
  for (
    const ok of ["::1", "2001:db8::", "1:2:3:4:5:6:7:8", "::ffff:1.2.3.4", "2001:db8:0:0:1::1"]
  ) assert.ok(isIpv6(ok), ok);
  for (const bad of ["1:2:3", "1::2::3", "12345::1", "1:2:3:4:5:6:7:8:9", "g::1"]) {
    assert.ok(!isIpv6(bad), bad);
  }
});

test("the parser never reads an address field", () => {
  for (const f of ADDRESS_FIELDS) {
    assert.ok(CANONICAL_FIELDS.includes(f), f);
    assert.ok(!(KEPT_FIELDS as readonly string[]).includes(f), `${f} is read by the parser`);
  }
});

test("addresses at any depth of encoding, next to digits, cut at a limit, or after a long version", () => {
  assert.equal(
    redactAddresses("/10%252E0%252E0%252E7/10%25252E0%25252E0%25252E8"),
    `/${REDACTED}/${REDACTED}`,
  );
  assert.equal(
    redactAddresses("/2001%253Adb8%253A%253Aa1/2001%25253Adb8%25253A%25253Aa2"),
    `/${REDACTED}/${REDACTED}`,
  );
  assert.equal(redactAddresses("/a9910.0.0.4"), `/a${REDACTED}`);
  assert.equal(redactAddresses("/x/10.0.0.4999"), `/x/${REDACTED}`);
  assert.equal(redactAgent("Chrome/120.0.0.0.10.0.0.4 Safari"), `Chrome/${REDACTED} Safari`);
  assert.equal(redactAgent("FBAV/445.0.0.35.117"), "FBAV/445.0.0.35.117");
  // A value cut to its limit never keeps part of an address that straddled the cut.
  const path = "/" + "a".repeat(700) + ":2001:db8::1/" + "x".repeat(262) +
    "2001:db8:85a3:1:2:8a2e:370:7334/end";
  const stored = cleanPath(path);
  assert.ok(!/\d:\d|[0-9a-f]{1,4}:[0-9a-f]{1,4}/.test(stored.slice(-60)), stored.slice(-60));
  const v4 = cleanPath("/" + "b".repeat(990) + "192.168.7.1/x");
  assert.ok(!/192\.168/.test(v4), v4.slice(-20));
  assert.ok(v4.length <= 500 && v4.endsWith("…"));
});

test("the agent exemption needs the whole product name; a bot's name is never its agent", () => {
  for (
    const ua of ["MyIP-Chrome/203.0.113.40", "MyIP.Chrome/203.0.113.41", "1Chrome/203.0.113.42"]
  ) {
    assert.ok(!redactAgent(ua).includes("203.0.113"), ua);
  }
  assert.equal(redactAgent("(Chrome/120.0.0.0)"), "(Chrome/120.0.0.0)");
  assert.equal(describeAgent("Chrome/203.0.113.43").bot, "Chrome");
});
