/**
 * The drain: purges what waits in the backlog, under a lease so that two drains never work at once.
 *
 *     (timer) anything to do? (idle.ts) → no: done, no lease taken
 *     lease → confirm what earlier drains sent (journal.ts) → queue failed tasks again → sweep when due
 *           → per page of the queue, while time is left (drain-page.ts):
 *                read → merge per lane → collapse folders → execute, journaling each request → settle
 *           → log what could not be done, alarm on overdue entries (drain-report.ts) → release
 *
 * Nothing leaves the queue before the provider accepted it, and nothing accepted is sent again: every
 * request is journaled (journal.ts), and a drain killed anywhere leaves either untouched entries or a
 * sent record the next drain resolves.
 */

import type { Backlog } from "../backlog/backlog";
import { type BacklogEntry, FOLDERS } from "../backlog/entries";
import { abnormalHold, acquireLease, type HeldLease, type LeaseState, leaseHolder } from "../backlog/lease";
import type { AttemptContext } from "../execute/attempts";
import type { ExecuteDeps } from "../execute/execute";
import type { LaneKey } from "../foundation/model";
import type { CollapseSettings } from "../plan/collapse";
import { drainPage, type PageResult } from "./drain-page";
import { alarmOverdue, type DrainReport, DrainTally, emptyReport, logDrainProblems } from "./drain-report";
import { type RecentFailures, requeueFailedTasks } from "./failed-tasks";
import { lookForWork, sweepWhenDue } from "./idle";
import { type Confirmation, confirmSent, queuedId } from "./journal";

export type { DrainReport } from "./drain-report";

export interface DrainDeps extends ExecuteDeps {
  readonly backlog: Backlog;
  /** Who drains, for the lease and the log: the SCF request id. */
  readonly owner: string;
  /** When an entry counts as overdue: the `error` line an alarm keys on. */
  readonly alarm: { readonly maxAgeMs: number; readonly maxTries: number };
  readonly collapse?: CollapseSettings;
  /** Submit only full batches, keeping the rest queued for a fuller one (uploads are still arriving). */
  readonly fullBatchesOnly?: boolean;
  /**
   * Do nothing while an invocation holds the drain window (window.ts): it is gathering a burst into
   * full batches, which a drain now would cut into partial ones. The timer's drains set it; being
   * scheduled, most find nothing to do, so they also look for work before any lease (idle.ts).
   */
  readonly yieldToWindow?: boolean;
  /** Lanes whose recent failed tasks are queued again (failed-tasks.ts): the timer's drains set it. */
  readonly failedTaskLanes?: readonly LaneKey[];
  /** Told the lease once it is held: the CLI releases it on Ctrl-C rather than leave it to expire. */
  readonly onLeaseHeld?: (lease: HeldLease) => void;
}

/** Time kept back from the lease for the bookkeeping after the last request (rewrites, release). */
const BOOKKEEPING_MS = 2_000;

/**
 * Drains the backlog once, within `deps.deadline`. Resolves `busy` at once when another drain holds
 * the lease. Rejects only when the backlog itself cannot be read or written (the invocation then fails
 * and SCF retries it); provider failures are results.
 */
export async function drainBacklog(deps: DrainDeps): Promise<DrainReport> {
  const { backlog, clock } = deps;
  let looked: RecentFailures | undefined;
  if (deps.yieldToWindow) {
    const look = await lookForWork(deps);
    if (look.idle !== undefined) return look.idle;
    looked = look.looked;
    const window = await leaseHolder(backlog.objects, clock, `${backlog.prefix}${FOLDERS.lease}window/`);
    if (window !== undefined) return busy(deps, "window", window);
  }
  const name = `${backlog.prefix}${FOLDERS.lease}drain/`;
  const ttl = Math.max(BOOKKEEPING_MS, deps.deadline - clock.now());
  const lease = await acquireLease(backlog.objects, clock, name, deps.owner, ttl);
  if (lease.held === undefined) return busy(deps, "drain", lease.holder);
  deps.onLeaseHeld?.(lease.held);
  try {
    const deadline = Math.min(deps.deadline, lease.held.expiresAt) - BOOKKEEPING_MS;
    return await drainHeld({ ...deps, deadline }, looked);
  } finally {
    await lease.held
      .release()
      .catch((error: unknown) => deps.log.warn("drain lease not released", { error }));
  }
}

/** Nothing done: another holds the lease. A hold no drain should see gets the error line alarms key on. */
function busy(deps: DrainDeps, lease: "drain" | "window", holder: LeaseState | undefined): DrainReport {
  const problem = holder && abnormalHold(holder, deps.clock.now());
  if (problem) deps.log.error("backlog lease held abnormally", { lease, owner: holder?.owner, problem });
  return { ...emptyReport("busy"), ...(holder ? { holder } : {}) };
}

/**
 * The drain under its lease, a page of the queue at a time: each page is read, purged and settled
 * before the next is read, so that a long queue makes progress within any deadline and never has to
 * fit in memory (issue 13, rows 8 and 9).
 */
async function drainHeld(deps: DrainDeps, looked: RecentFailures | undefined): Promise<DrainReport> {
  const { clock, log } = deps;
  const earlier = await settleEarlierWork(deps, looked);
  const tally = new DrainTally(earlier);
  await drainPages(deps, tally);
  const report = tally.report(clock.now());
  logDrainProblems(report, log);
  alarmOverdue(withRequeued(tally.left(), earlier.requeuedEntries), deps.alarm, clock.now(), log);
  return report;
}

/**
 * Before the queue: what earlier drains sent is confirmed (journal.ts), tasks that failed after a
 * direct purge are queued again (failed-tasks.ts, from what the look before the lease found when it
 * looked), and old markers are swept when due (idle.ts).
 * Returns the confirmation with the sweep's requeued targets and calls added.
 */
async function settleEarlierWork(deps: DrainDeps, looked: RecentFailures | undefined): Promise<Confirmation> {
  const attempts: AttemptContext = deps;
  const confirmation = await confirmSent({ ...deps, attempts });
  // After the journal, from its listing of sent/: the tasks it just settled are not queued a second time.
  const failedTasks = await requeueFailedTasks({ ...deps, attempts }, deps.failedTaskLanes ?? [], {
    sent: confirmation.sent,
    settledTasks: confirmation.settledTasks,
    ...(looked === undefined ? {} : { looked }),
  });
  await sweepWhenDue(deps.backlog, deps.clock.now());
  return {
    ...confirmation,
    requeued: confirmation.requeued + failedTasks.requeued,
    apiCalls: confirmation.apiCalls + failedTasks.apiCalls,
  };
}

/** The queue, a page at a time (read, purge, settle), while the deadline leaves room and pages move. */
async function drainPages(deps: DrainDeps, tally: DrainTally): Promise<void> {
  const { backlog, clock } = deps;
  let after: string | undefined;
  for (let budget = pageBudget(clock.now(), deps.deadline, true); budget !== undefined; ) {
    const readStart = clock.now();
    const page = await backlog.readQueuePage(after, budget.readUntil);
    // Settling writes at most one object per entry read, at the reads' concurrency: as long again.
    const settleMs = clock.now() - readStart;
    const result = await drainPage(page.entries, { ...deps, deadline: deps.deadline - settleMs }, deps);
    tally.add(page, result);
    if (!page.more) tally.readAll();
    after = page.listed.at(-1)?.key;
    if (!page.more || after === undefined || stalled(result)) break;
    budget = pageBudget(clock.now(), deps.deadline, false);
  }
}

/**
 * What a page's purge calls need after its reads: a call starts only with 1 s left (execute.ts), after
 * a quota read, with room for an SDK loaded cold.
 */
const PURGE_TIME_MS = 2_000;

/**
 * When to stop reading a page: the time left after the purge calls, halved, as the settling (one
 * write per entry read, at the reads' concurrency) takes as long again as the reads. A drain with less
 * left still reads what it can at once (a window's drain, 1 s before its bookkeeping); undefined when
 * no time is left, or none for a further page's purge calls.
 */
function pageBudget(now: number, deadline: number, first: boolean): { readUntil: number } | undefined {
  const left = deadline - now;
  if (left <= 0 || (!first && left <= PURGE_TIME_MS)) return undefined;
  return { readUntil: now + Math.max(0, left - PURGE_TIME_MS) / 2 };
}

/**
 * A page whose submissions were neither accepted nor refused: a quota, rate limit or outage blocks
 * its lanes, and the next pages would only spend COS reads on targets that cannot go out either.
 */
const stalled = (result: PageResult): boolean =>
  result.submitted > 0 && result.purged === 0 && result.removed === 0;

/**
 * What the overdue alarm looks at: the entries left, and the targets whose task failed, queued again
 * by confirmation and perhaps sent again already by this drain. Those are not in `left`, but their
 * tries still count, or a task that always fails would loop with no alarm.
 */
function withRequeued(left: readonly BacklogEntry[], requeued: readonly BacklogEntry[]): BacklogEntry[] {
  const leftIds = new Set(left.flatMap((entry) => entry.targets.map((target) => queuedId(entry, target))));
  const failedAgain = requeued
    .map((entry) => ({ ...entry, targets: entry.targets.filter((t) => !leftIds.has(queuedId(entry, t))) }))
    .filter((entry) => entry.targets.length > 0);
  return [...left, ...failedAgain];
}
