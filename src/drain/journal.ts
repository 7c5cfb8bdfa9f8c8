/**
 * The drain's journal: a `sent/` record around every submit, so that what a drain sent is never sent
 * again by the next one, and is confirmed once the provider's task has ended.
 *
 *     before the call   sent/<t>.json  { targets, covers, entryKeys, createdAt }
 *     after the call    … + taskId                     (the provider accepted it)
 *     after settling    … + applied                    (its targets left the queue entries)
 *     a later drain     task success → record deleted (in one batch); ended badly (failed, timeout,
 *                       canceled: model.ts `endedBadly`) → targets queued again,
 *                       with the tries and first deferral of the entries they came from (confirm.ts)
 */

import { type Backlog, STORE_CONCURRENCY, type Stored } from "../backlog/backlog";
import { type BacklogEntry, laneOf, type SentRecord } from "../backlog/entries";
import { mapLimit } from "../backlog/store";
import type { AttemptContext } from "../execute/attempts";
import { lookUpTasks, type TaskLookup, tasksSentSince } from "../execute/tasks";
import { mayHaveArrived, toApiError } from "../foundation/errors";
import { hintFor } from "../foundation/hints";
import { laneKeyOf, withSubmit } from "../foundation/lane";
import type { Logger } from "../foundation/log";
import { endedBadly, type LaneKey, type Provider, type Purger, type TaskRecord } from "../foundation/model";
import { type Decision, decideConfirmation } from "./confirm";
import { noteRequeuedByJournal } from "./failed-tasks";

/** Which queue entries hold each target, per lane; and which queued URLs a folder target stands for. */
export class SourceIndex {
  private readonly entries = new Map<string, Map<string, string[]>>();
  private readonly folders = new Map<string, Map<string, string[]>>();
  /** Per queued target (`queuedId`): the most tries and the earliest deferral of the entries holding it. */
  private readonly histories = new Map<string, History>();

  addEntryTarget(entry: BacklogEntry, target: string, key: string): void {
    const byTarget = mapOf(this.entries, laneOf(entry));
    const keys = byTarget.get(target);
    if (keys === undefined) byTarget.set(target, [key]);
    else if (!keys.includes(key)) keys.push(key);
    const id = queuedId(entry, target);
    const known = this.histories.get(id);
    this.histories.set(id, {
      tries: Math.max(entry.tries, known?.tries ?? 0),
      firstDeferredAt: Math.min(entry.firstDeferredAt, known?.firstDeferredAt ?? entry.firstDeferredAt),
    });
  }

  /** The history of the queued targets a submission of `targets` in `lane` resolves; none when unqueued. */
  history(lane: LaneKey, targets: readonly string[]): History | undefined {
    let merged: History | undefined;
    for (const id of this.resolves(lane, targets)) {
      const known = this.histories.get(id);
      if (known === undefined) continue;
      merged = {
        tries: Math.max(known.tries, merged?.tries ?? 0),
        firstDeferredAt: Math.min(known.firstDeferredAt, merged?.firstDeferredAt ?? known.firstDeferredAt),
      };
    }
    return merged;
  }

  /** Records that purging folder `prefix` in the folder lane purges `targets` (URLs of the URL lane). */
  addFolder(lane: LaneKey, prefix: string, targets: readonly string[]): void {
    mapOf(this.folders, laneOf(lane)).set(prefix, [...targets]);
  }

  /** The queued targets a submission of `targets` in `lane` resolves. */
  covers(lane: LaneKey, targets: readonly string[]): string[] {
    const folders = this.folders.get(laneOf(lane));
    return targets.flatMap((target) => folders?.get(target) ?? [target]);
  }

  /**
   * The same as `covers`, each qualified by the lane it is queued in (`queuedId`): a URL queued in two
   * lanes (EdgeOne and CDN) is resolved in each separately. A collapsed folder's URLs are queued in the
   * URL lane of the same provider and scope.
   */
  resolves(lane: LaneKey, targets: readonly string[]): string[] {
    const folders = this.folders.get(laneOf(lane));
    const urlLane = { provider: lane.provider, scope: lane.scope };
    return targets.flatMap((target) => {
      const covered = folders?.get(target);
      return covered === undefined ? [queuedId(lane, target)] : covered.map((url) => queuedId(urlLane, url));
    });
  }

  /** Queue entries holding any target a submission of `targets` in `lane` resolves. */
  entryKeys(lane: LaneKey, targets: readonly string[]): string[] {
    const keys = new Set<string>();
    const folders = this.folders.get(laneOf(lane));
    const own = this.entries.get(laneOf(lane));
    const urls = this.entries.get(laneOf({ provider: lane.provider, scope: lane.scope }));
    for (const target of targets) {
      for (const key of own?.get(target) ?? []) keys.add(key);
      for (const covered of folders?.get(target) ?? [])
        for (const key of urls?.get(covered) ?? []) keys.add(key);
    }
    return [...keys];
  }
}

/** How long queued targets have waited, and how many drains found them failing. */
export interface History {
  readonly tries: number;
  readonly firstDeferredAt: number;
}

/** A target as queued in a lane: what a drain resolves, deletes, or keeps. */
export const queuedId = (lane: LaneKey, target: string): string => `${laneOf(lane)}\n${target}`;

function mapOf<V>(maps: Map<string, Map<string, V>>, id: string): Map<string, V> {
  let map = maps.get(id);
  if (map === undefined) {
    map = new Map();
    maps.set(id, map);
  }
  return map;
}

export interface JournalDeps {
  readonly backlog: Backlog;
  readonly clock: { now(): number };
  readonly log: Logger;
  readonly purgers: Partial<Record<Provider, Purger>>;
}

/**
 * Purgers whose every submit is journaled (see the module comment); `written` lists the records of
 * accepted submissions, which the drain marks applied once it has settled the queue.
 */
export function journaledPurgers(
  deps: JournalDeps,
  sources: SourceIndex,
): { purgers: Partial<Record<Provider, Purger>>; written: { key: string; record: SentRecord }[] } {
  const written: { key: string; record: SentRecord }[] = [];
  const purgers: Partial<Record<Provider, Purger>> = {};
  for (const [provider, purger] of Object.entries(deps.purgers) as [Provider, Purger][]) {
    purgers[provider] = withSubmit(purger, async (scope, targets, options) => {
      const lane = laneKeyOf({ provider, scope, ...(options?.type ? { type: options.type } : {}) });
      const record: SentRecord = {
        ...lane,
        targets: [...targets],
        covers: sources.covers(lane, targets),
        entryKeys: sources.entryKeys(lane, targets),
        createdAt: deps.clock.now(),
        ...sources.history(lane, targets),
      };
      const key = await deps.backlog.writeSent(record);
      let receipt: Awaited<ReturnType<Purger["submit"]>>;
      try {
        receipt = await purger.submit(scope, targets, options);
      } catch (error) {
        // Refused for certain: nothing was sent, the record goes. Maybe sent: the next drain looks.
        if (!mayHaveArrived(toApiError(provider, purger.actions[lane.type ?? "purge_url"], error).code)) {
          await deps.backlog.remove(key).catch(() => undefined);
        }
        throw error;
      }
      const done = { ...record, taskId: receipt.taskId };
      written.push({ key, record: done });
      await deps.backlog
        .writeSent(done, key)
        .catch((error: unknown) =>
          deps.log.warn("task id not recorded; the next drain looks it up", { key, error }),
        );
      return receipt;
    });
  }
  return { purgers, written };
}

/** What confirming earlier submissions found. */
export interface Confirmation {
  /** Sent records whose tasks all succeeded (deleted). */
  readonly confirmed: number;
  /** Targets of tasks that ended without purging, queued again. */
  readonly requeued: number;
  /** Sent records still waiting for their tasks to end. */
  readonly unconfirmed: number;
  readonly apiCalls: number;
  /** The queue entries written for what was queued again, with their tries (for the overdue alarm). */
  readonly requeuedEntries: readonly BacklogEntry[];
  /** Tasks of the records settled here: the sweep of failed tasks (failed-tasks.ts) must not queue them again. */
  readonly settledTasks: readonly string[];
  /** The sent records read, before settling: the sweep of failed tasks tells the drain's own tasks by them. */
  readonly sent: readonly Stored<SentRecord>[];
}

/** Who wrote the queue entries of targets queued again, for `origin`. */
const REQUEUE_ORIGIN = "confirmation";

/**
 * Resolves every sent record: looks its task up, decides (confirm.ts), then applies the decision:
 * its targets leave the queue entries (a drain that died after submitting never got to it), targets
 * not purged go back to the queue, and the record is kept (still running) or deleted.
 */
export async function confirmSent(
  deps: JournalDeps & { readonly attempts: AttemptContext },
): Promise<Confirmation> {
  const { backlog, log } = deps;
  const { entries, unreadable } = await backlog.readSent();
  for (const { key, problem } of unreadable) {
    log.error("sent record unreadable, left in place", { key, problem });
  }
  const tally = {
    confirmed: 0,
    requeued: 0,
    unconfirmed: 0,
    apiCalls: 0,
    requeuedEntries: [] as BacklogEntry[],
    settledTasks: [] as string[],
    sent: entries,
  };
  const done: string[] = [];
  for (const stored of entries) {
    const purger = deps.purgers[stored.record.provider];
    // A provider no longer configured: its records wait for a drain that has it.
    if (purger === undefined) continue;
    const { decision, requeued, settled, settledTasks, calls } = await confirmOne(deps, purger, stored);
    tally.apiCalls += calls;
    if (settled) done.push(stored.key);
    tally.requeuedEntries.push(...requeued);
    tally.requeued += requeued.reduce((sum, entry) => sum + entry.targets.length, 0);
    tally.settledTasks.push(...settledTasks);
    if (decision.keep) tally.unconfirmed += 1;
    else if (decision.confirmed) tally.confirmed += 1;
  }
  // Records whose decision queued nothing again go in one batch delete at the end: a drain that dies
  // first leaves them for the next, which finds the same tasks and settles them again (idempotent).
  await backlog.removeAll(done);
  return tally;
}

/**
 * One sent record: look its task up, decide (confirm.ts), apply. Returns the decision, the queue
 * entries written for what was requeued, whether the record is left for the caller's batch delete
 * (`settled`), the tasks settled, and the calls made.
 */
async function confirmOne(
  deps: JournalDeps & { readonly attempts: AttemptContext },
  purger: Purger,
  stored: { key: string; record: SentRecord },
): Promise<{
  decision: Decision;
  requeued: BacklogEntry[];
  settled: boolean;
  settledTasks: string[];
  calls: number;
}> {
  const { lookup, calls } = await lookUpRecordTasks(deps, purger, stored.record);
  const action = purger.actions[stored.record.type ?? "purge_url"];
  const decision = decideConfirmation(stored.record, lookup, deps.clock.now(), action);
  const listed = lookup.kind === "found" ? lookup.tasks : [];
  // Before the requeue: the sweep of failed tasks must never queue these a second time.
  if (decision.requeue.length > 0) await noteRequeuedByJournal(deps.backlog, failedTaskIds(listed));
  const { requeued, settled } = await applyDecision(deps, stored, decision);
  const settledTasks = decision.keep ? [] : listed.map((task) => task.taskId);
  return { decision, requeued, settled, settledTasks, calls };
}

const failedTaskIds = (tasks: readonly TaskRecord[]): string[] => [
  ...new Set(tasks.filter(endedBadly).map((task) => task.taskId)),
];

/** The record's tasks (execute/tasks.ts): by task id when the submit answered, else those created since it was sent. */
function lookUpRecordTasks(
  deps: JournalDeps & { readonly attempts: AttemptContext },
  purger: Purger,
  record: SentRecord,
): Promise<{ lookup: TaskLookup; calls: number }> {
  const lane = laneKeyOf(record);
  const query = record.taskId
    ? { scope: record.scope, type: record.type ?? "purge_url", taskId: record.taskId }
    : tasksSentSince(lane, record.createdAt, deps.clock.now());
  return lookUpTasks(deps.attempts, purger, lane, query);
}

/**
 * Carries a decision out, in an order a crash cannot turn into a loss: entries first, then the
 * targets to queue again, then the record. Returns the queue entries written, and `settled` for a
 * record left for the caller to delete: one that queued nothing again, so deleting it later (in a
 * batch) only risks a second lookup. One that queued targets again is deleted here at once, so that
 * a crash can leave at most that one record to queue its targets a second time.
 */
async function applyDecision(
  deps: JournalDeps,
  { key, record }: { key: string; record: SentRecord },
  decision: Decision,
): Promise<{ requeued: BacklogEntry[]; settled: boolean }> {
  const { backlog, log, clock } = deps;
  const lane = laneKeyOf(record);
  if (decision.warning) {
    const code = decision.warning.fields.code;
    const hint = typeof code === "string" ? { hint: hintFor(code, record.provider) } : {};
    log.warn(decision.warning.msg, { ...lane, key, ...decision.warning.fields, ...hint });
  }
  if (decision.apply && record.entryKeys.length > 0)
    await backlog.removeTargets(record.entryKeys, new Set(decision.apply));
  const now = clock.now();
  const requeued = decision.requeue
    .filter((requeue) => requeue.targets.length > 0)
    .map(
      ({ targets, reason, message, tries, firstDeferredAt }): BacklogEntry => ({
        ...lane,
        targets: [...targets],
        reason,
        message,
        firstDeferredAt,
        deferredAt: now,
        tries,
        origin: REQUEUE_ORIGIN,
      }),
    );
  await mapLimit(requeued, STORE_CONCURRENCY, (entry) => backlog.add(entry));
  if (decision.keep === undefined && requeued.length === 0) return { requeued, settled: true };
  if (decision.keep === undefined) await backlog.remove(key);
  else if (decision.keep !== record) await backlog.writeSent(decision.keep, key);
  return { requeued, settled: false };
}
