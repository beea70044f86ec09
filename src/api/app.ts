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
import { viewCache } from "../pipeline/query.ts";
import type { LogSource } from "../source/source.ts";
import { knownTenants, tenantSource } from "../source/tenant.ts";
import type { Store } from "../store/store.ts";
import { isTenantName, prefixedStore, tenantStore } from "../store/tenant.ts";
import { type ApiKey, apiKeyAuth } from "./auth.ts";
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
  /** Accepted API keys, possibly limited to tenants. At least one, or the app is not built. */
  apiKeys: ReadonlyArray<string | ApiKey>;
  /** Several tenants (store/tenant.ts): each directory of the source, or those listed. */
  tenants?: "auto" | readonly string[];
  /** The clock when a request does not pass `now` (default: the system clock). */
  clock?: () => number;
  /** Where unexpected errors are logged (default: stderr). */
  log?: (message: string) => void;
}

/** Builds the app. @throws when no API key is given. */
export function createApp(deps: AppDeps): Hono {
  const auth = apiKeyAuth(deps.apiKeys);
  const log = deps.log ?? ((m: string) => console.error(m));
  const app = new Hono<Env>();
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
  if (deps.tenants) {
    mountTenants(app, { ...deps, tenants: deps.tenants }, log);
    return app as unknown as Hono;
  }
  app.get("/api/sa/tenants", (c) => c.json({ tenants: null }));
  app.use("/api/sa/*", async (c, next) => {
    if (c.get("tenants")) {
      return errorResponse(
        c,
        403,
        "forbidden",
        "this key is limited to tenants; this server has none",
      );
    }
    await next();
  });
  mountApi(app, deps, log);
  return app as unknown as Hono;
}

/** The variables the API key check leaves: the tenants the key may see (all: undefined). */
type Env = { Variables: { tenants: readonly string[] | undefined } };

/** The API's routes over one tenant's (or the only) data. */
function mountApi(app: Hono<Env>, deps: AppDeps, log: (m: string) => void): void {
  const clock = (requested?: string) =>
    requested === undefined ? (deps.clock ?? Date.now)() : Date.parse(requested);
  const views = viewCache();
  app.onError(onError(log));
  app.route("/api/sa/cloudfront", pipelineRoutes(deps, stepLock(), clock));
  app.route("/api/sa/cache", cacheRoutes(deps.store));
  app.route("/api/sa/traffic", trafficRoutes(deps.store, views, clock));
  app.route("/api/sa/alerts", alertRoutes(deps.store, deps.alerts ?? [], views));
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
}

/** How long the tenants found with auto are trusted, and how soon an unknown name looks again. */
const TENANTS_TTL_MS = 60_000;
const TENANTS_RETRY_MS = 5_000;

/**
 * Several tenants: every request under `/api/sa/` names its tenant (`?tenant=`), and is
 * served by that tenant's own app, built over views of the store, the queue and the
 * archive that reach nothing of another tenant's (store/tenant.ts). A key limited to
 * tenants gets 403 for the others.
 */
function mountTenants(
  app: Hono<Env>,
  deps: AppDeps & { tenants: "auto" | readonly string[] },
  log: (m: string) => void,
): void {
  const apps = new Map<string, Hono<Env>>();
  const known = async () =>
    deps.tenants === "auto" ? await knownTenants(deps.store, deps.source) : [...deps.tenants];
  app.get("/api/sa/tenants", async (c) => {
    const allowed = c.get("tenants");
    return c.json({ tenants: (await known()).filter((t) => !allowed || allowed.includes(t)) });
  });
  // With auto, the tenants there are now, looked up again at most every few seconds when
  // a name is not among them: a name that is no tenant is a 404, and builds no app.
  let seen: { at: number; names: Promise<string[]> } | undefined;
  const isKnown = async (tenant: string) => {
    if (deps.tenants !== "auto") return deps.tenants.includes(tenant);
    const now = Date.now();
    if (!seen || now - seen.at > TENANTS_TTL_MS) seen = { at: now, names: known() };
    if ((await seen.names).includes(tenant)) return true;
    if (now - seen.at > TENANTS_RETRY_MS) {
      seen = { at: now, names: known() };
      return (await seen.names).includes(tenant);
    }
    return false;
  };
  app.all("/api/sa/*", async (c) => {
    const tenant = c.req.query("tenant");
    if ((c.req.queries("tenant") ?? []).length > 1) {
      return errorResponse(c, 400, "bad_request", "name one tenant: ?tenant= once", [
        { field: "tenant", message: "given more than once" },
      ]);
    }
    if (!tenant) {
      return errorResponse(
        c,
        400,
        "bad_request",
        "name the tenant: ?tenant= (GET /api/sa/tenants lists them)",
        [
          { field: "tenant", message: "required" },
        ],
      );
    }
    if (!isTenantName(tenant)) {
      return errorResponse(c, 400, "bad_request", `"${tenant}" is not a tenant name`, [
        { field: "tenant", message: "letters, digits, _ and -" },
      ]);
    }
    const allowed = c.get("tenants");
    if (allowed && !allowed.includes(tenant)) {
      return errorResponse(c, 403, "forbidden", `this key may not see tenant ${tenant}`);
    }
    if (!(await isKnown(tenant))) {
      return errorResponse(c, 404, "not_found", `no tenant ${tenant}`);
    }
    let inner = apps.get(tenant);
    if (!inner) {
      inner = new Hono<Env>();
      mountApi(inner, {
        ...deps,
        tenants: undefined,
        store: tenantStore(deps.store, tenant),
        source: deps.source && tenantSource(deps.source, tenant),
        archive: deps.archive &&
          { ...deps.archive, store: prefixedStore(deps.archive.store, tenant) },
      }, log);
      inner.notFound((c) =>
        errorResponse(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`)
      );
      apps.set(tenant, inner);
    }
    return await inner.fetch(c.req.raw);
  });
}
