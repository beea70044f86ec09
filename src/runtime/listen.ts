/**
 * Serves the app with the runtime it runs in: `Deno.serve` under Deno, `node:http`
 * (@hono/node-server) under Node.
 * @module
 */
import type { Hono } from "hono";

/** A running server. */
export interface Listening {
  url: string;
  close: () => Promise<void>;
}

/** Serves `app` on `hostname:port` with this runtime's server. */
export async function listen(app: Hono, hostname: string, port: number): Promise<Listening> {
  if ("Deno" in globalThis) return (await import("./deno.ts")).serveDeno(app, hostname, port);
  return (await import("./node.ts")).serveNode(app, hostname, port);
}
