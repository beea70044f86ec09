/**
 * The one error shape every API response uses, and the mapping of failures onto it. A
 * client can branch on `error.code`; `error.message` is for a person. Stack traces and
 * internal messages never leave the server.
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import * as v from "valibot";

/** Machine-readable error codes, one per kind of failure. */
export const ERROR_CODES = [
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "step_running",
  "not_configured",
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
 * The app's error handler: an {@link ApiError} becomes its response; anything else is
 * logged and answered with a generic 500, never its message or stack.
 */
export function onError(log: (message: string) => void) {
  return (err: Error, c: Context): Response => {
    if (err instanceof ApiError) {
      return errorResponse(c, err.status, err.code, err.message, err.details);
    }
    log(`error: ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}`);
    return errorResponse(c, 500, "internal", "internal error; see the server log");
  };
}
