/**
 * Executes a purge plan: each lane split into as few requests as its quota allows, each request rate
 * limited, retried only when retrying helps, stopped in time for the summary to be written. Every
 * target ends up purged or in a `Failure` that says why and what to do; none is dropped.
 *
 * Providers run concurrently; within a provider, lanes and requests go one at a time. At the default
 * quotas a lane is at most ~10 requests (10,000 URLs a day, 1000 per request), so sequential costs a few
 * seconds at worst, and it makes "stop at the first auth, permission or daily-quota error" exact: one
 * failed call, not one per request in flight.
 */

import type { Clock } from "../foundation/clock";
import {
  failureScope,
  mayHaveArrived,
  quotaKind,
  refusesTarget,
  stopKey,
  stopKeysOf,
} from "../foundation/errors";
import { hintFor } from "../foundation/hints";
import { laneKeyOf } from "../foundation/lane";
import type { Logger } from "../foundation/log";
import type {
  CallOptions,
  Execution,
  Failure,
  Job,
  Lane,
  LaneKey,
  Provider,
  Purger,
} from "../foundation/model";
import {
  type AttemptContext,
  callWithRetries,
  isRateLimit,
  type Outcome,
  type RequestExtras,
} from "./attempts";
import {
  blockedBy,
  deadlineReached,
  exhausted,
  type FailureFields,
  fromError,
  splitStopped,
  unanswered,
} from "./failures";
import { fallbackQuota, type LaneQuota, laneId, type QuotaBook } from "./quota";
import { createRateLimiter, type RateLimiter } from "./rate-limit";
import { type ReadReceipt, readReceipt } from "./receipt";
import { findAccepted } from "./recheck";
import { LaneWork } from "./split";

export interface ExecuteDeps {
  readonly purgers: Partial<Record<Provider, Purger>>;
  /** One per warm instance, so that quotas are not read on every invocation. */
  readonly quota: QuotaBook;
  readonly clock: Clock;
  /** Epoch ms by which every API call must have finished. */
  readonly deadline: number;
  /** Longest one API call may take; cut to the time left before `deadline` (see attempts.ts). */
  readonly requestTimeoutMs: number;
  /** Attempts per request for retryable errors (1 = no retry). */
  readonly maxAttempts: number;
  readonly log: Logger;
  /** One per warm instance; default: a new one per execution. */
  readonly limiter?: RateLimiter;
  /** For backoff jitter; default `Math.random`. */
  readonly random?: () => number;
  /** See `AttemptContext.yieldOnRateLimit`: a rate-limit refusal fails the rest of its lane at once. */
  readonly yieldOnRateLimit?: boolean;
}

/** Mutable state of one execution, shared by its lanes. */
interface Run {
  readonly deps: ExecuteDeps;
  readonly attempts: AttemptContext;
  readonly purged: string[];
  readonly failures: Failure[];
  readonly jobs: Job[];
  apiCalls: number;
  /**
   * The failures every further call would repeat, by `stopKey`: refused credentials per provider, a
   * refused permission per provider, action and zone or area (the other actions may be allowed).
   */
  readonly stopped: Map<string, FailureFields>;
  /** Lanes whose quota was read from the provider during this execution. */
  readonly refreshed: Set<string>;
}

/**
 * Purges every lane's targets with its provider's `Purger`.
 *
 * @returns every target exactly once, in `purged` or in one of `failures`; the provider jobs; the
 * quotas of the lanes as now known; and how many API calls were made.
 */
export async function executePlan(lanes: readonly Lane[], deps: ExecuteDeps): Promise<Execution> {
  const run: Run = {
    deps,
    attempts: { ...deps, limiter: deps.limiter ?? createRateLimiter(deps.clock) },
    purged: [],
    failures: [],
    jobs: [],
    apiCalls: 0,
    stopped: new Map(),
    refreshed: new Set(),
  };
  const providers = new Set(lanes.map((lane) => lane.provider));
  await Promise.all(
    [...providers].map(async (provider) => {
      for (const lane of lanes) if (lane.provider === provider) await executeLane(lane, run);
    }),
  );
  return {
    purged: run.purged,
    failures: run.failures,
    jobs: run.jobs,
    quota: deps.quota.snapshot(lanes),
    apiCalls: run.apiCalls,
  };
}

async function executeLane(lane: Lane, run: Run): Promise<void> {
  const { targets, provider, type = "purge_url" } = lane;
  if (targets.length === 0) return;
  const purger = run.deps.purgers[provider];
  if (purger === undefined) {
    return fail(run, lane, targets, {
      code: "ProviderNotConfigured",
      class: "fatal",
      message: `No ${provider} purger was configured: ${targets.length} URLs not submitted.`,
    });
  }
  const action = purger.actions[type];
  let quota = await laneQuota(lane, purger, run);
  const work = new LaneWork(targets);
  let accepted = 0;
  let batchErrors = 0;
  let dailyErrors = 0;
  while (!work.done) {
    const rest = work.rest();
    const stop = stopKeysOf({ provider, action, scope: lane.scope }).map((key) => run.stopped.get(key));
    const cause = stop.find((failure) => failure !== undefined);
    if (cause) return fail(run, lane, rest, blockedBy(cause));
    const room = quota.dailyAvailable ?? Number.POSITIVE_INFINITY;
    if (room <= 0) return fail(run, lane, rest, exhausted(quota, targets.length, accepted, rest.length));

    const batch = work.next(Math.min(quota.batch, room));
    const outcome = await attempt(
      run,
      lane,
      action,
      (options) => purger.submit(lane.scope, batch, { ...options, type }),
      {
        recover: (sentAt, options) => findAccepted(purger, lane, batch, sentAt, options),
        targets: batch.length,
      },
    );
    if (outcome.kind === "deadline") {
      const unanswered = outcome.lastError !== undefined && mayHaveArrived(outcome.lastError.code);
      // Only this batch was sent; the rest of the lane never left.
      if (unanswered)
        fail(run, lane, batch, deadlineReached(run.deps, outcome.lastError, outcome.lastSentAt));
      const never = unanswered ? rest.slice(batch.length) : rest;
      const cause = unanswered ? undefined : outcome.lastError;
      return fail(run, lane, never, deadlineReached(run.deps, cause, undefined));
    }
    if (outcome.kind === "ok") {
      const count = record(run, lane, readReceipt(lane, action, batch, outcome.value));
      run.deps.quota.consume(lane, count);
      accepted += count;
      if (quota.dailyAvailable !== undefined)
        quota = { ...quota, dailyAvailable: quota.dailyAvailable - count };
      work.advance(batch.length);
      continue;
    }

    const { error } = outcome;
    const kind = quotaKind(error.code);
    if (kind === "batch") {
      // Never one URL per call (Tencent's template turns a quota error into 3 + 3n calls): a
      // single target refused as "too many" means the batch quota is not what is wrong.
      if (batch.length === 1) return fail(run, lane, rest, fromError(error, outcome.class));
      batchErrors += 1;
      // The cached batch may be from before a plan change: ask once; asking again would repeat it.
      const reread =
        batchErrors === 1 && !run.refreshed.has(laneId(lane))
          ? await refreshQuota(lane, purger, run)
          : undefined;
      const smaller = reread && reread.batch < batch.length ? reread.batch : Math.floor(batch.length / 2);
      quota = { ...(reread ?? quota), batch: smaller };
      run.deps.quota.restrict(lane, { batch: smaller });
    } else if (kind === "daily") {
      dailyErrors += 1;
      // The provider just refused `batch.length`, so at most one fewer fits, whatever it reported:
      // every round submits strictly less, and after a second refusal the quota counts as spent.
      const reread = dailyErrors === 1 ? await refreshQuota(lane, purger, run) : undefined;
      const left = Math.min(reread?.dailyAvailable ?? 0, batch.length - 1);
      quota = { ...(reread ?? quota), dailyAvailable: left };
      run.deps.quota.restrict(lane, { dailyAvailable: left });
    } else if (mayHaveArrived(error.code)) {
      // Out of attempts, the last one unanswered: it may have been purged. Not "failed": unknown.
      fail(run, lane, batch, unanswered(error, outcome.lastSentAt, `after ${outcome.attempts} attempts`));
      work.advance(batch.length);
    } else if (refusesTarget(error.code) && batch.length > 1) {
      // Refused for a target in it: its halves go next (split.ts), until the target is alone.
      if (work.split(batch)) continue;
      fail(run, lane, batch, splitStopped(error, work.splitCalls));
      work.advance(batch.length);
    } else {
      const note = outcome.class === "retry" ? `gave up after ${outcome.attempts} attempts` : undefined;
      const failure = fromError(error, outcome.class, note);
      fail(run, lane, batch, failure);
      work.advance(batch.length);
      // Yielding to the other instances: every further request of the lane would be refused too.
      if (run.deps.yieldOnRateLimit && isRateLimit(error.code)) {
        return fail(run, lane, work.rest(), blockedBy(failure));
      }
      if (outcome.class !== "fatal") continue;
      const stops = stopKey(error.code, { provider, action, scope: lane.scope });
      if (stops !== undefined) run.stopped.set(stops, failure);
      if (stops !== undefined || failureScope(error.code) === "lane")
        return fail(run, lane, work.rest(), blockedBy(failure));
    }
  }
}

/** Cached quota when enough is believed left; otherwise (or when unknown) the provider's word, or defaults. */
async function laneQuota(lane: Lane, purger: Purger, run: Run): Promise<LaneQuota> {
  const known = run.deps.quota.known(lane);
  const available = known?.dailyAvailable ?? Number.POSITIVE_INFINITY;
  if (known && (available >= lane.targets.length || run.refreshed.has(laneId(lane)))) return known;
  return (await refreshQuota(lane, purger, run)) ?? run.deps.quota.known(lane) ?? fallbackQuota(lane);
}

/**
 * Reads the lane's quota from the provider into the book. `undefined` when it cannot be read: then the
 * book holds `PROVIDER_LIMITS` defaults for a TTL (unless it knew better), so that a role without the
 * quota permission costs one failed call per instance per TTL, not one per invocation.
 */
async function refreshQuota(lane: Lane, purger: Purger, run: Run): Promise<LaneQuota | undefined> {
  run.refreshed.add(laneId(lane));
  const type = lane.type ?? "purge_url";
  const outcome = await attempt(run, lane, purger.quotaActions[type], (options) =>
    purger.describeQuota(lane.scope, { ...options, type }),
  );
  if (outcome.kind === "ok") return run.deps.quota.record(lane, outcome.value);
  if (outcome.kind === "failed") {
    const assumed = run.deps.quota.known(lane) ?? run.deps.quota.recordFallback(lane);
    run.deps.log.warn("purge quota unknown, going on with what is known", {
      provider: lane.provider,
      scope: lane.scope,
      code: outcome.error.code,
      error: outcome.error.message,
      hint: hintFor(outcome.error.code, lane.provider),
      batch: assumed.batch,
      dailyAvailable: assumed.dailyAvailable ?? "unknown",
    });
  }
  return undefined;
}

/** One request with retries (attempts.ts), its calls counted (a task lookup counts as one). */
async function attempt<T>(
  run: Run,
  lane: LaneKey,
  action: string,
  call: (options: CallOptions) => Promise<T>,
  { recover, targets }: RequestExtras<T> = {},
): Promise<Outcome<T>> {
  const outcome = await callWithRetries(run.attempts, lane, action, call, {
    ...(recover ? { recover: countingCalls(run, recover) } : {}),
    ...(targets === undefined ? {} : { targets }),
  });
  run.apiCalls += outcome.attempts;
  return outcome;
}

const countingCalls =
  <A extends unknown[], R>(run: Run, fn: (...args: A) => Promise<R>) =>
  (...args: A): Promise<R> => {
    run.apiCalls += 1;
    return fn(...args);
  };

/** Adds a call's result to the run; returns how many targets the provider took (they count against the quota). */
function record(run: Run, lane: LaneKey, receipt: ReadReceipt): number {
  run.purged.push(...receipt.purged);
  run.failures.push(...receipt.failures);
  run.jobs.push(receipt.job);
  // `requestId` on every line is the invocation's; the API's goes under its own name.
  const { requestId: apiRequestId, ...job } = receipt.job;
  run.deps.log.debug("purge submitted", { ...job, apiRequestId });
  if (receipt.unmatched.length > 0) {
    run.deps.log.warn("the provider refused URLs that were not submitted", {
      ...lane,
      urls: receipt.unmatched,
    });
  }
  return receipt.purged.length;
}

function fail(run: Run, lane: LaneKey, targets: readonly string[], fields: FailureFields): void {
  if (targets.length === 0) return;
  const hint = fields.hint ?? hintFor(fields.code, lane.provider);
  run.failures.push({ ...laneKeyOf(lane), ...fields, hint, targets });
}
