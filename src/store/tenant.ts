/**
 * Tenants: one deployment, several distributions, each one's data under its own
 * namespace `sa/cloudfront/{tenant}/...`. A tenant is a view of the store in which every
 * key of the single-tenant layout (DESIGN §4) lives under the tenant's prefix, so the
 * whole pipeline and the API run unchanged inside it, and can reach nothing outside it.
 * @module
 */
import { ROOT } from "../core/keys.ts";
import { assertDir, assertKey, InvalidKeyError, type Store, type StoreEntry } from "./store.ts";

/** The directories of the single-tenant layout: no tenant may take one of their names. */
const RESERVED = new Set(["raw", "consolidated", "aggregate", "ledger", "pending"]);

/** What a tenant name may be, for messages. */
export const TENANT_NAME_RULE = "1-64 letters, digits, _ and -, with a letter (a Firehose " +
  `year folder is no tenant); not ${[...RESERVED].join(", ")} or auto`;

/** True for a usable tenant name (see {@link TENANT_NAME_RULE}). */
export function isTenantName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name) && /[A-Za-z]/.test(name) &&
    !RESERVED.has(name.toLowerCase()) && name.toLowerCase() !== "auto";
}

/** The store as tenant `tenant` sees it. @throws on an unusable name */
export function tenantStore(store: Store, tenant: string): Store {
  if (!isTenantName(tenant)) {
    throw new InvalidKeyError(`invalid tenant name: ${JSON.stringify(tenant)}`);
  }
  const root = `${ROOT}/`;
  const base = `${ROOT}/${tenant}/`;
  // Keys outside the layout's root do not exist for a tenant.
  const inside = (key: string) => key.startsWith(root);
  const outer = (key: string) => base + key.slice(root.length);
  const inner = (key: string) => root + key.slice(base.length);
  return {
    name: `${store.name} (tenant ${tenant})`,
    get(key) {
      assertKey(key);
      return inside(key) ? store.get(outer(key)) : Promise.resolve(undefined);
    },
    put(key, body, options) {
      assertKey(key);
      if (!inside(key)) {
        return Promise.reject(new InvalidKeyError(`a tenant writes only under ${root}: ${key}`));
      }
      return store.put(outer(key), body, options);
    },
    delete(key) {
      assertKey(key);
      return inside(key) ? store.delete(outer(key)) : Promise.resolve();
    },
    async *list(prefix): AsyncIterable<StoreEntry> {
      if (!inside(prefix) && !root.startsWith(prefix)) return;
      const from = inside(prefix) ? outer(prefix) : base;
      for await (const e of store.list(from)) yield { key: inner(e.key), size: e.size };
    },
    async browse(dir) {
      assertDir(dir);
      if (inside(dir)) {
        const l = await store.browse(outer(dir));
        return { dirs: l.dirs, files: l.files.map((f) => ({ key: inner(f.key), size: f.size })) };
      }
      // Above the root: the path down to it, and nothing else.
      if (!root.startsWith(dir)) return { dirs: [], files: [] };
      return { dirs: [root.slice(dir.length).split("/")[0]], files: [] };
    },
  };
}

/** The tenants that have data in the store: the tenant directories under the root. */
export async function storeTenants(store: Store): Promise<string[]> {
  return (await store.browse(`${ROOT}/`)).dirs.filter(isTenantName).sort();
}

/** `store` with every key under `{tenant}/`: where one tenant's objects are archived. */
export function prefixedStore(store: Store, tenant: string): Store {
  const p = `${tenant}/`;
  return {
    name: `${store.name}/${tenant}`,
    get: (key) => store.get(p + key),
    put: (key, body, options) => store.put(p + key, body, options),
    delete: (key) => store.delete(p + key),
    ...(store.copyFrom
      ? { copyFrom: (from, key, options) => store.copyFrom!(from, p + key, options) }
      : {}),
    async *list(prefix) {
      for await (const e of store.list(p + prefix)) {
        yield { key: e.key.slice(p.length), size: e.size };
      }
    },
    async browse(dir) {
      const l = await store.browse(p + dir);
      return {
        dirs: l.dirs,
        files: l.files.map((f) => ({ key: f.key.slice(p.length), size: f.size })),
      };
    },
  };
}
