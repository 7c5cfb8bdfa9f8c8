/**
 * One API request, attempted until it succeeds, fails in a way retrying cannot fix, runs out of
 * attempts, or would not finish before the deadline. The timing itself is in retry.ts.
 */
import type { Clock } from "../foundation/clock";
import { type ApiError, classifyApiError, mayHaveArrived, toApiError } from "../foundation/errors";
import type { Logger } from "../foundation/log";
import type { CallOptions, ErrorClass, LaneKey } from "../foundation/model";
import type { RateLimiter } from "./rate-limit";
import { backoffDelay, fitsBeforeDeadline, minimumDelay } from "./retry";

export interface AttemptContext {
  readonly clock: Clock;
  /** Epoch ms by which every call must have finished. */
  readonly deadline: number;
  /** Longest one call may take; shortened to the time left before the deadline. */
  readonly requestTimeoutMs: number;
  /** Attempts per request for retryable errors (1 = no retry). */
  readonly maxAttempts: number;
  readonly limiter: RateLimiter;
  readonly log: Logger;
  /** For backoff jitter; default `Math.random`. */
  readonly random?: () => number;
  /**
   * Give up at once on a rate-limit refusal instead of backing off: the limit is the account's, so
   * when other instances are purging too, waiting for a slot competes with them (`PURGE_MODE=auto`
   * queues the targets for one drain instead).
   */
  readonly yieldOnRateLimit?: boolean;
}

/** How a request ended; `attempts` counts the calls actually made. */
export type Outcome<T> =
  | { readonly kind: "ok"; readonly value: T; readonly attempts: number }
  | {
      readonly kind: "failed";
      readonly error: ApiError;
      readonly class: ErrorClass;
      readonly attempts: number;
      /** When the last call was sent (epoch ms). */
      readonly lastSentAt: number;
    }
  | {
      readonly kind: "deadline";
      readonly lastError: ApiError | undefined;
      readonly attempts: number;
      /** When the last call was sent (epoch ms), if one was. */
      readonly lastSentAt?: number;
    };

/**
 * Shortest time worth giving a call. An EdgeOne or CDN call answers in well under a second; SCF's default
 * function timeout is 3 s, so a call must be allowed to start with less than the full request timeout
 * left. Its timeout is then cut to the time that is left.
 */
export const MIN_CALL_MS = 1_000;

/**
 * Makes `call` under the rate limit of `action`, retrying with backoff while the error class is `retry`.
 * Never starts a call, nor a wait before one, that could not end by the deadline: each call's timeout
 * is the request timeout or the time left, whichever is shorter.
 *
 * Each call is logged at `debug` ("api request": action, lane, `targets` when given, attempt, latency,
 * the API's RequestId as `apiRequestId`, and `outcome`, "ok" or the error code), so that
 * `PURGE_LOG_LEVEL=debug` shows every request an invocation made.
 */
/** What a purge request adds to a plain call. */
export interface RequestExtras<T> {
  /**
   * After a call that may have arrived although it failed (`mayHaveArrived`), asked before it is sent
   * again: the result the provider would have answered, when it can be found out (a purge task that
   * exists), so that the work is not done twice; `undefined` when not found.
   */
  readonly recover?: (sentAt: number, options: CallOptions) => Promise<T | undefined>;
  /** Targets the call carries, for the debug line (a purge request; not a quota read). */
  readonly targets?: number;
}

export async function callWithRetries<T>(
  context: AttemptContext,
  lane: LaneKey,
  action: string,
  call: (options: CallOptions) => Promise<T>,
  extras: RequestExtras<T> = {},
): Promise<Outcome<T>> {
  const { clock, deadline, requestTimeoutMs, maxAttempts, log } = context;
  const { recover, targets } = extras;
  const minCallMs = Math.min(requestTimeoutMs, MIN_CALL_MS);
  const latestStart = deadline - minCallMs;
  // Only the lane's key: callers pass the whole `Lane`, whose target list does not belong in every line.
  const where = { provider: lane.provider, scope: lane.scope, type: lane.type ?? "purge_url" };
  let lastError: ApiError | undefined;
  let lastSentAt: number | undefined;
  for (let attempt = 1; ; attempt += 1) {
    // Checked after the limiter's wait, with nothing awaited between the check and the call.
    if (!(await context.limiter.acquire(action, latestStart)) || clock.now() > latestStart) {
      return { kind: "deadline", lastError, attempts: attempt - 1, ...sent(lastSentAt) };
    }
    const sentAt = clock.now();
    lastSentAt = sentAt;
    const request = { ...where, action, ...(targets === undefined ? {} : { targets }), attempt };
    try {
      const timeoutMs = Math.min(requestTimeoutMs, deadline - clock.now());
      const value = await call({ timeoutMs });
      log.debug("api request", { ...request, latencyMs: clock.now() - sentAt, ...apiRequestId(value) });
      return { kind: "ok", value, attempts: attempt };
    } catch (thrown) {
      lastError = toApiError(lane.provider, action, thrown);
      const { code, requestId } = lastError;
      log.debug("api request", {
        ...request,
        latencyMs: clock.now() - sentAt,
        ...(requestId ? { apiRequestId: requestId } : {}),
        outcome: code,
      });
    }
    const errorClass = classifyApiError(lastError.code);
    const yielded = context.yieldOnRateLimit === true && isRateLimit(lastError.code);
    if (errorClass !== "retry" || attempt >= maxAttempts || yielded) {
      return { kind: "failed", error: lastError, class: errorClass, attempts: attempt, lastSentAt: sentAt };
    }
    const waitMs = backoffDelay(attempt, context.random, minimumDelay(lastError.code));
    if (!fitsBeforeDeadline({ now: clock.now(), waitMs, callMs: minCallMs, deadline })) {
      return { kind: "deadline", lastError, attempts: attempt, lastSentAt: sentAt };
    }
    log.warn("retrying", { ...where, action, code: lastError.code, attempt, waitMs });
    await clock.sleep(waitMs);
    // Looked up after the wait: a call still running at the provider has had the time to finish.
    if (recover && mayHaveArrived(lastError.code)) {
      const timeoutMs = Math.min(requestTimeoutMs, deadline - clock.now() - minCallMs);
      const found = timeoutMs > 0 ? await recover(sentAt, { timeoutMs }).catch(() => undefined) : undefined;
      if (found !== undefined) return { kind: "ok", value: found, attempts: attempt };
    }
  }
}

const sent = (at: number | undefined) => (at === undefined ? {} : { lastSentAt: at });

/** The per-second limit of an action (tencent-cloud.md §5), as opposed to a failure of the service. */
export function isRateLimit(code: string): boolean {
  return /^RequestLimitExceeded/.test(code) || code === "UnauthorizedOperation.OperationTooOften";
}

/** The RequestId a successful call returned (receipts carry one; quotas do not), and the outcome. */
function apiRequestId(value: unknown): { apiRequestId?: string; outcome: "ok" } {
  const id = typeof value === "object" && value !== null ? (value as { requestId?: unknown }).requestId : "";
  return typeof id === "string" && id !== "" ? { apiRequestId: id, outcome: "ok" } : { outcome: "ok" };
}
