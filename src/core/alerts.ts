/**
 * Alert rules: a threshold on one metric of the most recent windows. A rule is evaluated
 * on the merged figures of its windows, and only when they hold enough requests for the
 * figure to mean something; otherwise it says so instead of passing or failing.
 * @module
 */
import * as v from "valibot";
import { ALERT_METRICS, metricValue } from "./period-metrics.ts";
import type { SummaryState } from "./summary.ts";

export { ALERT_METRICS, metricValue };

/** One rule, as configured. */
export const AlertRuleSchema = v.object({
  name: v.pipe(v.string(), v.minLength(1)),
  metric: v.picklist(ALERT_METRICS),
  comparison: v.picklist([">", ">=", "<", "<="]),
  threshold: v.number(),
  /** How many of the most recent 30-minute windows with data the rule looks at. */
  windows: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1488)), 1),
  /** Below this many requests in those windows the rule is not judged. */
  min_requests: v.optional(v.pipe(v.number(), v.minValue(0)), 0),
});
/** One alert rule. */
export type AlertRule = v.InferOutput<typeof AlertRuleSchema>;

/** Rules judged at most: every check reads their windows, so their number is bounded. */
export const MAX_RULES = 1000;

/** The configured rules (a JSON array). */
export const AlertRulesSchema = v.pipe(
  v.array(AlertRuleSchema),
  v.maxLength(MAX_RULES, `at most ${MAX_RULES} rules`),
);

/** What one rule found. */
export const AlertResultSchema = v.object({
  name: v.string(),
  metric: v.picklist(ALERT_METRICS),
  comparison: v.string(),
  threshold: v.number(),
  value: v.nullable(v.number()),
  requests: v.number(),
  status: v.picklist(["ok", "breached", "insufficient_data"]),
  /** The windows looked at: first start and last end (ISO), or null without data. */
  from: v.nullable(v.string()),
  to: v.nullable(v.string()),
});
/** What one rule found. */
export type AlertResult = v.InferOutput<typeof AlertResultSchema>;

const COMPARE: Record<AlertRule["comparison"], (a: number, b: number) => boolean> = {
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
};

/** Judges one rule on the merged state of its windows. */
export function evaluateRule(
  rule: AlertRule,
  state: SummaryState,
  span: { from: string; to: string } | null,
): AlertResult {
  const value = metricValue(state, rule.metric);
  const judged = span !== null && value !== null && state.requests >= rule.min_requests;
  return {
    name: rule.name,
    metric: rule.metric,
    comparison: rule.comparison,
    threshold: rule.threshold,
    value,
    requests: state.requests,
    status: !judged
      ? "insufficient_data"
      : COMPARE[rule.comparison](value, rule.threshold)
      ? "breached"
      : "ok",
    from: span?.from ?? null,
    to: span?.to ?? null,
  };
}
