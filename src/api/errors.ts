/**
 * The one error shape every API response uses, and the mapping of failures onto it. A
 * client can branch on `error.code`; `error.message` is for a person. Stack traces and
 * internal messages never leave the server.
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import * as v from "valibot";
import { StoredDataError } from "../pipeline/stored.ts";
import { SourceUnavailableError, VersionChangedError } from "../source/source.ts";
import { StoreConflictError } from "../store/store.ts";

/** Machine-readable error codes, one per kind of failure. */
export const ERROR_CODES = [
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "step_running",
  "not_configured",
  "conflict",
  "internal",
] as const;

/** The body of every error response. */
export const ErrorSchema = v.object({
  error: v.object({
    code: v.picklist(ERROR_CODES),
    message: v.string(),
    /** Per-field problems of a bad request; the running step of a 409. */
    details: v.optional(v.unknown()),
  }),
});
/** The body of every error response. */
export type ErrorBody = v.InferOutput<typeof ErrorSchema>;

/** A failure with its HTTP status, thrown by handlers and rendered by {@link onError}. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorBody["error"]["code"],
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Renders an error response. */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: ErrorBody["error"]["code"],
  message: string,
  details?: unknown,
): Response {
  const body: ErrorBody = {
    error: { code, message, ...(details === undefined ? {} : { details }) },
  };
  return c.json(body, status);
}

/** Issues of a failed validation, as `field: message` pairs. */
export function validationDetails(
  issues: ReadonlyArray<{ message: string; path?: ReadonlyArray<unknown> }>,
): Array<{ field: string; message: string }> {
  return issues.map((i) => ({
    field: (i.path ?? []).map((p) =>
      typeof p === "object" && p !== null && "key" in p ? String(p.key) : String(p)
    ).join("."),
    message: i.message,
  }));
}

/**
 * Whether `err` says the store or the log source changed underfoot (another run removed or
 * renamed a file this request had just listed): a race, not a bug, so a retry may succeed.
 */
export function isConflict(err: unknown): boolean {
  if (err instanceof StoreConflictError || err instanceof VersionChangedError) return true;
  // A raw ENOENT from a system call (fs) on something the same request found moments ago.
  const e = err as { code?: unknown; syscall?: unknown } | null;
  return e?.code === "ENOENT" && typeof e.syscall === "string";
}

/** The message of a 409 `conflict`: what happened and what to do, no internal details. */
export const CONFLICT_MESSAGE =
  "the store or the log source changed while this request used it (another run at the same " +
  "time?); try again";

/**
 * The app's error handler: an {@link ApiError} becomes its response; a change underfoot
 * ({@link isConflict}) is a 409 `conflict`; anything else is a bug: logged and answered
 * with a generic 500, never its message or stack.
 */
export function onError(log: (message: string) => void) {
  return (err: Error, c: Context): Response => {
    if (err instanceof ApiError) {
      return errorResponse(c, err.status, err.code, err.message, err.details);
    }
    // A stored input fails validation: named, with what repairs it (not a bug in the code).
    if (err instanceof StoredDataError) {
      return errorResponse(
        c,
        500,
        "internal",
        `${err.message}; remove it and run the step that writes it again`,
      );
    }
    // The server's own queue cannot be listed: its configuration, named in the message.
    if (err instanceof SourceUnavailableError) {
      return errorResponse(c, 409, "not_configured", err.message);
    }
    if (isConflict(err)) {
      log(`conflict: ${c.req.method} ${c.req.path}: ${err.message}`);
      return errorResponse(c, 409, "conflict", CONFLICT_MESSAGE);
    }
    log(`error: ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}`);
    return errorResponse(c, 500, "internal", "internal error; see the server log");
  };
}
