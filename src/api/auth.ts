/**
 * API key authentication for `/api/sa/*`: the key comes in `x-api-key` or as
 * `Authorization: Bearer <key>`. Keys are compared as SHA-256 digests in constant time, so
 * neither a key's content nor its length leaks through response timing.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { errorResponse } from "./errors.ts";

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** True when the two digests are equal, looking at every byte whatever differs. */
function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** The key a request presents, or undefined. */
export function presentedKey(headers: Headers): string | undefined {
  const key = headers.get("x-api-key");
  if (key) return key;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  return m?.[1];
}

/** A key, and the tenants it may see (all when unset). */
export interface ApiKey {
  key: string;
  tenants?: readonly string[];
}

/**
 * Middleware admitting requests that present one of `keys`; the tenants the key may see
 * are left in the context as `tenants` (undefined: all).
 * @throws when `keys` is empty: a server without a key must not start.
 */
export function apiKeyAuth(
  keys: ReadonlyArray<string | ApiKey>,
): MiddlewareHandler<{ Variables: { tenants: readonly string[] | undefined } }> {
  if (keys.length === 0) throw new Error("no API key configured");
  const entries = keys.map((k) => (typeof k === "string" ? { key: k } : k));
  const wanted = Promise.all(entries.map((e) => digest(e.key)));
  return async (c, next) => {
    const key = presentedKey(c.req.raw.headers);
    if (key === undefined) {
      c.header("WWW-Authenticate", 'Bearer realm="cloudfront-lets"');
      return errorResponse(c, 401, "unauthorized", "an API key is required (x-api-key header)");
    }
    const got = await digest(key);
    let match = -1;
    const all = await wanted;
    for (let i = 0; i < all.length; i++) if (sameDigest(all[i], got)) match = i; // every key, every time
    if (match === -1) {
      c.header("WWW-Authenticate", 'Bearer realm="cloudfront-lets", error="invalid_token"');
      return errorResponse(c, 401, "unauthorized", "the API key is not valid");
    }
    c.set("tenants", entries[match].tenants);
    await next();
  };
}
