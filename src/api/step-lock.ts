/**
 * One pipeline step at a time per app instance. Steps are idempotent, but two at once on
 * one store are not coordinated (README, known limits), so a second call does not wait:
 * it gets 409 with the running step, and can retry.
 * @module
 */
import { ApiError } from "./errors.ts";
import type { StepName } from "./schemas.ts";

/** The step that is running. */
export interface Running {
  step: StepName;
  started_at: string;
}

/** The lock: what runs now, and a way to run a step under it. */
export interface StepLock {
  running(): Running | null;
  run<T>(step: Running["step"], at: number, body: () => Promise<T>): Promise<T>;
}

/** A fresh lock. */
export function stepLock(): StepLock {
  let current: Running | null = null;
  return {
    running: () => current,
    async run(step, at, body) {
      if (current) {
        throw new ApiError(
          409,
          "step_running",
          `${current.step} has been running since ${current.started_at}; try again when it ends`,
          current,
        );
      }
      current = { step, started_at: new Date(at).toISOString() };
      try {
        return await body();
      } finally {
        current = null;
      }
    },
  };
}
