/**
 * Listing store keys grouped by the 30-minute window directory they sit in
 * (`<prefix>{YYYY-MM-DD}/{HH-MM}/...`).
 * @module
 */
import { parseWindowDir } from "../core/keys.ts";
import type { Store } from "../store/store.ts";

/** Window start (epoch ms) → the keys under that window's directory below `prefix`. */
export async function listByWindow(store: Store, prefix: string): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for await (const e of store.list(prefix)) {
    const rest = e.key.slice(prefix.length);
    const start = parseWindowDir(rest.slice(0, rest.lastIndexOf("/")));
    if (start === undefined) continue;
    const keys = out.get(start);
    if (keys) keys.push(e.key);
    else out.set(start, [e.key]);
  }
  return out;
}
