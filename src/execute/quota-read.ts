/**
 * The one way a lane's quota is read from the provider (issue 16): the executor, folder collapse and
 * the drain's full batches all ask here, so that a role without the quota permission (no
 * `teo:DescribeContentQuota`, `cdn:DescribePurgeQuota`...) pays one failed call per lane per warm
 * instance per TTL of the book, with one warning, whichever of them asks first: the defaults it falls
 * back to are recorded in the book (quota.ts), and the next reader finds them there.
 */

import { hintFor } from "../foundation/hints";
import type { Logger } from "../foundation/log";
import type { LaneKey, Provider, Purger } from "../foundation/model";
import { type AttemptContext, callWithRetries } from "./attempts";
import { fallbackQuota, type LaneQuota, type QuotaBook } from "./quota";

export interface QuotaReadDeps {
  readonly purgers: Partial<Record<Provider, Purger>>;
  readonly quota: QuotaBook;
  readonly log: Logger;
}

/** A read of a lane's quota and the API calls it took (for the summary's count). */
export interface QuotaRead<Q> {
  readonly quota: Q;
  readonly calls: number;
}

/**
 * Asks the provider for the lane's quota and records its answer in the book. `undefined` when it
 * cannot be read: after a refusal the book holds the `PROVIDER_LIMITS` defaults for its TTL (unless it
 * knew better) and a warning names the code and the missing action; at the deadline nothing is
 * recorded (the provider said nothing).
 */
export async function refreshLaneQuota(
  lane: LaneKey,
  deps: QuotaReadDeps,
  attempts: AttemptContext,
): Promise<QuotaRead<LaneQuota | undefined>> {
  const purger = deps.purgers[lane.provider];
  if (purger === undefined) return { quota: undefined, calls: 0 };
  const type = lane.type ?? "purge_url";
  const outcome = await callWithRetries(attempts, lane, purger.quotaActions[type], (options) =>
    purger.describeQuota(lane.scope, { ...options, type }),
  );
  if (outcome.kind === "ok")
    return { quota: deps.quota.record(lane, outcome.value), calls: outcome.attempts };
  if (outcome.kind === "failed") {
    const assumed = deps.quota.known(lane) ?? deps.quota.recordFallback(lane);
    deps.log.warn("purge quota unknown, going on with what is known", {
      provider: lane.provider,
      scope: lane.scope,
      code: outcome.error.code,
      error: outcome.error.message,
      hint: hintFor(outcome.error.code, lane.provider),
      batch: assumed.batch,
      dailyAvailable: assumed.dailyAvailable ?? "unknown",
    });
  }
  return { quota: undefined, calls: outcome.attempts };
}

/** The lane's quota: the book's, else the provider's word (recorded), else the defaults. */
export async function readLaneQuota(
  lane: LaneKey,
  deps: QuotaReadDeps,
  attempts: AttemptContext,
): Promise<QuotaRead<LaneQuota>> {
  const known = deps.quota.known(lane);
  if (known !== undefined) return { quota: known, calls: 0 };
  const read = await refreshLaneQuota(lane, deps, attempts);
  return { quota: read.quota ?? deps.quota.known(lane) ?? fallbackQuota(lane), calls: read.calls };
}

/** Whether `quota` is the provider's word rather than the defaults assumed when it could not say. */
export const reportedByProvider = (quota: LaneQuota): boolean => quota.daily !== undefined;
