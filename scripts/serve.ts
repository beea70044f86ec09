/**
 * `serve`: the API and the dashboard over a store, on this runtime's HTTP server.
 * The API key comes from CLOUDFRONT_LETS_API_KEY; without one the server does not start.
 */
import process from "node:process";
import { createApp } from "../src/api/app.ts";
import { appDepsFrom } from "../src/runtime/config.ts";
import { DEFAULT_HOST, DEFAULT_PORT, settingFlags, settingsHelp } from "../src/runtime/settings.ts";
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

/** What serve takes besides the common settings. */
const SERVE_SETTINGS = ["host", "port", "archive", "storage-class", "alerts"] as const;

const flags = parseFlags(
  { ...COMMON_FLAGS, ...settingFlags(SERVE_SETTINGS) },
  `
Usage: serve --store <dir|s3://...> [--source <dir|s3://...>] [--host 127.0.0.1] [--port 8787]

Serves the API under /api/sa/ and the dashboard at / over the store. The API key comes
from CLOUDFRONT_LETS_API_KEY (several keys: comma-separated, 16 characters at least);
without one the server does not start. --source (the live queue) is needed by the ingest,
aggregate and archive routes and by the status; --archive by the archive route. With
--now the server's clock is fixed (reproducible finality). Prints the URL on stdout
(with --json: {"url": ...}) and serves until interrupted.

With --tenants, every API call names its tenant: ?tenant=E1.

${settingsHelp(SERVE_SETTINGS)}${COMMON_HELP}`,
);

const settings = settingsOf(flags);
const host = settings.host ?? DEFAULT_HOST;
const portText = settings.port ?? String(DEFAULT_PORT);
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  fail(`--port must be a port number, got "${portText}"`, 2);
}
const deps = configured(() => appDepsFrom(settings, process.env, progress));
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
