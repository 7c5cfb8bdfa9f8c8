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
import { laneKeyOf, laneOf } from "../foundation/lane";
import type { Logger } from "../foundation/log";
import type {
  CallOptions,
  Execution,
  Failure,
  Job,
  Lane,
  LaneKey,
  Provider,
  PurgeReceipt,
  Purger,
} from "../foundation/model";
import { type AttemptContext, callWithRetries, isRateLimit, type Outcome } from "./attempts";
import {
  blockedBy,
  deadlineReached,
  exhausted,
  type FailureFields,
  fromError,
  notConfigured,
  splitStopped,
  unanswered,
} from "./failures";
import { fallbackQuota, type LaneQuota, type QuotaBook } from "./quota";
import { refreshLaneQuota } from "./quota-read";
import type { RateLimiter } from "./rate-limit";
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
  /**
   * One per warm instance (handler.ts) or CLI run (cli/run.ts), never one per call: a limiter built
   * for one execution forgets the calls made before it (a drain inside an invocation would start
   * again at 20 requests/s on top of the invocation's own).
   */
  readonly limiter: RateLimiter;
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
    attempts: deps,
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

/** One lane's progress: what is left to send, the quota as now believed, the quota errors met. */
interface LaneRun {
  readonly lane: Lane;
  readonly purger: Purger;
  readonly action: string;
  readonly work: LaneWork;
  quota: LaneQuota;
  accepted: number;
  batchErrors: number;
  dailyErrors: number;
}

type Ended<K extends Outcome<PurgeReceipt>["kind"]> = Extract<Outcome<PurgeReceipt>, { kind: K }>;
type Failed = Ended<"failed">;
/** After a refused request: go on with the lane, or stop (the rest of the lane already failed). */
type Next = "go on" | "stop";

/** Sends the lane a batch at a time until it is done, blocked, or out of time. */
async function executeLane(lane: Lane, run: Run): Promise<void> {
  if (lane.targets.length === 0) return;
  const purger = run.deps.purgers[lane.provider];
  if (purger === undefined)
    return fail(run, lane, lane.targets, notConfigured(lane.provider, lane.targets.length));
  const state: LaneRun = {
    lane,
    purger,
    action: purger.actions[lane.type ?? "purge_url"],
    work: new LaneWork(lane.targets),
    quota: await laneQuota(lane, run),
    accepted: 0,
    batchErrors: 0,
    dailyErrors: 0,
  };
  while (!state.work.done) {
    const blocked = blockedBefore(state, run);
    if (blocked) return fail(run, lane, state.work.rest(), blocked);
    const batch = state.work.next(Math.min(state.quota.batch, roomOf(state.quota)));
    const outcome = await submitBatch(state, batch, run);
    if (outcome.kind === "deadline") return failAtDeadline(state, batch, outcome, run);
    if (outcome.kind === "ok") accept(state, batch, outcome.value, run);
    else if ((await afterRefusal(state, batch, outcome, run)) === "stop") return;
  }
}

const roomOf = (quota: LaneQuota): number => quota.dailyAvailable ?? Number.POSITIVE_INFINITY;

/** Why the lane may send nothing more: a stop an earlier call of this run set, or no quota left today. */
function blockedBefore(state: LaneRun, run: Run): FailureFields | undefined {
  const { lane, action, quota } = state;
  const stops = stopKeysOf({ provider: lane.provider, action, scope: lane.scope });
  const cause = stops.map((key) => run.stopped.get(key)).find((failure) => failure !== undefined);
  if (cause) return blockedBy(cause);
  if (roomOf(quota) > 0) return undefined;
  return exhausted(quota, lane.targets.length, state.accepted, state.work.rest().length);
}

/**
 * One submit with retries (attempts.ts), looking its task up (recheck.ts) before resending an
 * unanswered call; its calls counted, a lookup as one.
 */
async function submitBatch(state: LaneRun, batch: string[], run: Run): Promise<Outcome<PurgeReceipt>> {
  const { lane, purger, action } = state;
  const type = lane.type ?? "purge_url";
  const submit = (options: CallOptions) => purger.submit(lane.scope, batch, { ...options, type });
  const recover = (sentAt: number, options: CallOptions) => {
    run.apiCalls += 1;
    return findAccepted(purger, lane, batch, sentAt, options);
  };
  const outcome = await callWithRetries(run.attempts, lane, action, submit, {
    recover,
    targets: batch.length,
  });
  run.apiCalls += outcome.attempts;
  return outcome;
}

/** Out of time: the batch sent and not answered may have been purged; the rest never left. */
function failAtDeadline(
  state: LaneRun,
  batch: readonly string[],
  outcome: Ended<"deadline">,
  run: Run,
): void {
  const { lane } = state;
  const rest = state.work.rest();
  const unanswered = outcome.lastError !== undefined && mayHaveArrived(outcome.lastError.code);
  if (unanswered) fail(run, lane, batch, deadlineReached(run.deps, outcome.lastError, outcome.lastSentAt));
  const never = unanswered ? rest.slice(batch.length) : rest;
  const cause = unanswered ? undefined : outcome.lastError;
  fail(run, lane, never, deadlineReached(run.deps, cause, undefined));
}

/** An accepted batch: recorded, counted against the quota, and out of the lane's work. */
function accept(state: LaneRun, batch: readonly string[], receipt: PurgeReceipt, run: Run): void {
  const { lane, action, quota } = state;
  const count = record(run, lane, readReceipt(lane, action, batch, receipt));
  run.deps.quota.consume(lane, count);
  state.accepted += count;
  if (quota.dailyAvailable !== undefined)
    state.quota = { ...quota, dailyAvailable: quota.dailyAvailable - count };
  state.work.advance(batch.length);
}

/** A refused batch: a smaller batch or fewer left (quota), split halves, or the batch failed. */
async function afterRefusal(state: LaneRun, batch: string[], outcome: Failed, run: Run): Promise<Next> {
  const { lane, work } = state;
  const { error } = outcome;
  const kind = quotaKind(error.code);
  if (kind === "batch") return smallerBatch(state, batch, outcome, run);
  if (kind === "daily") {
    await fewerLeft(state, batch, run);
    return "go on";
  }
  if (mayHaveArrived(error.code)) {
    // Out of attempts, the last one unanswered: it may have been purged. Not "failed": unknown.
    fail(run, lane, batch, unanswered(error, outcome.lastSentAt, `after ${outcome.attempts} attempts`));
  } else if (refusesTarget(error.code) && batch.length > 1) {
    // Refused for a target in it: its halves go next (split.ts), until the target is alone.
    if (work.split(batch)) return "go on";
    fail(run, lane, batch, splitStopped(error, work.splitCalls));
  } else {
    return failBatch(state, batch, outcome, run);
  }
  work.advance(batch.length);
  return "go on";
}

/** Refused as too many: the batch is halved (or set to the provider's word, asked once). */
async function smallerBatch(state: LaneRun, batch: string[], outcome: Failed, run: Run): Promise<Next> {
  const { lane } = state;
  // Never one URL per call (Tencent's template turns a quota error into 3 + 3n calls): a
  // single target refused as "too many" means the batch quota is not what is wrong.
  if (batch.length === 1) {
    fail(run, lane, state.work.rest(), fromError(outcome.error, outcome.class));
    return "stop";
  }
  state.batchErrors += 1;
  // The cached batch may be from before a plan change: ask once; asking again would repeat it.
  const reread =
    state.batchErrors === 1 && !run.refreshed.has(laneOf(lane)) ? await refreshQuota(lane, run) : undefined;
  const smaller = reread && reread.batch < batch.length ? reread.batch : Math.floor(batch.length / 2);
  state.quota = { ...(reread ?? state.quota), batch: smaller };
  run.deps.quota.restrict(lane, { batch: smaller });
  return "go on";
}

/** Refused for the daily quota: fewer targets believed left, so every round submits strictly less. */
async function fewerLeft(state: LaneRun, batch: readonly string[], run: Run): Promise<void> {
  const { lane } = state;
  state.dailyErrors += 1;
  // The provider just refused `batch.length`, so at most one fewer fits, whatever it reported:
  // after a second refusal the quota counts as spent.
  const reread = state.dailyErrors === 1 ? await refreshQuota(lane, run) : undefined;
  const left = Math.min(reread?.dailyAvailable ?? 0, batch.length - 1);
  state.quota = { ...(reread ?? state.quota), dailyAvailable: left };
  run.deps.quota.restrict(lane, { dailyAvailable: left });
}

/**
 * The batch failed; the lane stops when every further request would fail alike: a rate limit while
 * yielding to the other instances, refused credentials or permission, or an error of the whole lane.
 */
function failBatch(state: LaneRun, batch: readonly string[], outcome: Failed, run: Run): Next {
  const { lane, action, work } = state;
  const { error } = outcome;
  const note = outcome.class === "retry" ? `gave up after ${outcome.attempts} attempts` : undefined;
  const failure = fromError(error, outcome.class, note);
  fail(run, lane, batch, failure);
  work.advance(batch.length);
  const stop = () => {
    fail(run, lane, work.rest(), blockedBy(failure));
    return "stop" as const;
  };
  // Yielding to the other instances: every further request of the lane would be refused too.
  if (run.deps.yieldOnRateLimit && isRateLimit(error.code)) return stop();
  if (outcome.class !== "fatal") return "go on";
  const stops = stopKey(error.code, { provider: lane.provider, action, scope: lane.scope });
  if (stops !== undefined) run.stopped.set(stops, failure);
  return stops !== undefined || failureScope(error.code) === "lane" ? stop() : "go on";
}

/** Cached quota when enough is believed left; otherwise (or when unknown) the provider's word, or defaults. */
async function laneQuota(lane: Lane, run: Run): Promise<LaneQuota> {
  const known = run.deps.quota.known(lane);
  const available = known?.dailyAvailable ?? Number.POSITIVE_INFINITY;
  if (known && (available >= lane.targets.length || run.refreshed.has(laneOf(lane)))) return known;
  return (await refreshQuota(lane, run)) ?? run.deps.quota.known(lane) ?? fallbackQuota(lane);
}

/** The provider's word on the lane's quota (quota-read.ts), once per lane per execution; its calls counted. */
async function refreshQuota(lane: Lane, run: Run): Promise<LaneQuota | undefined> {
  run.refreshed.add(laneOf(lane));
  const read = await refreshLaneQuota(lane, run.deps, run.attempts);
  run.apiCalls += read.calls;
  return read.quota;
}

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
