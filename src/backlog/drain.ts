/**
 * The drain: purges what waits in the backlog, under a lease so that two drains never work at once.
 *
 *     lease → confirm what earlier drains sent (journal.ts) → read the queue → merge per lane
 *           → collapse folders → execute, journaling each request → settle the entries → alarm → release
 *
 * Nothing leaves the queue before the provider accepted it, and nothing accepted is sent again: every
 * request is journaled (journal.ts), and a drain killed anywhere leaves either untouched entries or a
 * sent record the next drain resolves.
 */
import type { AttemptContext } from "../execute/attempts";
import { type Collapse, collapseLanes, readLaneQuota } from "../execute/collapse-lanes";
import type { ExecuteDeps } from "../execute/execute";
import { laneKeyOf } from "../execute/lane";
import { createRateLimiter } from "../execute/rate-limit";
import type { Execution, Failure, Lane, LaneKey } from "../model";
import type { CollapseSettings } from "../plan/collapse";
import type { Backlog, Stored, Unreadable } from "./backlog";
import { isDeferrable } from "./deferral";
import { type BacklogEntry, FOLDERS, keyTime, laneOf, type SentRecord } from "./entries";
import { confirmSent, journaledPurgers, queuedId, SourceIndex } from "./journal";
import { acquireLease, type LeaseState, leaseHolder } from "./lease";
import { sweepMarkers } from "./markers";
import { executePurgesFirst, isPrefetch } from "./prefetch";

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
   * full batches, which a drain now would cut into partial ones. The timer's drains set it.
   */
  readonly yieldToWindow?: boolean;
}

/** What one drain did; logged as the "drain summary" line. */
export interface DrainReport {
  /** `busy`: another drain holds the lease, and nothing was done. */
  readonly status: "drained" | "busy";
  readonly holder?: LeaseState;
  /** Queue entries read, and the distinct targets in them. */
  readonly entries: number;
  readonly targets: number;
  /** Queued targets the provider accepted (each URL under a collapsed folder counts). */
  readonly purged: number;
  /** Targets still waiting after this drain (quota, rate limit, outage, deadline, held back). */
  readonly waiting: number;
  /** Of those, targets held back for a fuller batch (`fullBatchesOnly`). */
  readonly heldBack: number;
  /** Prefetch targets still waiting (not in `waiting`); those accepted are in `jobs`, not in `purged`. */
  readonly prefetchWaiting: number;
  /** The newest queue entry this drain read (its key's time), 0 when none. */
  readonly readUpTo: number;
  /** Targets taken out of the backlog because no retry can purge them. */
  readonly failures: readonly Failure[];
  readonly collapsed: readonly Collapse[];
  /** Earlier submissions confirmed done; targets of failed tasks queued again; tasks still running. */
  readonly confirmed: number;
  readonly requeued: number;
  readonly unconfirmed: number;
  readonly unreadable: readonly Unreadable[];
  /** Age of the oldest entry left in the queue. */
  readonly oldestAgeMs: number;
  readonly jobs: Execution["jobs"];
  readonly quota: Execution["quota"];
  readonly apiCalls: number;
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
  const ttl = Math.max(BOOKKEEPING_MS, deps.deadline - clock.now());
  if (deps.yieldToWindow) {
    const window = await leaseHolder(backlog.objects, clock, `${backlog.prefix}${FOLDERS.lease}window/`);
    if (window !== undefined) return { ...emptyReport("busy"), holder: window };
  }
  const name = `${backlog.prefix}${FOLDERS.lease}drain/`;
  const lease = await acquireLease(backlog.objects, clock, name, deps.owner, ttl);
  if (lease.held === undefined) {
    return { ...emptyReport("busy"), ...(lease.holder ? { holder: lease.holder } : {}) };
  }
  try {
    const deadline = Math.min(deps.deadline, lease.held.expiresAt) - BOOKKEEPING_MS;
    return await drainHeld({ ...deps, deadline });
  } finally {
    await lease.held
      .release()
      .catch((error: unknown) => deps.log.warn("drain lease not released", { error }));
  }
}

async function drainHeld(deps: DrainDeps): Promise<DrainReport> {
  const { backlog, clock, log } = deps;
  const attempts: AttemptContext = { ...deps, limiter: deps.limiter ?? createRateLimiter(clock) };
  const withLimiter = { ...deps, limiter: attempts.limiter };
  const confirmation = await confirmSent({ ...withLimiter, attempts });
  await sweepMarkers(backlog, clock.now()).catch(() => 0);

  const { entries, unreadable } = await backlog.readQueue();
  for (const { key, problem } of unreadable)
    log.error("backlog entry unreadable, left in place", { key, problem });

  const sources = new SourceIndex();
  const lanes = mergeLanes(entries, sources);
  const { planned, folders, quotaCalls } = await collapseLanes(lanes, withLimiter, attempts);
  const collapsed = folders.map(({ prefix, targets, ...lane }) => {
    sources.addFolder(lane, prefix, targets);
    return { ...laneKeyOf({ ...lane, type: "purge_url" }), prefix, count: targets.length };
  });
  const {
    submit,
    heldBack,
    calls: batchCalls,
  } = deps.fullBatchesOnly
    ? await fullBatches(planned, withLimiter, attempts)
    : { submit: planned, heldBack: 0, calls: 0 };
  const journal = journaledPurgers({ ...withLimiter }, sources);
  // Prefetch lanes after the purge lanes, never for a URL still queued for purging (prefetch.ts).
  const execution = await executePurgesFirst(
    submit,
    { ...withLimiter, purgers: journal.purgers },
    { queued: lanes, sources, written: journal.written },
  );

  // Queued targets resolved: submitted and answered (accepted, or refused in a FailedList, which no
  // retry fixes), or failed for a reason no retry fixes. Everything else waits.
  const resolved = new Set<string>();
  for (const { record } of journal.written)
    for (const id of sources.resolves(record, record.targets)) resolved.add(id);
  const failed: Failure[] = [];
  const retried = new Set<string>();
  for (const failure of execution.failures) {
    const ids = sources.resolves(failure, failure.targets);
    if (!isDeferrable(failure)) failed.push(failure);
    if (!isDeferrable(failure) && failure.class !== "rejected") for (const id of ids) resolved.add(id);
    if (failure.class === "retry" || failure.class === "unknown") for (const id of ids) retried.add(id);
  }

  const left = await settleEntries(backlog, entries, resolved, retried, clock.now());
  // The entries are settled: the journal records of this drain need no replay.
  await Promise.all(
    journal.written.map(({ key, record }) => backlog.writeSent({ ...record, applied: true }, key)),
  );
  const purgeFailed = failed.filter((failure) => failure.type !== "prefetch_url");
  const prefetchFailed = failed.filter((failure) => failure.type === "prefetch_url");
  if (prefetchFailed.length > 0) {
    // The content is already fresh: a warm-up that cannot be done is worth a warning, not an alarm.
    log.warn("backlog prefetches failed for a reason no retry can fix; removed from the backlog", {
      failures: prefetchFailed.map(({ targets, ...failure }) => ({ ...failure, count: targets.length })),
    });
  }
  if (purgeFailed.length > 0) {
    log.error("backlog targets failed for a reason no retry can fix; removed from the backlog", {
      failures: purgeFailed.map(({ targets, ...failure }) => ({
        ...failure,
        count: targets.length,
        targets: targets.slice(0, 20),
      })),
    });
  }
  // Targets whose task failed were queued again, and may have been sent again already: they are not
  // in `left`, but their tries still count, or a task that always fails would loop with no alarm.
  const leftIds = new Set(left.flatMap((entry) => entry.targets.map((target) => queuedId(entry, target))));
  const failedAgain = confirmation.requeuedEntries
    .map((entry) => ({ ...entry, targets: entry.targets.filter((t) => !leftIds.has(queuedId(entry, t))) }))
    .filter((entry) => entry.targets.length > 0);
  alarmOverdue(deps, [...left, ...failedAgain]);

  const now = clock.now();
  const waitingTargets = new Set(
    left.filter((entry) => !isPrefetch(entry)).flatMap((entry) => entry.targets),
  );
  const prefetchWaiting = new Set(left.filter(isPrefetch).flatMap((entry) => entry.targets)).size;
  return {
    status: "drained",
    entries: entries.length,
    targets: lanes.filter((lane) => !isPrefetch(lane)).reduce((sum, lane) => sum + lane.targets.length, 0),
    purged: execution.purged.length === 0 ? 0 : countPurged(journal.written, execution, sources),
    waiting: waitingTargets.size,
    prefetchWaiting,
    heldBack,
    readUpTo: Math.max(0, ...entries.map(({ key }) => keyTime(key) ?? 0)),
    failures: failed,
    collapsed,
    confirmed: confirmation.confirmed,
    requeued: confirmation.requeued,
    unconfirmed: confirmation.unconfirmed,
    unreadable,
    oldestAgeMs:
      left.length === 0 ? 0 : Math.max(0, now - Math.min(...left.map((entry) => entry.firstDeferredAt))),
    jobs: execution.jobs,
    quota: execution.quota,
    apiCalls: execution.apiCalls + confirmation.apiCalls + quotaCalls + batchCalls,
  };
}

/** Each lane cut to whole batches of its known (or default) batch size; how many targets were held back. */
async function fullBatches(
  lanes: readonly Lane[],
  deps: DrainDeps,
  attempts: AttemptContext,
): Promise<{ submit: Lane[]; heldBack: number; calls: number }> {
  let heldBack = 0;
  let calls = 0;
  const submit: Lane[] = [];
  for (const lane of lanes) {
    // The provider's Batch, not a default: cutting at a smaller one would send two half batches.
    const read = await readLaneQuota(lane, deps, attempts);
    calls += read.calls;
    const whole = Math.floor(lane.targets.length / read.quota.batch) * read.quota.batch;
    heldBack += lane.targets.length - whole;
    if (whole > 0) submit.push({ ...lane, targets: lane.targets.slice(0, whole) });
  }
  return { submit, heldBack, calls };
}

/** The queue's lanes: each lane's distinct targets, first queued first; `sources` learns where each came from. */
function mergeLanes(entries: readonly Stored<BacklogEntry>[], sources: SourceIndex): Lane[] {
  const lanes = new Map<string, { lane: LaneKey; targets: Set<string> }>();
  for (const { key, record } of entries) {
    const id = laneOf(record);
    const lane = lanes.get(id) ?? { lane: laneKeyOf(record), targets: new Set<string>() };
    lanes.set(id, lane);
    for (const target of record.targets) {
      lane.targets.add(target);
      sources.addEntryTarget(record, target, key);
    }
  }
  return [...lanes.values()].map(({ lane, targets }) => ({ ...lane, targets: [...targets] }));
}

/**
 * Rewrites the queue after a drain: an entry whose targets were all resolved is deleted; one that
 * lost some is rewritten with the rest; one whose targets failed retryably counts a try. Entries this
 * drain did not touch are not written. Returns the entries left, as now stored.
 */
async function settleEntries(
  backlog: Backlog,
  entries: readonly Stored<BacklogEntry>[],
  resolved: ReadonlySet<string>,
  retried: ReadonlySet<string>,
  now: number,
): Promise<BacklogEntry[]> {
  const left: BacklogEntry[] = [];
  const writes: Promise<void>[] = [];
  for (const { key, record } of entries) {
    const targets = record.targets.filter((target) => !resolved.has(queuedId(record, target)));
    const failedAgain = targets.some((target) => retried.has(queuedId(record, target)));
    if (targets.length === 0) {
      writes.push(backlog.remove(key));
      continue;
    }
    const entry = failedAgain
      ? { ...record, targets, tries: record.tries + 1, deferredAt: now }
      : { ...record, targets };
    left.push(entry);
    if (targets.length !== record.targets.length || failedAgain) writes.push(backlog.rewrite(key, entry));
  }
  await Promise.all(writes);
  return left;
}

/** The `error` line the README's alarm keys on: entries waiting too long, or failing too often. */
function alarmOverdue(deps: DrainDeps, left: readonly BacklogEntry[]): void {
  const now = deps.clock.now();
  const overdue = left.filter(
    (entry) => now - entry.firstDeferredAt > deps.alarm.maxAgeMs || entry.tries > deps.alarm.maxTries,
  );
  if (overdue.length === 0) return;
  const reasons: Record<string, number> = {};
  for (const entry of overdue) reasons[entry.reason] = (reasons[entry.reason] ?? 0) + entry.targets.length;
  deps.log.error("backlog overdue", {
    entries: overdue.length,
    targets: overdue.reduce((sum, entry) => sum + entry.targets.length, 0),
    oldestAgeMs: Math.max(...overdue.map((entry) => now - entry.firstDeferredAt)),
    mostTries: Math.max(...overdue.map((entry) => entry.tries)),
    reasons,
    hint: "Purges have waited longer than PURGE_BACKLOG_ALARM_AGE_MS or failed more than PURGE_BACKLOG_ALARM_TRIES drains; `cos-purge backlog` lists them with their reasons.",
  });
}

/** Queued targets the provider accepted: the accepted part of each journaled submission, expanded. */
function countPurged(
  written: readonly { record: SentRecord }[],
  execution: Execution,
  sources: SourceIndex,
): number {
  const refused = new Set(execution.failures.filter((f) => f.class === "rejected").flatMap((f) => f.targets));
  const ids = new Set<string>();
  for (const { record } of written.filter(({ record }) => !isPrefetch(record))) {
    const accepted = record.targets.filter((target) => !refused.has(target));
    for (const id of sources.resolves(record, accepted)) ids.add(id);
  }
  return ids.size;
}

function emptyReport(status: DrainReport["status"]): DrainReport {
  return {
    status,
    entries: 0,
    targets: 0,
    purged: 0,
    waiting: 0,
    prefetchWaiting: 0,
    heldBack: 0,
    readUpTo: 0,
    failures: [],
    collapsed: [],
    confirmed: 0,
    requeued: 0,
    unconfirmed: 0,
    unreadable: [],
    oldestAgeMs: 0,
    jobs: [],
    quota: [],
    apiCalls: 0,
  };
}
