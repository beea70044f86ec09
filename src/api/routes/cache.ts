/**
 * `GET /api/sa/cache/*`: the store as a tree, one entry, and totals per area. Keys come
 * from the raw (still percent-encoded) request path, are decoded once, and must be plain
 * segments: `..`, absolute paths, backslashes and encoded variants of them are refused
 * with 400 before any backend sees them.
 * @module
 */
import { Hono } from "hono";
import { describeRoute, resolver } from "hono-openapi";
import * as v from "valibot";
import { ROOT } from "../../core/keys.ts";
import { InvalidKeyError, type Store } from "../../store/store.ts";
import { ApiError } from "../errors.ts";
import { BrowseResponse, KeySchema, StatsResponse } from "../schemas.ts";
import { json } from "../validate.ts";

/** The key named by the request path after `marker`, checked; "" when there is none. */
function keyAfter(url: string, marker: string): string {
  const path = new URL(url).pathname;
  const at = path.indexOf(marker);
  let raw = at === -1 ? "" : path.slice(at + marker.length);
  if (raw.endsWith("/")) raw = raw.slice(0, -1);
  if (raw === "") return "";
  let key: string;
  try {
    key = raw.split("/").map(decodeURIComponent).join("/");
  } catch {
    throw new ApiError(400, "bad_request", "the key is not valid percent-encoding");
  }
  const checked = v.safeParse(KeySchema, key);
  if (!checked.success) {
    throw new ApiError(400, "bad_request", `invalid key: ${checked.issues[0].message}`);
  }
  return key;
}

/**
 * A store call on a key from the request: a key the backend refuses (too long for the file
 * system, say) is the request's fault, a 400, not a 500.
 */
async function forKey<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (e) {
    if (e instanceof InvalidKeyError) throw new ApiError(400, "bad_request", e.message);
    throw e;
  }
}

/** The 404 for a key that names no entry; one that names a directory says where to look. */
async function noEntry(store: Store, key: string): Promise<ApiError> {
  const below = await forKey(store.browse(`${key}/`));
  if (below.dirs.length === 0 && below.files.length === 0) {
    return new ApiError(404, "not_found", `no entry ${key}`);
  }
  return new ApiError(
    404,
    "not_found",
    `${key} is a directory, not an entry: browse it at /api/sa/cache/browse/${key}`,
  );
}

const CONTENT_TYPES: Record<string, string> = {
  json: "application/json",
  gz: "application/gzip",
  txt: "text/plain; charset=utf-8",
};

/** The area a key counts under in the stats: `raw`, `aggregate/daily`, ... */
function areaOf(key: string): string {
  const rest = key.slice(ROOT.length + 1).split("/");
  return rest[0] === "aggregate" && rest.length > 2 ? `aggregate/${rest[1]}` : rest[0];
}

/** The cache routes over `store`. */
export function cacheRoutes(store: Store) {
  const browse = async (url: string) => {
    const dir = keyAfter(url, "/cache/browse/");
    const prefix = dir === "" ? "" : `${dir}/`;
    const listing = await forKey(store.browse(prefix));
    return {
      dir,
      dirs: listing.dirs.map((name) => ({ name, path: prefix + name })),
      files: listing.files,
    };
  };
  return new Hono()
    .get(
      "/browse/*",
      describeRoute({
        summary: "One level of the store's tree",
        responses: {
          200: {
            description: "sub-directories and keys",
            content: { "application/json": { schema: resolver(BrowseResponse) } },
          },
        },
      }),
      async (c) => json(c, BrowseResponse, await browse(c.req.url)),
    )
    .get("/browse", async (c) => json(c, BrowseResponse, await browse(c.req.url)))
    .get(
      "/entry/*",
      describeRoute({
        summary: "One store entry, as stored",
        responses: { 200: { description: "the bytes, typed by the key's extension" } },
      }),
      async (c) => {
        const key = keyAfter(c.req.url, "/cache/entry/");
        if (key === "") throw new ApiError(400, "bad_request", "name a key after /cache/entry/");
        const body = await forKey(store.get(key));
        if (body === undefined) throw await noEntry(store, key);
        const ext = key.slice(key.lastIndexOf(".") + 1);
        return c.body(body as Uint8Array<ArrayBuffer>, 200, {
          "Content-Type": CONTENT_TYPES[ext] ?? "application/octet-stream",
        });
      },
    )
    .get(
      "/stats",
      describeRoute({
        summary: "Keys and bytes per area of the store",
        responses: {
          200: {
            description: "totals per area",
            content: { "application/json": { schema: resolver(StatsResponse) } },
          },
        },
      }),
      async (c) => {
        const areas = new Map<string, { keys: number; bytes: number }>();
        const total = { keys: 0, bytes: 0 };
        for await (const e of store.list(`${ROOT}/`)) {
          const area = areaOf(e.key);
          const a = areas.get(area) ?? { keys: 0, bytes: 0 };
          a.keys++;
          a.bytes += e.size;
          areas.set(area, a);
          total.keys++;
          total.bytes += e.size;
        }
        return json(c, StatsResponse, {
          areas: [...areas].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([area, a]) => ({
            area,
            ...a,
          })),
          total,
        });
      },
    );
}
