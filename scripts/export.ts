/** `export`: the IP-free records as Parquet for Athena and DuckDB (DESIGN §8). */
import { exportRecords, type ExportResult } from "../src/pipeline/export.ts";
import { assertApart, outFrom, storeFrom, tenantFrom } from "../src/runtime/config.ts";
import { ATHENA_TABLE } from "../src/core/export-columns.ts";
import { helpLine, settingFlags, settingsHelp } from "../src/runtime/settings.ts";
import { prefixedStore } from "../src/store/tenant.ts";
import {
  configured,
  fail,
  OUTPUT_FLAGS,
  OUTPUT_HELP,
  parseFlags,
  runStep,
  settingsOf,
  USAGE_EXIT,
} from "./_cli.ts";
import { messageLine, progressLine } from "./_progress.ts";

/** The settings export takes. */
const SETTINGS = ["store", "out", "tenant", "tenants", "s3-endpoint"] as const;

const flags = parseFlags(
  {
    ...settingFlags(SETTINGS),
    from: { type: "string" },
    to: { type: "string" },
    ...OUTPUT_FLAGS,
  },
  `
Usage: export --store <dir|s3://...> --out <dir|s3://bucket/prefix> [--from DAY] [--to DAY]

Writes the records of the store, one row per request and no address, as Parquet files
partitioned by UTC day (records/dt=YYYY-MM-DD/part-HHMM-NNN.parquet, snappy), and
athena.sql beside records/: the CREATE EXTERNAL TABLE for Athena, with partition
projection on dt. A day's rows are exactly what its daily data.json counts. Re-exporting
a day replaces its files; a crash leaves every file whole (run again to finish). With
--tenant or --tenants, a tenant's records go under --out/E1/, its table named for it.

${settingsHelp(SETTINGS)}
${helpLine("--from <YYYY-MM-DD>", "first UTC day to export (default: the first with data)")}
${helpLine("--to <YYYY-MM-DD>", "last UTC day to export, included (default: the last)")}
${OUTPUT_HELP}`,
);

/** A `--from`/`--to` day as the start of that UTC day. */
function day(flag: "from" | "to", value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(20\d\d)-(\d\d)-(\d\d)$/.exec(value);
  const t = m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : NaN;
  if (!m || new Date(t).toISOString().slice(0, 10) !== value) {
    fail(
      `--${flag} must be a day from 2000-01-01 to 2099-12-31 (YYYY-MM-DD), got "${value}"`,
      USAGE_EXIT,
    );
  }
  return t;
}

const from = day("from", flags.from);
const last = day("to", flags.to);
if (from !== undefined && last !== undefined && last < from) {
  fail(`--to ${flags.to} is before --from ${flags.from}`, USAGE_EXIT);
}
const settings = settingsOf(flags);
const { store, out, single } = configured(() => {
  assertApart(settings);
  return { store: storeFrom(settings), out: outFrom(settings), single: tenantFrom(settings) };
});

const mb = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 0)} MB`;

await runStep(
  flags,
  { store, log: messageLine(), progress: progressLine() },
  // A tenant's records, by --tenant or --tenants alike, go under --out/E1/, in a table of
  // its own.
  (ctx, tenant = single) =>
    exportRecords(ctx, tenant ? prefixedStore(out, tenant) : out, {
      from,
      to: last === undefined ? undefined : last + 86_400_000,
      table: tenant && `${ATHENA_TABLE}_${tenant.toLowerCase().replaceAll("-", "_")}`,
    }),
  (r: ExportResult) =>
    r.first_day === null
      ? "export: nothing exported"
      : r.windows === 0 && r.failures.length === 0
      ? `export: no consolidated data from ${flags.from ?? "the start"} to ${
        flags.to ?? "the end"
      } (the store has ${r.first_day} to ${r.last_day}): only ${r.athena} written`
      : `export: ${r.records} records of ${r.windows} window(s) in ${r.days} day(s): ` +
        `${r.files} file(s), ${mb(r.bytes)}` +
        (r.removed ? `; ${r.removed} file(s) of an earlier export removed` : "") +
        `; the Athena table: ${r.athena}` +
        (r.failures.length ? `; ${r.failures.length} window(s) failed` : ""),
  (r) =>
    r.first_day === null
      ? `${r.store} holds no consolidated data: nothing to export (has the pipeline run on it?)`
      : r.failures.length === 0
      ? undefined
      : `${r.failures.length} window(s) could not be exported: ${
        r.failures.slice(0, 5).map((f) => `${f.window}: ${f.error}`).join("; ")
      }`,
);
