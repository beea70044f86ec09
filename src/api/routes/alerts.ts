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
import { json } from "../validate.ts";

/** `GET /api/sa/alerts`. */
export const AlertsResponse = v.object({
  rules: v.array(AlertResultSchema),
  breached: v.number(),
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
    async (c) => json(c, AlertsResponse, await checkAlerts(store, rules, cache)),
  );
}
