/**
 * Errors, and what to do about them.
 *
 * Tencent's templates retry every error three times, fatal or not, and then once per URL: a quota
 * failure becomes 3 + 3n calls (see prior-art.md). Here every error code is looked up once in a table
 * that says whether retrying can help (`retry`), whether the quota must be re-read (`quota`), whether
 * nothing will change until the user does something (`fatal`; hints.ts says what that is), or whether
 * nobody knows (`unknown`: a code the table lacks, or a bug of ours).
 */

import type { ErrorClass, Provider } from "./model";
import { maskSecrets } from "./redact";

/**
 * Base of every error this project throws: a stable `code` to search the logs for, and `cause`. The
 * message is masked (redact.ts): whatever it quotes, no secret of the environment leaves in it.
 */
export class CosPurgeError extends Error {
  override readonly name: string = "CosPurgeError";
  readonly code: string;

  constructor(message: string, options: { readonly code: string; readonly cause?: unknown }) {
    super(maskSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/** Transport failures get codes in the style of the API's own, so that one table classifies both. */
export const TRANSPORT_CODES = {
  /** Connection refused, reset or dropped; a response that was not JSON. */
  network: "NetworkError",
  /** No complete answer within the request timeout. */
  timeout: "Timeout",
  /** Anything thrown that is neither an SDK error nor ours: a bug, so never retried. */
  unexpected: "UnexpectedError",
} as const;

/**
 * Whether a failed request may still have reached the provider: it timed out or lost its connection
 * after it was sent. Its outcome is unknown, so resending could do the work twice; looking first
 * (`DescribePurgeTasks`) can tell.
 */
export function mayHaveArrived(code: string): boolean {
  return code === TRANSPORT_CODES.timeout || code === TRANSPORT_CODES.network;
}

/** `HttpError.502` for a non-200 answer (a gateway in front of the API, never the API itself). */
export const httpErrorCode = (status: number): string => `HttpError.${status}`;

/** A failed call to a provider API, with what the provider said about it. */
export class ApiError extends CosPurgeError {
  override readonly name = "ApiError";
  readonly provider: Provider;
  readonly action: string;
  readonly httpStatus?: number;
  /** The API's RequestId, what Tencent Cloud support asks for. */
  readonly requestId?: string;

  constructor(context: {
    readonly provider: Provider;
    readonly action: string;
    readonly code: string;
    readonly message: string;
    readonly httpStatus?: number | undefined;
    readonly requestId?: string | undefined;
    readonly cause?: unknown;
  }) {
    super(`${context.action} failed with ${context.code}: ${context.message}`, context);
    this.provider = context.provider;
    this.action = context.action;
    if (context.httpStatus !== undefined) this.httpStatus = context.httpStatus;
    if (context.requestId) this.requestId = context.requestId;
  }
}

/**
 * Normalises whatever an SDK call rejected with (tencent-cloud.md §6):
 * an API error carries `code`, `message` and `requestId`; a non-200 answer carries `httpCode` and no code;
 * a network error or timeout carries neither (the SDK wraps it into a message-only exception).
 *
 * Only the code, the message and the request id are copied, never the thrown object itself: it is not
 * ours, and nothing of the client's configuration may reach a log through it. Secrets are masked in
 * the message all the same.
 */
export function toApiError(provider: Provider, action: string, err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const text = (value: unknown): string | undefined =>
    typeof value === "string" && value !== "" ? value : undefined;
  const fields = (typeof err === "object" && err !== null ? err : {}) as Record<string, unknown>;
  const message = maskSecrets(text(fields.message) ?? String(err));
  const requestId = text(fields.requestId);
  const base = { provider, action, message, requestId };

  if (err instanceof CosPurgeError) return new ApiError({ ...base, code: err.code, cause: err });
  if (typeof fields.httpCode === "number") {
    return new ApiError({ ...base, code: httpErrorCode(fields.httpCode), httpStatus: fields.httpCode });
  }
  const code = text(fields.code);
  if (code !== undefined && isSdkException(fields)) return new ApiError({ ...base, code });
  if (isSdkException(fields) || isTransportError(fields)) {
    // node-fetch says "network timeout at: <url>" or "Response timeout while trying to fetch <url>";
    // "The user aborted a request." is our own per-call signal (providers/sdk.ts `send`) running out.
    const timedOut = /timeout|aborted/i.test(message);
    return new ApiError({ ...base, code: timedOut ? TRANSPORT_CODES.timeout : TRANSPORT_CODES.network });
  }
  return new ApiError({ ...base, code: TRANSPORT_CODES.unexpected });
}

/** `TencentCloudSDKHttpException` always has both (exception/tencent_cloud_sdk_exception.js). */
function isSdkException(fields: Record<string, unknown>): boolean {
  return "requestId" in fields && "traceId" in fields;
}

/** node-fetch's FetchError (an unparsable body escapes the SDK's wrapping) or a Node socket error. */
function isTransportError(fields: Record<string, unknown>): boolean {
  return fields.name === "FetchError" || (typeof fields.code === "string" && /^E[A-Z_]+$/.test(fields.code));
}

/**
 * What else a fatal error condemns: only this request, the rest of its lane, every further call of the
 * same action in the same zone or area, or every call to the provider.
 */
export type FailureScope = "batch" | "lane" | "action" | "provider";

interface ClassRule {
  readonly pattern: RegExp;
  readonly class: ErrorClass;
  readonly scope: FailureScope;
}

/**
 * First match wins, so exceptions precede their families. Codes come from tencent-cloud.md §3–5.
 * `scope` matters only for fatal errors: refused credentials will fail every request to the provider, a
 * refused permission every request of that action (CAM grants per action, and EdgeOne per zone too:
 * `qcs::teo::uin/<uin>:zone/<ZoneId>`), a missing zone every request of the lane, a bad URL only its own request.
 */
const CLASSIFICATION = [
  // Per-second limits (20 requests/s per action): waiting helps.
  { pattern: /^RequestLimitExceeded/, class: "retry", scope: "batch" },
  { pattern: /^UnauthorizedOperation\.OperationTooOften$/, class: "retry", scope: "batch" },
  { pattern: /^(InternalError|ServiceUnavailable)/, class: "retry", scope: "batch" },
  { pattern: /^(NetworkError|Timeout)$/, class: "retry", scope: "batch" },
  // A gateway in front of the API: 5xx and 429 are temporary, other 4xx are not.
  { pattern: /^HttpError\.(5\d\d|429)$/, class: "retry", scope: "batch" },
  { pattern: /^HttpError\.4\d\d$/, class: "fatal", scope: "batch" },
  // The plan does not include URL purge at all: no quota will ever fit.
  { pattern: /^LimitExceeded\.PackNotAllow$/, class: "fatal", scope: "lane" },
  { pattern: /^LimitExceeded\..*(Quota|Limit)/, class: "quota", scope: "batch" },
  { pattern: /^AuthFailure/, class: "fatal", scope: "provider" },
  // Ours, raised before any call (credentials.ts): no variable changes while the instance runs.
  { pattern: /^(MissingCredentials$|InvalidCredentials\.)/, class: "fatal", scope: "provider" },
  // CDN: a sub-account may be allowed some domains and not others; other batches may hold other domains.
  { pattern: /^UnauthorizedOperation\.CdnHostUnauthorized$/, class: "fatal", scope: "batch" },
  // A policy may allow CreatePurgeTask and not CreatePrefetchTask, PurgeUrlsCache and not PurgePathCache.
  { pattern: /^UnauthorizedOperation/, class: "fatal", scope: "action" },
  // The code for an unknown ZoneId is unconfirmed (tencent-cloud.md §3): any of the candidates.
  { pattern: /ZoneNotFound$|^ResourceNotFound$/, class: "fatal", scope: "lane" },
  {
    pattern: /^(InvalidParameter|MissingParameter|UnknownParameter|ResourceNotFound)/,
    class: "fatal",
    scope: "batch",
  },
] as const satisfies readonly ClassRule[];

/**
 * Codes with which a provider refuses a whole request because of a target in it (a spelling it will not
 * take, a URL too long, a wildcard, a host the account lacks or may not purge): the other targets are
 * fine, so the request is split until the refused target is alone (execute/split.ts). EdgeOne reports a
 * domain not on the zone in `FailedList` instead, and the call succeeds (tencent-cloud.md §3).
 */
const TARGET_REFUSALS =
  /^(InvalidParameter\.(Target|CdnParamError|CdnUrlExceedLength|CdnPurgeWildcardNotAllowed)|ResourceNotFound\.CdnHostNotExists|UnauthorizedOperation\.CdnHostUnauthorized)$/;

/** Whether `code` may refuse a request for one of its targets alone (see `TARGET_REFUSALS`). */
export const refusesTarget = (code: string): boolean => TARGET_REFUSALS.test(code);

/**
 * Unknown codes (a code Tencent added, `UnexpectedError` from a bug of ours) are neither retried at once,
 * since retrying what we do not understand is how quota disappears, nor given up: a purge dropped for a
 * reason nobody understood is a purge silently lost. They wait in the backlog with backoff, counting
 * tries, until "backlog overdue" raises them (backlog/backoff.ts).
 */
const UNKNOWN: Omit<ClassRule, "pattern"> = { class: "unknown", scope: "batch" };

const ruleFor = (code: string): Omit<ClassRule, "pattern"> =>
  CLASSIFICATION.find((rule) => rule.pattern.test(code)) ?? UNKNOWN;

/**
 * Whether retrying can help (`retry`), the quota must be re-read first (`quota`), nothing will change
 * until the user acts (`fatal`), or the code is not in the table (`unknown`: kept and tried later).
 *
 * @example classifyApiError("LimitExceeded.BatchQuota") // "quota"
 */
export function classifyApiError(code: string): ErrorClass {
  return ruleFor(code).class;
}

/** Which requests a fatal error condemns besides its own (see `FailureScope`). */
export function failureScope(code: string): FailureScope {
  return ruleFor(code).scope;
}

/**
 * The key under which a fatal `code` stops further calls (`provider` or `action` scope), so that the
 * executor and the CLI stop the same calls; `undefined` when it stops none beyond its own lane.
 */
export function stopKey(code: string, call: StoppableCall): string | undefined {
  const scope = failureScope(code);
  if (scope === "provider") return call.provider;
  if (scope === "action") return actionKey(call);
  return undefined;
}

/** The keys an earlier failure may have stopped `call` under (see `stopKey`). */
export const stopKeysOf = (call: StoppableCall): readonly string[] => [call.provider, actionKey(call)];

/** One API action in one zone (EdgeOne) or area (CDN). */
interface StoppableCall {
  readonly provider: Provider;
  readonly action: string;
  readonly scope: string;
}

const actionKey = (call: StoppableCall): string => `${call.provider} ${call.action} ${call.scope}`;

/**
 * Which quota a quota error is about: too many targets in one request (`batch`: split smaller) or in
 * one day (`daily`: wait for 00:00 UTC+8). A quota code that names neither counts as daily, the
 * cautious reading: re-read the quota, submit what fits. `undefined` for codes that are not quota errors.
 */
export function quotaKind(code: string): "batch" | "daily" | undefined {
  if (classifyApiError(code) !== "quota") return undefined;
  return /Batch/.test(code) ? "batch" : "daily";
}
