/**
 * `POST /api/sa/cloudfront/{step}` runs a pipeline step (the same code as the scripts) and
 * returns its result; `GET /api/sa/cloudfront/status` shows where the pipeline stands.
 * @module
 */
import { Hono } from "hono";
import { describeRoute, resolver } from "hono-openapi";
import { aggregate } from "../../pipeline/aggregate.ts";
import { archive } from "../../pipeline/archive.ts";
import { consolidate } from "../../pipeline/consolidate.ts";
import { type Context, makeContext } from "../../pipeline/context.ts";
import { ingest } from "../../pipeline/ingest.ts";
import { pipelineStatus } from "../../pipeline/status.ts";
import { ApiError } from "../errors.ts";
import {
  NowQuery,
  StatusResponse,
  type StepName,
  StepParams,
  StepQuery,
  StepResponse,
} from "../schemas.ts";
import type { Running, StepLock } from "../step-lock.ts";
import { json, params, query } from "../validate.ts";
import type { AppDeps } from "../app.ts";

/**
 * The 409 for a call while a step runs. The lock is this server's own: the message says
 * so, since other servers (Lambda instances) over the same store are not held back by it.
 */
export function stepRunning(running: Running): ApiError {
  return new ApiError(
    409,
    "step_running",
    `${running.step} has been running in this server since ${running.started_at}: one step at ` +
      "a time per server (other servers are not coordinated); try again when it ends",
    running,
  );
}

/** The pipeline routes. */
export function pipelineRoutes(deps: AppDeps, lock: StepLock, clock: (now?: string) => number) {
  const contextAt = (now: number): Context => {
    if (!deps.source) {
      throw new ApiError(409, "not_configured", "this server has no --source: the step needs one");
    }
    return makeContext({ ...deps.pipeline, store: deps.store, source: deps.source, now });
  };
  const steps: Record<StepName, (now: number, rebuild: boolean) => Promise<unknown>> = {
    ingest: (now: number) => ingest(contextAt(now)),
    // consolidate reads only the store, never the live queue.
    consolidate: (now: number, rebuild: boolean) =>
      consolidate({
        store: deps.store,
        now,
        graceMs: deps.pipeline?.graceMs,
        log: deps.pipeline?.log ?? (() => {}),
      }, { rebuild }),
    aggregate: (now: number, rebuild: boolean) => aggregate(contextAt(now), { rebuild }),
    archive: (now: number) => {
      if (!deps.archive) {
        throw new ApiError(409, "not_configured", "this server has no --archive location");
      }
      return archive(contextAt(now), deps.archive.store, deps.archive.storageClass);
    },
  };
  return new Hono()
    .post(
      "/:step",
      describeRoute({
        summary: "Run one pipeline step",
        description: "One step at a time per server: a call while any step runs in this " +
          "server gets 409 (step_running); other servers are not coordinated.",
        responses: {
          200: {
            description: "the step's result, as the script's --json prints it",
            content: { "application/json": { schema: resolver(StepResponse) } },
          },
        },
      }),
      params(StepParams),
      query(StepQuery),
      async (c) => {
        const { step } = c.req.valid("param");
        const q = c.req.valid("query");
        const now = clock(q.now);
        const busy = lock.running();
        if (busy) throw stepRunning(busy);
        const startedAt = Date.now();
        const result = await lock.run(
          step,
          startedAt,
          () => steps[step](now, q.rebuild === "true"),
        );
        return json(c, StepResponse, {
          step,
          started_at: new Date(startedAt).toISOString(),
          finished_at: new Date().toISOString(),
          now: new Date(now).toISOString(),
          result: result as unknown as Record<string, unknown>,
        });
      },
    )
    .get(
      "/status",
      describeRoute({
        summary: "Where the pipeline stands",
        responses: {
          200: {
            description: "queue, data span, latest aggregates, running step",
            content: { "application/json": { schema: resolver(StatusResponse) } },
          },
        },
      }),
      query(NowQuery),
      async (c) => {
        const now = clock(c.req.valid("query").now);
        const status = await pipelineStatus(deps.store, deps.source);
        return json(c, StatusResponse, {
          now: new Date(now).toISOString(),
          running: lock.running(),
          ...status,
        });
      },
    );
}
