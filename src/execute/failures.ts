/**
 * The failures an execution reports, as data: what happened, to how many targets, in words a user
 * can act on (the hint is added per lane in execute.ts). Kept apart from execute.ts, which decides
 * which of them applies.
 */

import { type ApiError, mayHaveArrived } from "../foundation/errors";
import type { ErrorClass, Failure, Provider } from "../foundation/model";
import { MIN_CALL_MS } from "./attempts";
import type { LaneQuota } from "./quota";

/** A failure's own fields; `fail` in execute.ts adds the lane, the targets and the hint. */
export type FailureFields = Pick<Failure, "code" | "class" | "message"> &
  Partial<Pick<Failure, "hint" | "requestId" | "sentAt">>;

export function fromError(error: ApiError, errorClass: ErrorClass, note?: string): FailureFields {
  return {
    code: error.code,
    class: errorClass,
    message: note ? `${error.message} (${note})` : error.message,
    ...(error.requestId ? { requestId: error.requestId } : {}),
  };
}

/** A lane whose provider has no purger: nothing of it can be sent. */
export function notConfigured(provider: Provider, count: number): FailureFields {
  return {
    code: "ProviderNotConfigured",
    class: "fatal",
    message: `No ${provider} purger was configured: ${count} URLs not submitted.`,
  };
}

/** Targets not submitted because an earlier request showed that every request would fail the same way. */
export function blockedBy(cause: FailureFields): FailureFields {
  return {
    ...cause,
    message: `Not submitted, as every request would fail like an earlier one: ${cause.message}`,
  };
}

export function exhausted(
  quota: LaneQuota,
  needed: number,
  accepted: number,
  notSubmitted: number,
): FailureFields {
  const perDay = quota.daily === undefined ? "" : ` (${quota.daily} a day)`;
  const left = accepted + Math.max(0, quota.dailyAvailable ?? 0);
  return {
    code: "QuotaExhausted",
    class: "quota",
    message: `${needed} URLs needed purging, today's quota${perDay} had room for ${left}: ${notSubmitted} not submitted.`,
  };
}

/** A request refused for some target in it, left whole once the lane's splits were spent: kept, not failed. */
export function splitStopped(error: ApiError, splitCalls: number): FailureFields {
  return {
    code: error.code,
    class: "unknown",
    message: `${error.message} (refused for a target in it; not split further after ${splitCalls} extra calls: kept to be split by a later drain)`,
    ...(error.requestId ? { requestId: error.requestId } : {}),
  };
}

/** A call that was sent and never answered: the provider may or may not have done it. */
export function unanswered(error: ApiError, sentAt: number | undefined, when: string): FailureFields {
  return {
    ...(sentAt === undefined ? {} : { sentAt }),
    code: "OutcomeUnknown",
    class: "unknown",
    message: `${error.action} was sent but not answered ${when} (${error.message}): the provider may or may not have purged these.`,
    ...(error.requestId ? { requestId: error.requestId } : {}),
  };
}

/**
 * The deadline came before the targets were accepted. When the last call timed out or lost its
 * connection after it was sent, the provider may have received it: the outcome is unknown, and the
 * targets are worth purging again (harmless if they were), not "not submitted".
 */
export function deadlineReached(
  deps: { readonly requestTimeoutMs: number },
  lastError: ApiError | undefined,
  sentAt: number | undefined,
): FailureFields {
  if (lastError !== undefined && mayHaveArrived(lastError.code)) {
    return unanswered(lastError, sentAt, "before the function's deadline");
  }
  const why = lastError
    ? `no time left to retry after ${lastError.message}`
    : `less than the ${Math.min(deps.requestTimeoutMs, MIN_CALL_MS)} ms a call needs was left`;
  return {
    code: "DeadlineReached",
    class: "deadline",
    message: `Not submitted before the function's deadline: ${why}.`,
  };
}
