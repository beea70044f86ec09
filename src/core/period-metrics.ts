/**
 * The scalar metrics of a period: one table from which alert rules, the timeseries route
 * and the CloudWatch records (metrics.ts) take their names and values, so that a metric
 * means the same everywhere. Rates are fractions (0.05 is 5%), null without requests.
 * @module
 */
import { cacheHitRatio, statusClasses, type SummaryState, timeTakenAt } from "./summary.ts";

/** One metric: how it is read from a state, and where it is offered. */
export interface PeriodMetric {
  readonly value: (s: SummaryState) => number | null;
  /** Judged by alert rules. */
  readonly alert: boolean;
  /** Offered by `traffic/timeseries`. */
  readonly timeseries: boolean;
  /** Its CloudWatch name and unit (percent metrics are sent as percentages). */
  readonly cloudwatch?: readonly [
    name: string,
    unit: "Count" | "Bytes" | "Percent" | "Milliseconds",
  ];
}

const rate = (s: SummaryState, cls: string) =>
  s.requests === 0 ? null : (statusClasses(s)[cls] ?? 0) / s.requests;

/** Every metric, by name. */
export const PERIOD_METRICS = {
  requests: {
    value: (s) => s.requests,
    alert: true,
    timeseries: true,
    cloudwatch: ["RequestCount", "Count"],
  },
  bytes: {
    value: (s) => s.bytes,
    alert: true,
    timeseries: true,
    cloudwatch: ["BytesDownloaded", "Bytes"],
  },
  errors_4xx: { value: (s) => statusClasses(s)["4xx"] ?? 0, alert: false, timeseries: true },
  errors_5xx: { value: (s) => statusClasses(s)["5xx"] ?? 0, alert: false, timeseries: true },
  error_rate_4xx: {
    value: (s) => rate(s, "4xx"),
    alert: true,
    timeseries: false,
    cloudwatch: ["ErrorRate4xx", "Percent"],
  },
  error_rate_5xx: {
    value: (s) => rate(s, "5xx"),
    alert: true,
    timeseries: false,
    cloudwatch: ["ErrorRate5xx", "Percent"],
  },
  cache_hit_ratio: {
    value: (s) => (s.requests === 0 ? null : cacheHitRatio(s)),
    alert: true,
    timeseries: true,
    cloudwatch: ["CacheHitRate", "Percent"],
  },
  time_taken_p95: {
    value: (s) => timeTakenAt(s, 0.95),
    alert: true,
    timeseries: true,
    cloudwatch: ["TimeTakenP95", "Milliseconds"],
  },
  page_views: { value: (s) => s.audience?.page_views ?? null, alert: true, timeseries: true },
  entries: { value: (s) => s.audience?.entries ?? null, alert: true, timeseries: true },
} as const satisfies Record<string, PeriodMetric>;

/** A metric's name. */
export type PeriodMetricName = keyof typeof PERIOD_METRICS;

/** A metric's definition, by name. */
export function periodMetric(name: PeriodMetricName): PeriodMetric {
  return PERIOD_METRICS[name];
}

const names = (f: (m: PeriodMetric) => boolean) =>
  (Object.keys(PERIOD_METRICS) as PeriodMetricName[]).filter((n) => f(periodMetric(n)));

/** The metrics alert rules can watch. */
export const ALERT_METRICS = names((m) => m.alert) as [PeriodMetricName, ...PeriodMetricName[]];
/** The metrics a timeseries can show. */
export const TIMESERIES_METRICS = names((m) => m.timeseries) as [
  PeriodMetricName,
  ...PeriodMetricName[],
];
/** The metrics sent to CloudWatch, in the order they are declared there. */
export const CLOUDWATCH_METRICS = names((m) => m.cloudwatch !== undefined);

/** The value of `metric` in `state`, or null when there is nothing to measure. */
export function metricValue(state: SummaryState, metric: PeriodMetricName): number | null {
  return PERIOD_METRICS[metric].value(state);
}
