/**
 * `serve`: the API and the dashboard over a store, on this runtime's HTTP server.
 * The API key comes from CLOUDFRONT_LETS_API_KEY; without one the server does not start.
 */
import process from "node:process";
import { createApp } from "../src/api/app.ts";
import { DEFAULT_STORAGE_CLASS } from "../src/pipeline/archive.ts";
import { appDepsFrom } from "../src/runtime/config.ts";
import { listen } from "../src/runtime/listen.ts";
import {
  COMMON_FLAGS,
  COMMON_HELP,
  configured,
  fail,
  parseFlags,
  progress,
  settingsOf,
} from "./_cli.ts";

const flags = parseFlags(
  {
    ...COMMON_FLAGS,
    host: { type: "string" },
    port: { type: "string" },
    archive: { type: "string" },
    "storage-class": { type: "string" },
    alerts: { type: "string" },
    tenants: { type: "string" },
  },
  `
Usage: serve --store <dir|s3://...> [--source <dir|s3://...>] [--host 127.0.0.1] [--port 8787]

Serves the API under /api/sa/ and the dashboard at / over the store. The API key comes
from CLOUDFRONT_LETS_API_KEY (several keys: comma-separated, 16 characters at least);
without one the server does not start. --source (the live queue) is needed by the ingest,
aggregate and archive routes and by the status; --archive by the archive route. With
--now the server's clock is fixed (reproducible finality). Prints the URL on stdout
(with --json: {"url": ...}) and serves until interrupted.

  --host <address>                      default 127.0.0.1       [CLOUDFRONT_LETS_HOST]
  --port <n>                            default 8787, 0 = any   [CLOUDFRONT_LETS_PORT]
  --archive <dir | s3://bucket/prefix>  archive location        [CLOUDFRONT_LETS_ARCHIVE]
  --storage-class <class>               default ${DEFAULT_STORAGE_CLASS}
  --alerts <file | JSON>                rules for GET /api/sa/alerts [CLOUDFRONT_LETS_ALERTS]
  --tenants <auto | E1,E2>              one tenant per directory of the source; every
                                        API call then names one: ?tenant=  [CLOUDFRONT_LETS_TENANTS]
${COMMON_HELP}`,
);

const host = flags.host ?? process.env.CLOUDFRONT_LETS_HOST ?? "127.0.0.1";
const portText = flags.port ?? process.env.CLOUDFRONT_LETS_PORT ?? "8787";
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  fail(`--port must be a port number, got "${portText}"`, 2);
}
const deps = configured(() => appDepsFrom(settingsOf(flags), process.env, progress));
let server;
try {
  server = await listen(createApp(deps), host, port);
} catch (e) {
  fail(`cannot listen on ${host}:${port}: ${(e as Error).message}`);
}
progress(`serving ${deps.store.name} at ${server.url} (API under /api/sa/, dashboard at /)`);
console.log(flags.json ? JSON.stringify({ url: server.url }) : server.url);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    progress("shutting down");
    server.close().finally(() => process.exit(0));
  });
}
