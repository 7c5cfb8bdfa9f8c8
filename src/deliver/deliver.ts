/**
 * How an invocation's lanes reach the provider: at once (`direct`), through the backlog (`queue`), or
 * at once unless the account is busy (`auto`). Whatever cannot be purged now for a reason time fixes
 * goes to the backlog; only what no retry can fix is left as failed.
 *
 *     direct   execute → deferrable failures to the backlog
 *     queue    every target to the backlog → make sure a drain runs within the window (window.ts)
 *     auto     at once unless the rate limit is near (pressure.ts: a recent refusal, or other
 *              instances busy too); a rate-limit refusal queues the rest instead of retrying
 *              against the other instances
 */

import type { Backlog, Deferral } from "../backlog/backlog";
import type { BusyMark } from "../backlog/busy";
import { partitionFailures } from "../backlog/deferral";
import type { DrainReport } from "../drain/drain";
import { apart, type PrefetchDelivery, warmAfterPurge } from "../drain/prefetch";
import { type CollapseDeps, collapseLanes, expandFolders } from "../execute/collapse-lanes";
import { executePlan } from "../execute/execute";
import { CosPurgeError } from "../foundation/errors";
import { hintFor } from "../foundation/hints";
import { laneKeyOf } from "../foundation/lane";
import type { Execution, Failure, Lane, PurgeMode } from "../foundation/model";
import { type AutoPressure, SECOND_LOOK_MS } from "./pressure";

export interface DeliverDeps extends CollapseDeps {
  readonly mode: PurgeMode;
  /** `auto`'s view of the rate limit on this warm instance (pressure.ts): the caller says `leave`. */
  readonly pressure: AutoPressure;
  /**
   * Leaves this instance's busy mark (unless `mark` is false) and says when each other instance was
   * last busy (busy.ts: a PUT and a LIST); asked only when the instance is behind, once a window.
   */
  readonly lookAtOthers: (mark: boolean) => Promise<readonly BusyMark[]>;
  /** When the invocation started (an instance's idle gap before it says whether events were waiting). */
  readonly startedAt: number;
  /** How long its event waited since the upload, at least (pressure.ts `eventWaited`). */
  readonly waitedMs?: number;
  /** The backlog of the triggering bucket; undefined when none can be opened (then nothing defers). */
  readonly backlog: Backlog | undefined;
  readonly requestId: string;
  /** Makes sure a drain runs soon after work was queued (window.ts); its report when this invocation drained. */
  readonly drainSoon: () => Promise<DrainReport | undefined>;
  /**
   * Writes the queue entries while looking at the window lease (window.ts `writeAndJoin`): `joined`
   * when a drain already running will take them, so `drainSoon` is not needed.
   */
  readonly writeAndJoin: <T>(write: () => Promise<T>) => Promise<{ written: T; joined: boolean }>;
  /** Prefetch lanes (type `prefetch_url`): delivered after the purges, only for purged URLs (prefetch.ts). */
  readonly prefetch?: readonly Lane[];
}

export interface Delivery {
  /** `queued`: every target went to the backlog without a purge call. */
  readonly route: "direct" | "queued";
  readonly execution: Execution;
  /** Targets written to the backlog, per lane and reason. */
  readonly deferred: readonly Deferral[];
  /** Failures left for the report: what no retry fixes, or what could not be deferred. */
  readonly failures: readonly Failure[];
  /** The drain this invocation ran for the window, if it was the one to run it. */
  readonly drain?: DrainReport;
  /** What became of the prefetch lanes, when there were any; kept apart from the purge counts. */
  readonly prefetch?: PrefetchDelivery;
}

const QUEUED = "Queued";
export const BACKLOG_WRITE_FAILED = "BacklogWriteFailed";

/**
 * Delivers `lanes` as `deps.mode` says.
 *
 * A backlog write that fails turns its targets into `BacklogWriteFailed` failures: the invocation
 * then ends in an Error and SCF delivers the event again, so nothing is lost.
 */
export async function deliver(lanes: readonly Lane[], deps: DeliverDeps): Promise<Delivery> {
  // Nothing to purge (a skipped key, the backlog's own object): neither work nor a sign of pressure.
  if (lanes.every((lane) => lane.targets.length === 0) && (deps.prefetch ?? []).length === 0) {
    return { route: "direct", execution: nothingExecuted(), deferred: [], failures: [] };
  }
  if (deps.mode !== "auto") return deliverAs(deps.mode === "queue", lanes, deps);
  return deliverAs(await autoQueues(deps), lanes, deps);
}

/** `auto`: whether this invocation queues (pressure.ts says when a look at the others is worth it). */
async function autoQueues(deps: DeliverDeps): Promise<boolean> {
  if (deps.backlog === undefined) return false;
  const route = deps.pressure.arrive(deps.startedAt, deps.waitedMs);
  if (route !== "look") return route === "queue";
  // Marks that cannot be read or written count as nobody else busy: at once, never worse than direct.
  const look = (mark: boolean) => deps.lookAtOthers(mark).catch(() => []);
  const others = await look(true);
  if (deps.pressure.looked(deps.clock.now(), others)) return true;
  // Instances that fall behind together look at the same moment, and the first to list may do so
  // before the others' marks land: once more, a moment later, if any other instance is busy at all
  // (one alone, or a lone upload whose event came late, need not wait for it).
  if (others.length === 0) return false;
  await deps.clock.sleep(SECOND_LOOK_MS);
  return deps.pressure.looked(deps.clock.now(), await look(false));
}

async function deliverAs(queue: boolean, lanes: readonly Lane[], deps: DeliverDeps): Promise<Delivery> {
  if (queue && deps.backlog !== undefined) {
    // Prefetch lanes in the same write, before the drain, which runs them after the purges.
    const deferrals = [...lanes, ...(deps.prefetch ?? [])].map(({ targets, ...lane }) => ({
      ...lane,
      targets,
      reason: QUEUED,
      message: deps.mode === "queue" ? "PURGE_MODE=queue" : "near the rate limit: queued for the next drain",
    }));
    const backlog = deps.backlog;
    const { written: unsaved, joined } = await deps.writeAndJoin(() =>
      deferOrFail(backlog, deferrals, deps.requestId),
    );
    if (unsaved.length === 0) {
      // Joined a window another invocation is draining: that one purges this upload too. Not a sign of
      // pressure by itself: while the holder gathers a steady stream, every upload would join it and
      // keep it gathering (measured: a 10/s stream queued for 30 s).
      const drain = joined ? {} : await drainSoonNoting(deps);
      return { route: "queued", execution: nothingExecuted(), ...apart(deferrals, []), ...drain };
    }
    // The backlog cannot be written (no COS permission yet, an outage). `queue` was asked for and fails
    // for SCF to retry; `auto` purges at once instead: never worse than `direct`.
    if (deps.mode === "queue")
      return { route: "queued", execution: nothingExecuted(), ...apart([], unsaved) };
    deps.log.warn("backlog not writable; purging at once", {
      code: unsaved[0]?.code,
      error: unsaved[0]?.message,
    });
  }

  const execution = await executeCollapsed(lanes, { ...deps, yieldOnRateLimit: deps.mode === "auto" });
  const warm = (deferred: Deferral[]) =>
    warmAfterPurge(
      deps.prefetch ?? [],
      { execution, deferred },
      { ...deps, yieldOnRateLimit: deps.mode === "auto" },
    );
  if (deps.backlog === undefined)
    return { route: "direct", execution, deferred: [], failures: execution.failures, ...(await warm([])) };
  const { defer, failed } = partitionFailures(execution.failures);
  // The account is at its limit, whether or not the refused targets can be written down.
  if (defer.some((deferral) => /^RequestLimitExceeded/.test(deferral.reason)))
    deps.pressure.refused(deps.clock.now());
  if (defer.length === 0)
    return { route: "direct", execution, deferred: [], failures: failed, ...(await warm([])) };
  const unsaved = await deferOrFail(deps.backlog, defer, deps.requestId);
  if (unsaved.length > 0)
    return {
      route: "direct",
      execution,
      deferred: [],
      failures: [...failed, ...unsaved],
      ...(await warm([])),
    };
  // Before any drain, which must find a prefetch queued behind its purge (prefetch.ts).
  const prefetch = await warm(defer);
  // Deferred for rate or an outage: a drain within the window. For the daily quota, the timer's drain.
  const soon = defer.some(
    (deferral) => deferral.reason !== "QuotaExhausted" && !/DailyQuota|DayLimit/.test(deferral.reason),
  );
  const drain = soon && deps.mode !== "direct" ? await drainSoonNoting(deps) : {};
  return { route: "direct", execution, deferred: defer, failures: failed, ...drain, ...prefetch };
}

/**
 * Writes the deferrals; when the backlog cannot be written, they become failures (retryable, so the
 * invocation fails and SCF delivers the event again) instead of an exception: what was purged before
 * is still reported and remembered, so the retry does not purge it twice.
 */
async function deferOrFail(
  backlog: Backlog,
  deferrals: readonly Deferral[],
  requestId: string,
): Promise<Failure[]> {
  try {
    await backlog.defer(deferrals, requestId);
    return [];
  } catch (error) {
    const cause = error instanceof CosPurgeError ? error : undefined;
    return deferrals.map(({ targets, reason, message: _message, sentAt, ...lane }) => ({
      ...laneKeyOf(lane),
      // An unanswered call: the retry of this event looks for its task before sending it again.
      ...(sentAt === undefined ? {} : { sentAt }),
      code: BACKLOG_WRITE_FAILED,
      class: "retry" as const,
      message: `Could not be purged now (${reason}) nor written to the backlog: ${cause?.message ?? String(error)}`,
      hint: hintFor(BACKLOG_WRITE_FAILED, lane.provider),
      targets,
    }));
  }
}

/**
 * Executes, collapsing folders first when collapse is on (a CKafka batch of a site deploy), and reports
 * the result per URL, so that what follows (ledger, backlog, prefetch, summary) sees URLs only.
 */
async function executeCollapsed(lanes: readonly Lane[], deps: CollapseDeps): Promise<Execution> {
  if (deps.collapse === undefined) return executePlan(lanes, deps);
  const { planned, folders, quotaCalls } = await collapseLanes(lanes, deps, deps);
  const execution = expandFolders(await executePlan(planned, deps), folders);
  return { ...execution, apiCalls: execution.apiCalls + quotaCalls };
}

/**
 * Runs the window's drain. Its failure does not fail this invocation: the invocation's own work (its
 * targets safely queued) is done, and failing it would make SCF deliver the event again and queue the
 * same targets twice. The drain's own journal lets the next drain (the timer's) pick up where it stopped.
 */
async function drainSoonNoting(deps: DeliverDeps): Promise<{ drain?: DrainReport }> {
  let report: DrainReport | undefined;
  try {
    report = await deps.drainSoon();
  } catch (error) {
    deps.log.warn("window drain stopped; the next drain takes over", { error });
    return {};
  }
  return report === undefined ? {} : { drain: report };
}

export function nothingExecuted(): Execution {
  return { purged: [], failures: [], jobs: [], quota: [], apiCalls: 0 };
}
