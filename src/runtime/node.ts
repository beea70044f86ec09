/**
 * The Node entry point: the app on `node:http` through @hono/node-server.
 * @module
 */
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import type { Listening } from "./listen.ts";

/** Serves `app` on `hostname:port` (port 0: any free port). */
export function serveNode(app: Hono, hostname: string, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, (info) => {
      resolve({
        url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
    server.once("error", reject);
  });
}
