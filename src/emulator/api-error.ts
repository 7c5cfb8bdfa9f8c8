/**
 * Errors the emulated APIs answer with, and the parameter checks that raise them.
 *
 * Tencent Cloud reports an API error as HTTP 200 with `{"Response":{"Error":{"Code","Message"},"RequestId"}}`;
 * the SDK turns that into a `TencentCloudSDKHttpException` carrying `code`. Handlers throw {@link ApiError}
 * and the pipeline (api.ts) wraps it into that envelope.
 */

import type { output, ZodMiniType } from "zod/mini";
import { ENGLISH_MESSAGES } from "./english";

/** An API error as Tencent Cloud reports it: a dotted code such as `LimitExceeded.DailyQuota` and a message. */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Validates an action's parameters against its schema and throws the common error Tencent Cloud uses:
 * `MissingParameter` for an absent required field, `UnknownParameter` for a field the action does not
 * define (the real gateway rejects those, which catches misspelt fields early), and `invalidCode` (the
 * service's own parameter error, e.g. `InvalidParameter.CdnParamError`) for a value of the wrong type or range.
 */
export function parseParams<S extends ZodMiniType>(
  schema: S,
  params: unknown,
  invalidCode = "InvalidParameter",
): output<S> {
  const result = schema.safeParse(params, { ...ENGLISH_MESSAGES, reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new ApiError(invalidCode, "The request parameters are invalid.");
  const field = issue.path.join(".");
  if (issue.code === "unrecognized_keys") {
    const names = issue.keys.map((key) => (field ? `${field}.${key}` : key)).join(", ");
    throw new ApiError("UnknownParameter", `The parameter ${names} is not defined for this action.`);
  }
  // An absent key reads as `input: undefined` (JSON has no undefined, so nothing sent can be undefined).
  if (issue.code === "invalid_type" && issue.input === undefined) {
    throw new ApiError("MissingParameter", `The request is missing a required parameter \`${field}\`.`);
  }
  throw new ApiError(invalidCode, `The parameter \`${field}\` is invalid: ${issue.message}.`);
}

/** Own-property lookup in a table, so that a header value such as `constructor` finds nothing. */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
