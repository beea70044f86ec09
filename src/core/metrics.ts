/**
 * CloudWatch Embedded Metric Format records for a 30-minute window: printed as one JSON
 * line to a Lambda function's log, CloudWatch turns them into metrics with no API call.
 * @module
 */
import { cacheHitRatio, statusClasses, type SummaryState, timeTakenAt } from "./summary.ts";
import { periodKey } from "./windows.ts";

/** The default namespace of the metrics. */
export const DEFAULT_NAMESPACE = "CloudFrontLets";

/** Metric names and units, in the order they are declared. */
const METRICS = [
  ["RequestCount", "Count"],
  ["BytesDownloaded", "Bytes"],
  ["ErrorRate4xx", "Percent"],
  ["ErrorRate5xx", "Percent"],
  ["CacheHitRate", "Percent"],
  ["TimeTakenP95", "Milliseconds"],
] as const;

/** One EMF record: the window's figures under `namespace`, with its dimensions. */
export function emfRecord(
  windowStart: number,
  state: SummaryState,
  options: { namespace?: string; dimensions: Record<string, string> },
): EmfRecord {
  const classes = statusClasses(state);
  const rate = (
    n: number,
  ) => (state.requests === 0 ? 0 : Math.round((n / state.requests) * 1e4) / 100);
  const values: Record<(typeof METRICS)[number][0], number> = {
    RequestCount: state.requests,
    BytesDownloaded: state.bytes,
    ErrorRate4xx: rate(classes["4xx"] ?? 0),
    ErrorRate5xx: rate(classes["5xx"] ?? 0),
    CacheHitRate: Math.round(cacheHitRatio(state) * 1e4) / 100,
    TimeTakenP95: timeTakenAt(state, 0.95) ?? 0,
  };
  return {
    _aws: {
      Timestamp: windowStart,
      CloudWatchMetrics: [{
        Namespace: options.namespace ?? DEFAULT_NAMESPACE,
        Dimensions: [Object.keys(options.dimensions)],
        Metrics: METRICS.map(([Name, Unit]) => ({ Name, Unit })),
      }],
    },
    ...options.dimensions,
    Window: periodKey("30min", windowStart),
    ...values,
  };
}

/** An EMF record: the metadata, the dimension values, the window and the metric values. */
export type EmfRecord =
  & {
    _aws: {
      Timestamp: number;
      CloudWatchMetrics: Array<
        {
          Namespace: string;
          Dimensions: string[][];
          Metrics: Array<{ Name: string; Unit: string }>;
        }
      >;
    };
    Window: string;
  }
  & Record<(typeof METRICS)[number][0], number>
  & Record<string, unknown>;
