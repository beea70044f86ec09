/**
 * `check`: judges the alert rules and prints a JSON report; exit 2 when a rule is breached,
 * 0 when all are clear (or lack the requests to be judged), 1 on an error or a store with
 * no data at all. For cron and CI.
 */
import process from "node:process";
import { type AlertReport, checkAlerts, checkLatest } from "../src/pipeline/alerts.ts";
import { dataSpan, startQuery } from "../src/pipeline/query.ts";
import {
  alertsFrom,
  contextFrom as contextOf,
  storeFrom,
  tenantFrom,
  tenantsFrom,
} from "../src/runtime/config.ts";
import type { Store } from "../src/store/store.ts";
import { calendar, isZoneName } from "../src/core/zones.ts";
import { storeTenants, tenantStore } from "../src/store/tenant.ts";
import { settingFlags, settingsHelp } from "../src/runtime/settings.ts";
import {
  COMMON_FLAGS,
  COMMON_HELP,
  configured,
  fail,
  parseCommandLine,
  progress,
  settingsOf,
} from "./_cli.ts";

/** Every error, usage errors too, exits 1 here: 2 means a rule is breached. */
const ERROR = 1;

const { values: flags } = parseCommandLine(
  {
    ...COMMON_FLAGS,
    ...settingFlags(["alerts"]),
    latest: { type: "string" },
    tz: { type: "string" },
  },
  `
Usage: check --alerts <rules.json | JSON> --store <dir|s3://...> [--tenant E1 | --tenants ...]
       check --alerts <rules.json | JSON> --source <dir|s3://...> --latest <n>

Judges alert rules and prints a JSON report. Exits 2 when a rule is breached, 0 when every
rule is clear or lacks the requests to be judged ("insufficient_data"), 1 on an error (a
usage error too) or when the store (or a tenant asked for) holds no data at all: nothing was
judged then.

A rule: {"name", "metric", "comparison", "threshold", "windows", "min_requests"}, where
metric is requests, bytes, error_rate_4xx, error_rate_5xx (fractions), cache_hit_ratio,
time_taken_p95 (ms), page_views or entries; comparison is >, >=, < or <=; windows is how many of the most recent
30-minute windows with data it looks at (default 1); min_requests (default 0).

With --store, rules look at the store's most recent windows. With --latest <n>, only the
n newest objects of --source are read (in memory: nothing is written), and every rule
looks at all of them.

${settingsHelp(["alerts"])}
  --latest <n>                          newest objects of --source only
  --tz <IANA zone>                      write the windows' from and to in that local time
                                        (default UTC; the windows are the same in every zone)

With --tenant E1, the rules judge that tenant's data (or, with --latest, its queue). With
--tenants, each tenant's (auto: every tenant of the store): the report has one entry per
tenant, an error for one with no data (exit 1 unless a rule is breached: 2).
${COMMON_HELP}`,
  0,
  process.argv.slice(2),
  ERROR,
);

const settings = settingsOf(flags);
const rules = configured(() => alertsFrom(settings), ERROR);
if (flags.tz !== undefined && !isZoneName(flags.tz)) {
  fail(`--tz: "${flags.tz}" is not a time zone this runtime knows (e.g. Europe/Berlin)`, ERROR);
}
const cal = calendar(flags.tz ?? "UTC");
if (rules.length === 0) fail("no rules: give --alerts (or CLOUDFRONT_LETS_ALERTS)", ERROR);
/** Judges the rules on `store`. @throws when it holds no data: nothing can be judged. */
async function judge(store: Store, what: string): Promise<AlertReport> {
  if ((await dataSpan(startQuery(store))) === undefined) {
    throw new Error(`${what} holds no data: nothing to judge (has the pipeline run on it?)`);
  }
  return await checkAlerts(store, rules, undefined, cal);
}

/** Per tenant: its report, or why it could not be judged. */
type TenantReports = Record<string, AlertReport | { error: string }>;

let report: AlertReport | { tenants: TenantReports; breached: number };
try {
  if (flags.latest !== undefined) {
    if (settings.tenants !== undefined) {
      fail(
        "--latest reads one queue, and --tenants (or CLOUDFRONT_LETS_TENANTS) names several: " +
          "give --tenant E1",
        ERROR,
      );
    }
    const n = Number(flags.latest);
    if (!Number.isInteger(n) || n <= 0) fail("--latest must be a positive integer", ERROR);
    const ctx = configured(
      () => contextOf({ ...settings, store: settings.store ?? "memory:" }, progress),
      ERROR,
    );
    report = await checkLatest(ctx, rules, n, cal);
    // An empty queue judged nothing: say so, as an empty store does.
    if (report.objects?.length === 0) {
      throw new Error(`${ctx.source.name} holds no objects: nothing to judge`);
    }
    if (report.records === 0) {
      throw new Error(
        `the newest ${report.objects!.length} object(s) hold no records: nothing to judge`,
      );
    }
  } else {
    // A --tenant store is that tenant's part already (runtime/config.ts).
    const store = configured(() => storeFrom(settings), ERROR);
    const tenant = configured(() => tenantFrom(settings), ERROR);
    if (tenant !== undefined) report = await judge(store, `tenant ${tenant}`);
    else {
      const tenants = configured(() => tenantsFrom(settings), ERROR);
      if (tenants !== undefined) {
        const names = tenants === "auto" ? await storeTenants(store) : tenants;
        if (names.length === 0) throw new Error(`${store.name} holds no tenant's data`);
        // A tenant that cannot be judged (no data yet) does not hide another's breach.
        const each: TenantReports = {};
        for (const t of names) {
          each[t] = await judge(tenantStore(store, t), `tenant ${t}`).catch((e) => ({
            error: (e as Error).message,
          }));
        }
        const breached = Object.values(each).reduce(
          (n, r) => n + ("breached" in r ? r.breached : 0),
          0,
        );
        report = { tenants: each, breached };
      } else report = await judge(store, store.name);
    }
  }
} catch (e) {
  fail((e as Error).message);
}
console.log(JSON.stringify(report, null, 2));
const reports = "tenants" in report ? Object.entries(report.tenants) : [["", report] as const];
for (const [tenant, r] of reports) {
  const who = tenant ? `${tenant} ` : "";
  if ("error" in r) {
    progress(`${"error".padEnd(17)} ${who}${r.error}`);
    continue;
  }
  for (const rule of r.rules) {
    progress(
      `${rule.status.padEnd(17)} ${who}${rule.name}: ${rule.metric} ` +
        `${rule.value} ${rule.comparison} ${rule.threshold}`,
    );
  }
}
const unjudged = reports.filter(([, r]) => "error" in r).map(([t]) => t);
if (report.breached > 0) process.exit(2);
if (unjudged.length > 0) fail(`no data to judge for tenant(s) ${unjudged.join(", ")}`);
process.exit(0);
