/**
 * The AWS Lambda entry point. One handler, dispatching on the event's shape: HTTP (API
 * Gateway HTTP API v2 and Function URL events) goes to the Hono app through
 * `hono/aws-lambda`; S3, SQS, SNS, Kinesis and EventBridge schedule events go to
 * `handleEvent` (events.ts). Both are built once per container from `CLOUDFRONT_LETS_*`
 * variables. The HTTP side needs an API key: without one, HTTP invocations fail (and the
 * log says why) rather than serve an open API.
 * @module
 */
import { handle } from "hono/aws-lambda";
import type { LambdaContext, LambdaEvent } from "hono/aws-lambda";
import process from "node:process";
import { type AppDeps, createApp } from "../api/app.ts";
import { emfRecord } from "../core/metrics.ts";
import { appDepsFrom, archiveFrom, contextFrom, tenantOf, tenantsFrom, withEnv } from "./config.ts";
import { type EventDeps, type EventResult, handleEvent, kindOf } from "./events.ts";

/** A Lambda handler serving the app built from `deps`. */
export function lambdaHandler(deps: AppDeps): ReturnType<typeof handle> {
  return handle(createApp(deps));
}

const log = (m: string) => console.error(m);
let http: ReturnType<typeof handle> | undefined;
let events: EventDeps | undefined;

/** The deployed handler. */
export async function handler(
  event: unknown,
  context?: LambdaContext,
): Promise<Awaited<ReturnType<ReturnType<typeof handle>>> | EventResult> {
  const settings = withEnv({}, process.env);
  if (kindOf(event) === "http") {
    http ??= lambdaHandler(appDepsFrom(settings, process.env, log));
    return await http(event as LambdaEvent, context);
  }
  if (!events) {
    // Every window an event changes is reported as CloudWatch metrics (EMF on stdout),
    // with the tenant as dimension.
    const namespace = settings["metrics-namespace"];
    const metricsFor =
      (tenant: string | undefined) => (window: number, state: Parameters<typeof emfRecord>[1]) =>
        console.log(
          JSON.stringify(
            emfRecord(window, state, {
              namespace,
              dimensions: { Tenant: tenant ?? tenantOf(settings) },
            }),
          ),
        );
    events = {
      ctx: { ...contextFrom(settings, log), metrics: metricsFor(undefined) },
      archive: archiveFrom(settings),
      tenants: tenantsFrom(settings),
      metricsFor,
    };
  }
  // The clock of each invocation, unless CLOUDFRONT_LETS_NOW fixes it.
  const now = settings.now === undefined ? Date.now() : events.ctx.now;
  return await handleEvent({ ...events, ctx: { ...events.ctx, now } }, event);
}
