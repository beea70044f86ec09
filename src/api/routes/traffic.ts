/**
 * `GET /api/sa/traffic/*`: figures for a range of periods. Every response says how final
 * its figures are; a final aggregate is served as stored, a partial one is recomputed from
 * its children for the request (see pipeline/query.ts).
 * @module
 */
import { type Context, Hono } from "hono";
import { describeRoute, resolver } from "hono-openapi";
import type * as v from "valibot";
import { inputsStamp } from "../../core/finality.ts";
import { metricValue } from "../../core/period-metrics.ts";
import {
  emptyState,
  ESTIMATES,
  figures,
  mergeStates,
  statusClasses,
  type SummaryState,
} from "../../core/summary.ts";
import { iso, type Period } from "../../core/windows.ts";
import { type Calendar, calendar, parseInstant, ZoneError } from "../../core/zones.ts";
import {
  dataSpan,
  finalCover,
  type PeriodView,
  type Query,
  startQuery,
  type ViewCache,
  viewRange,
} from "../../pipeline/query.ts";
import type { Store } from "../../store/store.ts";
import { ApiError } from "../errors.ts";
import { breakdownRows, dimensionLogged } from "../../core/audience.ts";
import { DIMENSION_BY_NAME } from "../../core/dimensions.ts";
import {
  BreakdownQuery,
  BreakdownResponse,
  EdgeLocationsResponse,
  type FinalitySchema,
  StatusCodesResponse,
  SummaryResponse,
  TimeseriesQuery,
  TimeseriesResponse,
  TopPathsResponse,
  TopQuery,
  TrafficQuery,
} from "../schemas.ts";
import { query } from "../validate.ts";

/** How far back a range reaches when `from` is not given. */
const DEFAULT_SPAN_MS: Record<Period, number> = {
  "30min": 24 * 3_600_000,
  hourly: 48 * 3_600_000,
  daily: 31 * 86_400_000,
  monthly: 366 * 86_400_000,
};

/** A resolved range, before its periods are read. */
interface Bounds {
  period: Period;
  from: number;
  to: number;
  /** The zone its daily and monthly periods are in. */
  cal: Calendar;
  query: Query;
}

/** A range and its periods. */
interface Range extends Bounds {
  views: Array<{ key: string; view: PeriodView | undefined }>;
}

/**
 * Resolves a range. Without `to`, it ends with the last period that holds data (or the
 * current one); without `from`, it reaches back {@link DEFAULT_SPAN_MS}. With `tz`, a date
 * or a time without an offset is local time there.
 */
async function resolveRange(
  store: Store,
  cache: ViewCache,
  q: { period: Period; from?: string; to?: string; tz?: string },
  now: number,
): Promise<Bounds> {
  const query = startQuery(store, cache);
  try {
    const cal = calendar(q.tz ?? "UTC");
    let to = q.to === undefined ? undefined : parseInstant(q.to, cal);
    if (to === undefined) {
      const last = (await dataSpan(query))?.last ?? now;
      to = cal.bounds(q.period, cal.key(q.period, last)).end;
    }
    // The default reaches back in local wall time: 31 local days, whatever DST does.
    const from = q.from === undefined
      ? cal.instant(to + cal.offset(to) - DEFAULT_SPAN_MS[q.period])
      : parseInstant(q.from, cal);
    if (!(from < to)) {
      const both = cal.utc ? "" : ` (in ${cal.zone}: from ${iso(from)}, to ${iso(to)})`;
      throw new ApiError(400, "bad_request", `\`from\` must be before \`to\`${both}`);
    }
    return { period: q.period, from, to, cal, query };
  } catch (e) {
    if (e instanceof ZoneError) throw new ApiError(400, "bad_request", e.message);
    throw e;
  }
}

/**
 * Reads every period of a range. (A stored period that fails validation fails the ranges
 * that hold it, with its key named, as errors.ts answers a StoredDataError.)
 */
async function readRange(b: Bounds): Promise<Range> {
  try {
    return { ...b, views: await viewRange(b.query, b.period, b.from, b.to, b.cal) };
  } catch (e) {
    if (e instanceof RangeError) throw new ApiError(400, "bad_request", e.message);
    throw e;
  }
}

function finalityOf(views: Range["views"]): v.InferOutput<typeof FinalitySchema> {
  const f = { periods: views.length, final: 0, partial: 0, empty: 0 };
  for (const { view } of views) f[view?.status ?? "empty"]++;
  const status = f.partial > 0 ? "partial" : f.final > 0 ? "final" : "empty";
  return { status, ...f };
}

function head(r: Range) {
  return {
    period: r.period,
    tz: r.cal.zone,
    from: iso(r.from),
    to: iso(r.to),
    finality: finalityOf(r.views),
  };
}

/** The merged state of every non-empty period of the range. */
function merged(r: Range): SummaryState {
  const states = r.views.flatMap(({ view }) => (view ? [view.state] : []));
  return states.length === 0 ? emptyState() : mergeStates(states);
}

function ranked<K extends string>(counts: Record<string, number>, name: K, limit: number) {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([value, requests]) =>
      ({ [name]: value, requests }) as Record<K, string> & {
        requests: number;
      }
    );
}

/**
 * Answers by route and range, serialized, each with the stamp of what it was computed
 * from: the one meta of a final period covering the range (see {@link finalCover}), or
 * else the stamps of every period's view (a final's `computed_at`, a partial period's
 * inputs). An answer is reused only while its stamp is unchanged, so late data that
 * reopens a period is never hidden; only the merging and rendering are saved.
 */
type AnswerCache = Map<string, { stamp: string; text: string }>;

/** Answers kept at most. */
const ANSWERS_KEPT = 1000;

async function answer<S extends v.GenericSchema>(
  c: Context,
  answers: AnswerCache,
  id: string,
  b: Bounds,
  _schema: S,
  build: (r: Range) => v.InferOutput<S>,
): Promise<Response> {
  const key = `${id}|${b.period}|${b.cal.zone}|${b.from}|${b.to}`;
  // A local period's finality also depends on the watermark: no shortcut for it.
  const cover = b.cal.utc ? await finalCover(b.query, b.period, b.from, b.to) : undefined;
  let text = cover !== undefined && answers.get(key)?.stamp === cover
    ? answers.get(key)!.text
    : undefined;
  if (text === undefined) {
    const r = await readRange(b);
    const stamp = cover ??
      inputsStamp(r.views.map(({ key, view }) => `${key}=${view?.stamp ?? "-"}`));
    const kept = answers.get(key);
    if (kept?.stamp === stamp) text = kept.text;
    else {
      text = JSON.stringify(build(r));
      if (answers.size >= ANSWERS_KEPT) answers.clear();
      answers.set(key, { stamp, text });
    }
  }
  return c.body(text, 200, { "Content-Type": "application/json" });
}

const ok = (schema: v.GenericSchema, description: string) => ({
  200: { description, content: { "application/json": { schema: resolver(schema) } } },
});

/** The traffic routes, reading `store` with the clock `now`. */
export function trafficRoutes(
  store: Store,
  cache: ViewCache,
  clock: (requested?: string) => number,
) {
  const read = (q: { period: Period; from?: string; to?: string; tz?: string; now?: string }) =>
    resolveRange(store, cache, q, clock(q.now));
  const answers: AnswerCache = new Map();
  return new Hono()
    .get(
      "/summary",
      describeRoute({
        summary: "Figures of a range (DESIGN §4)",
        responses: ok(SummaryResponse, "the merged figures of every period in the range"),
      }),
      query(TrafficQuery),
      async (c) => {
        const b = await read(c.req.valid("query"));
        return answer(c, answers, "summary", b, SummaryResponse, (r) => ({
          ...head(r),
          summary: figures(merged(r)),
        }));
      },
    )
    .get(
      "/timeseries",
      describeRoute({
        summary: "One point per period for a metric",
        responses: ok(TimeseriesResponse, "the points, oldest first"),
      }),
      query(TimeseriesQuery),
      async (c) => {
        const q = c.req.valid("query");
        const b = await read(q);
        return answer(c, answers, `timeseries ${q.metric}`, b, TimeseriesResponse, (r) => ({
          ...head(r),
          metric: q.metric,
          points: r.views.map(({ key, view }) => {
            const { start, end } = r.cal.bounds(r.period, key);
            return {
              key,
              start: iso(start),
              end: iso(end),
              value: metricValue(view?.state ?? emptyState(), q.metric),
              status: view?.status ?? "empty" as const,
            };
          }),
        }));
      },
    )
    .get(
      "/top-paths",
      describeRoute({
        summary: "Most requested paths of a range",
        responses: ok(TopPathsResponse, "paths, most requested first"),
      }),
      query(TopQuery),
      async (c) => {
        const q = c.req.valid("query");
        const b = await read(q);
        return answer(c, answers, `top-paths ${q.limit}`, b, TopPathsResponse, (r) => ({
          ...head(r),
          estimate: ESTIMATES.top_paths,
          paths: figures(merged(r)).top_paths.slice(0, q.limit),
        }));
      },
    )
    .get(
      "/edge-locations",
      describeRoute({
        summary: "Requests per edge location",
        responses: ok(EdgeLocationsResponse, "edge locations, busiest first"),
      }),
      query(TopQuery),
      async (c) => {
        const q = c.req.valid("query");
        const b = await read(q);
        return answer(c, answers, `edge-locations ${q.limit}`, b, EdgeLocationsResponse, (r) => ({
          ...head(r),
          edge_locations: ranked(merged(r).edge_locations, "edge_location", q.limit),
        }));
      },
    )
    .get(
      "/breakdown",
      describeRoute({
        summary: "One audience dimension of a range (devices, browsers, pages, referrers...)",
        responses: ok(BreakdownResponse, "the dimension's rows, largest first for top lists"),
      }),
      query(BreakdownQuery),
      async (c) => {
        const q = c.req.valid("query");
        const b = await read(q);
        const d = DIMENSION_BY_NAME.get(q.dimension)!;
        return answer(c, answers, `breakdown ${d.name} ${q.limit}`, b, BreakdownResponse, (r) => {
          const audience = merged(r).audience;
          const logged = dimensionLogged(d, audience);
          return {
            ...head(r),
            dimension: d.name,
            kind: d.kind,
            counts: [...d.counts],
            meaning: d.meaning,
            fields: [...d.fields],
            logged,
            rows: logged ? breakdownRows(d, audience!, q.limit) : [],
          };
        });
      },
    )
    .get(
      "/status-codes",
      describeRoute({
        summary: "Requests per status code and class",
        responses: ok(StatusCodesResponse, "status codes, most frequent first"),
      }),
      query(TopQuery),
      async (c) => {
        const q = c.req.valid("query");
        const b = await read(q);
        return answer(c, answers, `status-codes ${q.limit}`, b, StatusCodesResponse, (r) => {
          const state = merged(r);
          return {
            ...head(r),
            status_codes: ranked(state.status_codes, "code", q.limit),
            status_classes: statusClasses(state),
          };
        });
      },
    );
}
