/**
 * The live queue of one tenant: the objects under `{tenant}/` of the source, with keys
 * relative to it (each distribution's Firehose writes under its own prefix).
 * @module
 */
import { isTenantName } from "../store/tenant.ts";
import type { LogSource } from "./source.ts";

/** The part of `source` under `{tenant}/`. */
export function tenantSource(source: LogSource, tenant: string): LogSource {
  if (!isTenantName(tenant)) throw new Error(`invalid tenant name: ${JSON.stringify(tenant)}`);
  const prefix = `${tenant}/`;
  return {
    name: `${source.name.replace(/\/+$/, "")}/${tenant}`,
    async *list() {
      for await (const o of source.list()) {
        if (o.key.startsWith(prefix)) yield { ...o, key: o.key.slice(prefix.length) };
      }
    },
    async stat(key) {
      const o = await source.stat(prefix + key);
      return o && { ...o, key };
    },
    open: (key, version) => source.open(prefix + key, version),
    read: (key, version) => source.read(prefix + key, version),
    delete: (key) => source.delete(prefix + key),
  };
}

/** The tenants that have objects in the queue: the first segments of its keys. */
export async function listTenants(source: LogSource): Promise<string[]> {
  const found = new Set<string>();
  for await (const o of source.list()) {
    const first = o.key.split("/")[0];
    if (o.key.includes("/") && isTenantName(first)) found.add(first);
  }
  return [...found].sort();
}
