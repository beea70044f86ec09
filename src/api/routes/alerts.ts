/**
 * `GET /api/sa/alerts`: every configured rule judged on the most recent windows.
 * @module
 */
import { Hono } from "hono";
import { describeRoute, resolver } from "hono-openapi";
import * as v from "valibot";
import { AlertResultSchema, type AlertRule } from "../../core/alerts.ts";
import { checkAlerts } from "../../pipeline/alerts.ts";
import type { ViewCache } from "../../pipeline/query.ts";
import type { Store } from "../../store/store.ts";
import { calendar } from "../../core/zones.ts";
import { TimeZone } from "../schemas.ts";
import { json, query } from "../validate.ts";

/** `GET /api/sa/alerts` query. */
export const AlertsQuery = v.object({ tz: v.optional(TimeZone) });

/** `GET /api/sa/alerts`. */
export const AlertsResponse = v.object({
  rules: v.array(AlertResultSchema),
  breached: v.number(),
  /** The zone `from` and `to` are written in. */
  tz: v.string(),
});

/** The alert route over `store`. */
export function alertRoutes(store: Store, rules: readonly AlertRule[], cache: ViewCache) {
  return new Hono().get(
    "/",
    describeRoute({
      summary: "The configured alert rules, judged on the most recent windows",
      responses: {
        200: {
          description: "one result per rule: ok, breached or insufficient_data",
          content: { "application/json": { schema: resolver(AlertsResponse) } },
        },
      },
    }),
    query(AlertsQuery),
    async (c) => {
      const cal = calendar(c.req.valid("query").tz ?? "UTC");
      return json(c, AlertsResponse, await checkAlerts(store, rules, cache, cal));
    },
  );
}
