/**
 * CloudWatch Embedded Metric Format records for a 30-minute window: printed as one JSON
 * line to a Lambda function's log, CloudWatch turns them into metrics with no API call.
 * @module
 */
import { CLOUDWATCH_METRICS, periodMetric } from "./period-metrics.ts";
import type { SummaryState } from "./summary.ts";
import { periodKey } from "./windows.ts";

/** The default namespace of the metrics. */
export const DEFAULT_NAMESPACE = "CloudFrontLets";

/** Metric names and units (the period metrics' table), in the order they are declared. */
const METRICS = CLOUDWATCH_METRICS.map((m) => periodMetric(m).cloudwatch!);

/** One EMF record: the window's figures under `namespace`, with its dimensions. */
export function emfRecord(
  windowStart: number,
  state: SummaryState,
  options: { namespace?: string; dimensions: Record<string, string> },
): EmfRecord {
  // A metric with nothing to measure is sent as 0; a fraction as a percentage.
  const values: Record<string, number> = {};
  for (const m of CLOUDWATCH_METRICS) {
    const [name, unit] = periodMetric(m).cloudwatch!;
    const x = periodMetric(m).value(state) ?? 0;
    values[name] = unit === "Percent" ? Math.round(x * 1e4) / 100 : x;
  }
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
  & Record<string, unknown>;
