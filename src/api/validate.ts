/**
 * Validation at the API's edge: every query and path parameter goes through its valibot
 * schema (the same one the OpenAPI document is generated from), and a failure is a 400
 * in the common error shape, naming each bad field.
 * @module
 */
import type { Context } from "hono";
import { validator } from "hono-openapi";
import type * as v from "valibot";
import { errorResponse, validationDetails } from "./errors.ts";

function hook(result: { success: boolean; error?: unknown }, c: Context) {
  if (result.success) return;
  const details = validationDetails(
    (result.error ?? []) as ReadonlyArray<{ message: string; path?: ReadonlyArray<unknown> }>,
  );
  const message = details.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join("; ");
  return errorResponse(c, 400, "bad_request", message || "invalid request", details);
}

/** Validates the query string with `schema`. */
export const query = <S extends v.GenericSchema>(schema: S) => validator("query", schema, hook);

/** Validates the path parameters with `schema`. */
export const params = <S extends v.GenericSchema>(schema: S) => validator("param", schema, hook);

/** A JSON response whose body is typed by its schema. */
export function json<S extends v.GenericSchema>(
  c: Context,
  _schema: S,
  body: v.InferOutput<S>,
): Response {
  return c.json(body as Record<string, unknown>);
}
