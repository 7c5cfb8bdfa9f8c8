/**
 * One page of a drain: the entries one read of the queue returned, purged and settled.
 *
 *     entries → leave alone those of a provider not configured here → merge per lane → collapse
 *             → (hold back partial batches) → execute, journaling each request → settle the entries
 *
 * Nothing leaves the queue before the provider accepted it (see drain.ts and journal.ts).
 */

import { type Backlog, STORE_CONCURRENCY, type Stored } from "../backlog/backlog";
import { dueEntries } from "../backlog/backoff";
import { isDeferrable } from "../backlog/deferral";
import { type BacklogEntry, laneOf, type SentRecord } from "../backlog/entries";
import { mapLimit } from "../backlog/store";
import { type AttemptContext, isRateLimit } from "../execute/attempts";
import { type Collapse, collapseLanes } from "../execute/collapse-lanes";
import { readLaneQuota } from "../execute/quota-read";
import { laneKeyOf } from "../foundation/lane";
import type { Execution, Failure, Lane, LaneKey } from "../foundation/model";
import type { DrainDeps } from "./drain";
import { journaledPurgers, queuedId, SourceIndex } from "./journal";
import { executePurgesFirst, isPrefetch } from "./prefetch";

/** What draining one page did. */
export interface PageResult {
  /** Entries of a provider this drain has no purger for: not touched. */
  readonly unconfigured: readonly Stored<BacklogEntry>[];
  /** Distinct purge targets of the configured entries. */
  readonly targets: number;
  /** Targets submitted (after holding back partial batches). */
  readonly submitted: number;
  /** Queued targets the provider accepted (each URL under a collapsed folder counts). */
  readonly purged: number;
  readonly heldBack: number;
  /** Entries deleted because every target in them was resolved. */
  readonly removed: number;
  /** Configured entries still queued, as now stored. */
  readonly left: readonly BacklogEntry[];
  /** Targets that left the queue because no retry can purge them. */
  readonly failures: readonly Failure[];
  readonly collapsed: readonly Collapse[];
  readonly execution: Execution;
  /** API calls made for the page besides the execution's (quota reads). */
  readonly quotaCalls: number;
}

/**
 * Purges the targets of `entries` and settles them. `deps.deadline` is the time the execution must
 * end by; the settling after it is the caller's to budget.
 */
export async function drainPage(
  entries: readonly Stored<BacklogEntry>[],
  deps: DrainDeps,
  attempts: AttemptContext,
): Promise<PageResult> {
  const configured = entries.filter(({ record }) => deps.purgers[record.provider] !== undefined);
  const unconfigured = entries.filter(({ record }) => deps.purgers[record.provider] === undefined);

  const sources = new SourceIndex();
  // Entries still backing off after failed tries (backoff.ts) stay as they are, but their targets
  // still count as queued, so no prefetch runs ahead of their purge.
  const lanes = mergeLanes(configured, new SourceIndex());
  const due = mergeLanes(dueEntries(configured, deps.clock.now(), deps.log), sources);
  const { planned, folders, quotaCalls } = await collapseLanes(due, deps, attempts);
  const collapsed = folders.map(({ prefix, targets, ...lane }) => {
    sources.addFolder(lane, prefix, targets);
    return { ...laneKeyOf({ ...lane, type: "purge_url" }), prefix, count: targets.length };
  });
  const batches = deps.fullBatchesOnly
    ? await fullBatches(planned, deps, attempts)
    : { submit: planned, heldBack: 0, calls: 0 };
  const journal = journaledPurgers(deps, sources);
  // Prefetch lanes after the purge lanes, never for a URL still queued for purging (prefetch.ts).
  const execution = await executePurgesFirst(
    batches.submit,
    { ...deps, purgers: journal.purgers },
    { queued: lanes, sources, written: journal.written },
  );

  const outcome = resolveOutcome(journal.written, execution.failures, sources);
  const settled = await settleEntries(deps.backlog, configured, outcome, deps.clock.now());
  // The entries are settled: the journal records of this page need no replay.
  await Promise.all(
    journal.written.map(({ key, record }) => deps.backlog.writeSent({ ...record, applied: true }, key)),
  );
  return {
    unconfigured,
    targets: countTargets(
      [...lanes, ...mergeLanes(unconfigured, new SourceIndex())].filter((lane) => !isPrefetch(lane)),
    ),
    submitted: countTargets(batches.submit.filter((lane) => !isPrefetch(lane))),
    purged: execution.purged.length === 0 ? 0 : countPurged(journal.written, execution, sources),
    heldBack: batches.heldBack,
    removed: settled.removed,
    left: settled.left,
    failures: outcome.failed,
    collapsed,
    execution,
    quotaCalls: quotaCalls + batches.calls,
  };
}

interface Outcome {
  /** Queued targets (`queuedId`) answered: accepted, refused in a FailedList, or failed for good. */
  readonly resolved: ReadonlySet<string>;
  /** Queued targets that failed for a reason a retry may fix: their entries count a try. */
  readonly retried: ReadonlySet<string>;
  /** Failures no retry fixes: their targets leave the queue. */
  readonly failed: readonly Failure[];
}

/** Which queued targets the page's submissions and failures resolved; everything else waits. */
function resolveOutcome(
  written: readonly { record: SentRecord }[],
  failures: readonly Failure[],
  sources: SourceIndex,
): Outcome {
  const resolved = new Set<string>();
  const retried = new Set<string>();
  const failed: Failure[] = [];
  for (const { record } of written)
    for (const id of sources.resolves(record, record.targets)) resolved.add(id);
  for (const failure of failures) {
    const ids = sources.resolves(failure, failure.targets);
    if (!isDeferrable(failure)) failed.push(failure);
    // A FailedList refusal ("rejected") leaves the targets' fate to the submission's record.
    if (!isDeferrable(failure) && failure.class !== "rejected") for (const id of ids) resolved.add(id);
    // A rate-limit refusal says the account is busy, not that the target fails: no try, no backoff
    // (the entry's age still raises the overdue alarm).
    const tried = (failure.class === "retry" && !isRateLimit(failure.code)) || failure.class === "unknown";
    if (tried) for (const id of ids) retried.add(id);
  }
  return { resolved, retried, failed };
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

/** The page's lanes: each lane's distinct targets, first queued first; `sources` learns where each came from. */
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
 * Rewrites the queue after a page: an entry whose targets were all resolved is deleted; one that
 * lost some is rewritten with the rest; one whose targets failed retryably counts a try. Entries this
 * page did not touch are not written. Returns the entries left, as now stored.
 *
 * The deletes go out as one DELETE Multiple Objects per 1,000 entries (a page is at most 1,000),
 * beside the rewrites. If any write or delete fails, this rejects once all have ended: the page's
 * sent records then stay unapplied, and the next drain removes their targets from whatever entries
 * are still stored (journal.ts), so an entry COS did not delete is neither lost nor purged again.
 */
async function settleEntries(
  backlog: Backlog,
  entries: readonly Stored<BacklogEntry>[],
  { resolved, retried }: Outcome,
  now: number,
): Promise<{ left: BacklogEntry[]; removed: number }> {
  const left: BacklogEntry[] = [];
  const rewrites: (() => Promise<void>)[] = [];
  const done: string[] = [];
  for (const { key, record } of entries) {
    const targets = record.targets.filter((target) => !resolved.has(queuedId(record, target)));
    const failedAgain = targets.some((target) => retried.has(queuedId(record, target)));
    if (targets.length === 0) {
      done.push(key);
      continue;
    }
    const entry = failedAgain
      ? { ...record, targets, tries: record.tries + 1, deferredAt: now }
      : { ...record, targets };
    left.push(entry);
    if (targets.length !== record.targets.length || failedAgain)
      rewrites.push(() => backlog.rewrite(key, entry));
  }
  const outcomes = await Promise.allSettled([
    mapLimit(rewrites, STORE_CONCURRENCY, (write) => write()),
    backlog.removeAll(done),
  ]);
  const failed = outcomes.find((outcome) => outcome.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return { left, removed: done.length };
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

const countTargets = (lanes: readonly Lane[]): number =>
  lanes.reduce((sum, lane) => sum + lane.targets.length, 0);
