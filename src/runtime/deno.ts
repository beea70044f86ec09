/**
 * The Deno entry point: the app on `Deno.serve`.
 * @module
 */
import type { Hono } from "hono";
import type { Listening } from "./listen.ts";

/** Serves `app` on `hostname:port` (port 0: any free port). */
export function serveDeno(app: Hono, hostname: string, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    try {
      const server = Deno.serve({
        hostname,
        port,
        onListen: ({ port }) =>
          resolve({
            url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`,
            close: () => server.shutdown(),
          }),
      }, app.fetch);
    } catch (e) {
      reject(e);
    }
  });
}
