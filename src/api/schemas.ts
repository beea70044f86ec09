/**
 * The API's inputs and outputs as valibot schemas: routes validate with them, the
 * OpenAPI document is generated from them, and handler types are inferred from them.
 * @module
 */
import * as v from "valibot";
import { MAX_EPOCH_S, MIN_EPOCH_S } from "../core/parse-line.ts";
import { DIMENSION_NAMES } from "../core/dimensions.ts";
import { TIMESERIES_METRICS } from "../core/period-metrics.ts";
import { FiguresSchema } from "../core/summary.ts";
import { PERIODS } from "../core/windows.ts";
import { isZoneName } from "../core/zones.ts";

/**
 * Whether `s` is an instant the API can serve: ISO-8601 with a four-digit year, from
 * 2000-01-01 to 2100-01-01 (the span the parser accepts for log timestamps). Years such as
 * 0000 or +275760 parse, but no period key or window exists for them.
 */
export function isServableTime(s: string): boolean {
  const t = Date.parse(s);
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (!m || !(t >= MIN_EPOCH_S * 1000 && t <= MAX_EPOCH_S * 1000)) return false;
  // A day the calendar has: Date.parse reads 2024-02-30 as 1 March.
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** An ISO-8601 instant (or date) as a query parameter. */
export const IsoTime = v.pipe(
  v.string(),
  v.check(isServableTime, "must be an ISO-8601 time from 2000-01-01 to 2100-01-01"),
  v.description("ISO-8601 time from 2000-01-01 to 2100-01-01, e.g. 2024-03-01T00:00:00Z"),
);

const Now = v.optional(
  v.pipe(IsoTime, v.description("the clock for finality (default: the server's clock)")),
);

/** A route whose only input is the clock. */
export const NowQuery = v.object({ now: Now });

/** The pipeline steps the API runs. */
export const STEPS = ["ingest", "consolidate", "aggregate", "archive"] as const;
/** One pipeline step. */
export type StepName = (typeof STEPS)[number];

/** `POST /api/sa/cloudfront/{step}` path. */
export const StepParams = v.object({ step: v.picklist(STEPS) });

/** `POST /api/sa/cloudfront/{step}` query. */
export const StepQuery = v.object({
  now: Now,
  rebuild: v.optional(
    v.pipe(
      v.picklist(["true", "false"]),
      v.description("consolidate and aggregate: rebuild everything from the step before"),
    ),
  ),
});

/** What a pipeline route answers. */
export const StepResponse = v.object({
  step: v.picklist(STEPS),
  started_at: v.string(),
  finished_at: v.string(),
  now: v.string(),
  result: v.record(v.string(), v.unknown()),
});

/** A time zone as a query parameter. */
export const TimeZone = v.pipe(
  v.string(),
  v.check(isZoneName, "must be an IANA time zone name, e.g. Europe/Berlin"),
  v.description(
    "IANA time zone (default UTC): daily and monthly periods begin at its local midnight, and " +
      "a date or a time without an offset in from/to is its local time",
  ),
);

/** The range every traffic route takes. */
export const TrafficQuery = v.object({
  period: v.optional(v.picklist(PERIODS), "daily"),
  from: v.optional(v.pipe(IsoTime, v.description("start of the range (default: see README)"))),
  to: v.optional(v.pipe(IsoTime, v.description("end of the range, exclusive"))),
  tz: v.optional(TimeZone),
  now: Now,
});

/** The metrics a timeseries can show (the period metrics' table). */
export const METRICS = TIMESERIES_METRICS;

/** `GET traffic/timeseries` query. */
export const TimeseriesQuery = v.object({
  ...TrafficQuery.entries,
  metric: v.optional(v.picklist(METRICS), "requests"),
});

/** `GET traffic/breakdown` query: one dimension of the catalogue. */
export const BreakdownQuery = v.object({
  ...TrafficQuery.entries,
  dimension: v.pipe(
    v.picklist(DIMENSION_NAMES),
    v.description("a dimension of the catalogue (DESIGN §4's audience keys)"),
  ),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,4}$/), v.transform(Number), v.minValue(1), v.maxValue(1000)),
    "50",
  ),
});

/** `GET traffic/breakdown`. */
export const BreakdownResponse = v.object({
  period: v.picklist(PERIODS),
  from: v.string(),
  to: v.string(),
  finality: v.lazy(() => FinalitySchema),
  dimension: v.string(),
  kind: v.picklist(["exact", "top"]),
  counts: v.array(v.string()),
  meaning: v.string(),
  /** The log fields the figure needs (what to select when it is not logged). */
  fields: v.array(v.string()),
  /** Null when the dimension's field was not logged in the range. */
  logged: v.boolean(),
  rows: v.array(v.record(v.string(), v.union([v.string(), v.number()]))),
});

/** `GET traffic/top-paths` (and the other list routes) query. */
export const TopQuery = v.object({
  ...TrafficQuery.entries,
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/), v.transform(Number), v.minValue(1), v.maxValue(100)),
    "20",
  ),
});

/**
 * How final the figures of a response are: `final` when every period in the range is
 * final, `partial` when any is still open (its figures were recomputed for this request),
 * `empty` when nothing was logged in the range.
 */
export const FinalitySchema = v.object({
  status: v.picklist(["final", "partial", "empty"]),
  periods: v.number(),
  final: v.number(),
  partial: v.number(),
  empty: v.number(),
});

const Range = {
  period: v.picklist(PERIODS),
  /** The zone the periods' keys and bounds are in. */
  tz: v.string(),
  from: v.string(),
  to: v.string(),
  finality: FinalitySchema,
};

/** `GET traffic/summary`. */
export const SummaryResponse = v.object({ ...Range, summary: FiguresSchema });

/** `GET traffic/timeseries`: one point per period of the range. */
export const TimeseriesResponse = v.object({
  ...Range,
  metric: v.picklist(METRICS),
  points: v.array(v.object({
    key: v.string(),
    start: v.string(),
    end: v.string(),
    value: v.nullable(v.number()),
    status: v.picklist(["final", "partial", "empty"]),
  })),
});

/** `GET traffic/top-paths`. */
export const TopPathsResponse = v.object({
  ...Range,
  estimate: v.string(),
  paths: FiguresSchema.entries.top_paths,
});

const Ranked = (name: string) => v.array(v.object({ [name]: v.string(), requests: v.number() }));

/** `GET traffic/edge-locations`. */
export const EdgeLocationsResponse = v.object({
  ...Range,
  edge_locations: Ranked("edge_location"),
});

/** `GET traffic/status-codes`. */
export const StatusCodesResponse = v.object({
  ...Range,
  status_codes: Ranked("code"),
  status_classes: v.record(v.string(), v.number()),
});

/** `GET cloudfront/status`. */
export const StatusResponse = v.object({
  now: v.string(),
  running: v.nullable(v.object({ step: v.picklist(STEPS), started_at: v.string() })),
  queue: v.object({ objects: v.number(), ingested: v.number(), waiting: v.number() }),
  data: v.object({
    first_window: v.nullable(v.string()),
    last_window: v.nullable(v.string()),
    windows: v.number(),
    pending_windows: v.number(),
  }),
  latest: v.record(
    v.string(),
    v.nullable(v.object({ key: v.string(), status: v.string(), computed_at: v.string() })),
  ),
});

/** The longest key the cache routes take (S3's limit is 1,024 bytes). */
export const MAX_KEY_LENGTH = 1024;
/** The most segments a key may have: the store's own keys have fewer than ten. */
export const MAX_KEY_SEGMENTS = 64;

/**
 * A store key as the cache routes take it: plain segments, nothing that could leave the
 * store, and bounded, so no backend is handed a path it cannot even name.
 */
export const KeySchema = v.pipe(
  v.string(),
  v.maxLength(MAX_KEY_LENGTH, `a store key has at most ${MAX_KEY_LENGTH} characters`),
  v.check(
    (s) => s.split("/").length <= MAX_KEY_SEGMENTS,
    `a store key has at most ${MAX_KEY_SEGMENTS} segments`,
  ),
  v.regex(
    /^[A-Za-z0-9_=-][A-Za-z0-9._=-]*(\/[A-Za-z0-9_=-][A-Za-z0-9._=-]*)*$/,
    "a store key is slash-separated segments of letters, digits and . _ = - (no segment may start with .)",
  ),
);

/** `GET cache/browse/{path}`. */
export const BrowseResponse = v.object({
  dir: v.string(),
  dirs: v.array(v.object({ name: v.string(), path: v.string() })),
  files: v.array(v.object({ key: v.string(), size: v.number() })),
});

/** `GET cache/stats`. */
export const StatsResponse = v.object({
  areas: v.array(v.object({ area: v.string(), keys: v.number(), bytes: v.number() })),
  total: v.object({ keys: v.number(), bytes: v.number() }),
});
