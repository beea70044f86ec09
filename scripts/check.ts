/**
 * `check`: judges the alert rules and prints a JSON report; exit 2 when a rule is breached,
 * 0 when all are clear (or lack the data to be judged), 1 on an error. For cron and CI.
 */
import process from "node:process";
import { checkAlerts, checkLatest } from "../src/pipeline/alerts.ts";
import { alertsFrom, contextFrom as contextOf, storeFrom } from "../src/runtime/config.ts";
import {
  COMMON_FLAGS,
  COMMON_HELP,
  configured,
  fail,
  parseFlags,
  progress,
  settingsOf,
} from "./_cli.ts";

const flags = parseFlags(
  { ...COMMON_FLAGS, alerts: { type: "string" }, latest: { type: "string" } },
  `
Usage: check --alerts <rules.json | JSON> --store <dir|s3://...>
       check --alerts <rules.json | JSON> --source <dir|s3://...> --latest <n>

Judges alert rules and prints a JSON report. Exits 2 when a rule is breached, 0 when every
rule is clear or lacks the requests to be judged ("insufficient_data"), 1 on an error.

A rule: {"name", "metric", "comparison", "threshold", "windows", "min_requests"}, where
metric is requests, bytes, error_rate_4xx, error_rate_5xx (fractions), cache_hit_ratio,
time_taken_p95 (ms), page_views or entries; comparison is >, >=, < or <=; windows is how many of the most recent
30-minute windows with data it looks at (default 1); min_requests (default 0).

With --store, rules look at the store's most recent windows. With --latest <n>, only the
n newest objects of --source are read (in memory: nothing is written), and every rule
looks at all of them.

  --alerts <file | JSON>                the rules          [CLOUDFRONT_LETS_ALERTS]
  --latest <n>                          newest objects of --source only
${COMMON_HELP}`,
);

const settings = settingsOf(flags);
const rules = configured(() => alertsFrom(settings));
if (rules.length === 0) fail("no rules: give --alerts (or CLOUDFRONT_LETS_ALERTS)", 2);
let report;
try {
  if (flags.latest !== undefined) {
    const n = Number(flags.latest);
    if (!Number.isInteger(n) || n <= 0) fail("--latest must be a positive integer", 2);
    const ctx = configured(() =>
      contextOf({ ...settings, store: settings.store ?? "memory:" }, progress)
    );
    report = await checkLatest(ctx, rules, n);
  } else {
    report = await checkAlerts(configured(() => storeFrom(settings)), rules);
  }
} catch (e) {
  fail((e as Error).message);
}
console.log(JSON.stringify(report, null, 2));
for (const r of report.rules) {
  progress(
    `${r.status.padEnd(17)} ${r.name}: ${r.metric} ${r.value} ${r.comparison} ${r.threshold}`,
  );
}
process.exit(report.breached > 0 ? 2 : 0);
