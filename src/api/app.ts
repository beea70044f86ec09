/**
 * The Hono app: one factory, given its dependencies, served unchanged by every entry
 * point in `src/runtime/` (Deno, Node, AWS Lambda) and driven by `app.request()` in tests.
 *
 * Routes (DESIGN §7): `GET /healthz` (no key), the dashboard at `/`, and under
 * `/api/sa/` (API key required): `cloudfront/*` (pipeline steps and status), `cache/*`
 * (the store), `traffic/*` (figures), `openapi.json`.
 * @module
 */
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { openAPIRouteHandler } from "hono-openapi";
import type { AlertRule } from "../core/alerts.ts";
import type { Context } from "../pipeline/context.ts";
import type { FinalCache } from "../pipeline/query.ts";
import type { LogSource } from "../source/source.ts";
import type { Store } from "../store/store.ts";
import { apiKeyAuth } from "./auth.ts";
import { DASHBOARD_CSS, DASHBOARD_HTML, DASHBOARD_JS } from "./dashboard/assets.ts";
import { errorResponse, onError } from "./errors.ts";
import { alertRoutes } from "./routes/alerts.ts";
import { cacheRoutes } from "./routes/cache.ts";
import { pipelineRoutes } from "./routes/pipeline.ts";
import { trafficRoutes } from "./routes/traffic.ts";
import { stepLock } from "./step-lock.ts";

/** What the app is built from. */
export interface AppDeps {
  store: Store;
  /** The live queue: ingest, aggregate (finality), archive and the status need it. */
  source?: LogSource;
  /** Where archive copies go. */
  archive?: { store: Store; storageClass: string };
  /** How steps parse and finalize, and where their progress goes. */
  pipeline?: Partial<Pick<Context, "parse" | "graceMs" | "maxLagMs" | "log">>;
  /** Alert rules judged by `GET /api/sa/alerts`. */
  alerts?: readonly AlertRule[];
  /** Accepted API keys. At least one: without a key the app is not built. */
  apiKeys: readonly string[];
  /** The clock when a request does not pass `now` (default: the system clock). */
  clock?: () => number;
  /** Where unexpected errors are logged (default: stderr). */
  log?: (message: string) => void;
}

/** Builds the app. @throws when no API key is given. */
export function createApp(deps: AppDeps): Hono {
  const auth = apiKeyAuth(deps.apiKeys);
  const log = deps.log ?? ((m: string) => console.error(m));
  const clock = (requested?: string) =>
    requested === undefined ? (deps.clock ?? Date.now)() : Date.parse(requested);
  const finals: FinalCache = new Map();

  const app = new Hono();
  app.onError(onError(log));
  app.notFound((c) => errorResponse(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    }),
  );

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/", (c) => c.html(DASHBOARD_HTML));
  app.get("/dashboard.js", (c) => c.body(DASHBOARD_JS, 200, { "Content-Type": "text/javascript" }));
  app.get("/dashboard.css", (c) => c.body(DASHBOARD_CSS, 200, { "Content-Type": "text/css" }));

  app.use("/api/sa/*", auth);
  app.route("/api/sa/cloudfront", pipelineRoutes(deps, stepLock(), clock));
  app.route("/api/sa/cache", cacheRoutes(deps.store));
  app.route("/api/sa/traffic", trafficRoutes(deps.store, finals, clock));
  app.route("/api/sa/alerts", alertRoutes(deps.store, deps.alerts ?? [], finals));
  app.get(
    "/api/sa/openapi.json",
    openAPIRouteHandler(app, {
      documentation: {
        info: {
          title: "cloudfront-lets",
          version: "1",
          description: "Privacy-safe traffic analytics from CloudFront real-time logs (LETS).",
        },
        components: {
          securitySchemes: {
            apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
            bearer: { type: "http", scheme: "bearer" },
          },
        },
        security: [{ apiKey: [] }, { bearer: [] }],
      },
    }),
  );
  return app;
}
