/**
 * The settings schema (runtime/settings.ts) is the one place a setting is declared: the
 * variables read, README's configuration table and the help lines all follow from it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alertsFrom, outFrom } from "../src/runtime/config.ts";
import {
  API_KEY_VARIABLE,
  ENV_VARIABLES,
  envName,
  helpLine,
  SETTING_NAMES,
  settingsHelp,
  withEnv,
} from "../src/runtime/settings.ts";
import { COMMON_HELP } from "../scripts/_cli.ts";

test("README's configuration table names exactly the variables the code reads", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const table = readme.slice(
    readme.indexOf("### Configuration"),
    readme.indexOf("### Field lists"),
  );
  const documented = new Set(table.match(/CLOUDFRONT_LETS_[A-Z0-9_]+/g));
  assert.deepEqual([...documented].sort(), [...ENV_VARIABLES].sort());
  for (const name of SETTING_NAMES) {
    assert.ok(table.includes(`\`--${name} `) || name === "s3-endpoint", `--${name} in the table`);
  }
  assert.ok(ENV_VARIABLES.includes(API_KEY_VARIABLE));
});

test("every setting comes from its variable; a flag of one alternative leaves the other's unread", () => {
  const env = Object.fromEntries(SETTING_NAMES.map((n) => [envName(n), `env-${n}`]));
  const all = withEnv({}, env);
  for (const n of SETTING_NAMES) assert.equal(all[n], n === "tenant" ? undefined : `env-${n}`, n);
  assert.ok(!ENV_VARIABLES.includes("CLOUDFRONT_LETS_TENANT"), "--tenant is a flag only");
  assert.equal(withEnv({ port: "1" }, env).port, "1", "the flag first");
  const one = withEnv({ tenant: "E1" }, env);
  assert.deepEqual([one.tenant, one.tenants], ["E1", undefined]);
  const many = withEnv({ tenants: "auto" }, env);
  assert.deepEqual([many.tenant, many.tenants], [undefined, "auto"]);
  assert.equal(withEnv({}, { AWS_ENDPOINT_URL_S3: "http://x" })["s3-endpoint"], "http://x");
});

test("help lines: text from column 40, wrapped at 100, each setting with its variable", () => {
  const text = settingsHelp(SETTING_NAMES);
  for (const line of text.split("\n")) assert.ok(line.length <= 100, line);
  for (const name of SETTING_NAMES) {
    assert.match(text, new RegExp(`^  --${name} `, "m"));
    assert.equal(text.includes(`[${envName(name)}]`), name !== "tenant", name);
  }
  assert.match(settingsHelp(["grace-minutes"]), /finality grace period \(default 20\)/);
  assert.equal(helpLine("--json", "machine-readable"), `  --json${" ".repeat(32)}machine-readable`);
  const long = helpLine("--a-flag-whose-argument-is-long <a | b | c | d | e>", "x");
  assert.equal(long, `  --a-flag-whose-argument-is-long <a | b | c | d | e>\n${" ".repeat(40)}x`);
  assert.ok(COMMON_HELP.includes("[CLOUDFRONT_LETS_TENANTS]"));
});

test("settings files must be regular files; --out must be a directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "cfl-settings-"));
  try {
    // A device has no size to check, and /dev/zero never ends: refused at once.
    if (existsSync("/dev/zero")) {
      assert.throws(
        () => alertsFrom({ alerts: "/dev/zero" }),
        /--alerts: \/dev\/zero is not a regular file/,
      );
    }
    assert.throws(() => alertsFrom({ alerts: dir }), /is not a regular file/);
    const file = join(dir, "afile");
    writeFileSync(file, "x");
    assert.throws(() => outFrom({ out: file }), /--out .*afile is not a directory/);
    assert.equal(outFrom({ out: join(dir, "new") }).name, join(dir, "new"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
