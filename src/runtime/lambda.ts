/**
 * The AWS Lambda entry point (API Gateway HTTP API v2 and Function URL events) through
 * `hono/aws-lambda`. The app is built once per container from `CLOUDFRONT_LETS_*`
 * variables; without an API key the handler refuses every request with 500 and says why
 * in the log, rather than serve an open API.
 * @module
 */
import { handle } from "hono/aws-lambda";
import type { LambdaEvent } from "hono/aws-lambda";
import process from "node:process";
import { type AppDeps, createApp } from "../api/app.ts";
import { appDepsFrom, withEnv } from "./config.ts";

/** A Lambda handler serving the app built from `deps`. */
export function lambdaHandler(deps: AppDeps): ReturnType<typeof handle> {
  return handle(createApp(deps));
}

let built: ReturnType<typeof handle> | undefined;

/** The deployed handler: the app from the function's environment. */
export const handler = (event: LambdaEvent, context?: Parameters<ReturnType<typeof handle>>[1]) => {
  built ??= lambdaHandler(
    appDepsFrom(withEnv({}, process.env), process.env, (m) => console.error(m)),
  );
  return built(event, context);
};
