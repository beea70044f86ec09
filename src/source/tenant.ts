/**
 * The live queue of one tenant: the objects whose name begins with its distribution id, or
 * that lie under its directory `{tenant}/` (keys then relative to it).
 * @module
 */
import { isTenantName, storeTenants } from "../store/tenant.ts";
import type { Store } from "../store/store.ts";
import type { LogSource } from "./source.ts";

/** A CloudFront distribution id at the start of a standard log's name: `E2EXAMPLE.2024-03-01-10.…`. */
const DISTRIBUTION_NAME = /^(E[A-Z0-9]{6,19})\.\d{4}-\d{2}-\d{2}-\d{2}\./;

/** The distribution id a standard log's name begins with, or undefined. */
function distributionOf(key: string): string | undefined {
  return DISTRIBUTION_NAME.exec(key.slice(key.lastIndexOf("/") + 1))?.[1];
}

/**
 * The tenant of a queue key: the distribution id its name begins with (standard logs of
 * several distributions in one prefix), else its first directory (a Firehose prefix per
 * distribution); undefined when neither names a usable tenant.
 */
export function tenantOfKey(key: string): string | undefined {
  const fromName = distributionOf(key);
  if (fromName !== undefined) return fromName;
  const first = key.split("/")[0];
  return key.includes("/") && isTenantName(first) ? first : undefined;
}

/** A key of the queue as tenant `tenant` sees it (its directory, if that names it, dropped). */
export function keyInTenant(key: string, tenant: string): string {
  return distributionOf(key) === tenant ? key : key.slice(tenant.length + 1);
}

/** The part of `source` that is tenant `tenant`'s (see {@link tenantOfKey}). */
export function tenantSource(source: LogSource, tenant: string): LogSource {
  if (!isTenantName(tenant)) throw new Error(`invalid tenant name: ${JSON.stringify(tenant)}`);
  // Keys named by their distribution keep their whole path; the others lose the directory.
  const outer = (key: string) => (distributionOf(key) === tenant ? key : `${tenant}/${key}`);
  return {
    name: `${source.name.replace(/\/+$/, "")}/${tenant}`,
    async *list() {
      for await (const o of source.list()) {
        if (tenantOfKey(o.key) === tenant) yield { ...o, key: keyInTenant(o.key, tenant) };
      }
    },
    async stat(key) {
      const o = await source.stat(outer(key));
      return o && { ...o, key };
    },
    open: (key, version) => source.open(outer(key), version),
    read: (key, version) => source.read(outer(key), version),
    delete: (key) => source.delete(outer(key)),
    ...(source.locate
      ? { locate: (key: string, version?: string) => source.locate!(outer(key), version) }
      : {}),
  };
}

/** The tenants that have objects in the queue. */
export async function listTenants(source: LogSource): Promise<string[]> {
  const found = new Set<string>();
  for await (const o of source.list()) {
    const t = tenantOfKey(o.key);
    if (t !== undefined) found.add(t);
  }
  return [...found].sort();
}

/** Every tenant with data in `store` or objects in `source` (what `auto` means), sorted. */
export async function knownTenants(store: Store, source?: LogSource): Promise<string[]> {
  const all = new Set([...await storeTenants(store), ...(source ? await listTenants(source) : [])]);
  return [...all].sort();
}
