/**
 * Purge tasks that were accepted and then failed (issue 13 row 3): the provider took the URLs, the
 * summary said purged, and the task ended without purging (`failed`, `timeout` or `canceled`: model.ts
 * `endedBadly`, the rule the journal and `cos-purge tasks --failed` share). The drain's own submissions
 * are confirmed by the journal (journal.ts); a direct purge has no journal, so the timer's drain reads
 * each configured lane's recent failed tasks and queues their targets again.
 *
 * Cost: one task query per lane per timer drain (EdgeOne per zone with the `statuses` filter, CDN per
 * area with `Status: fail`), usually one page and usually empty, over the last `LOOK_BACK_MS`. Only when
 * it lists a failed task is COS read: a cursor object under the backlog prefix remembers which tasks
 * were queued again (or were the journal's), so a task is queued once, and it is written only when that
 * changes. A target whose tasks keep failing is queued with its failures counted as tries, so "backlog
 * overdue" fires instead of a silent loop.
 */

import type { Backlog, Stored } from "../backlog/backlog";
import type { SentRecord } from "../backlog/entries";
import type { AttemptContext } from "../execute/attempts";
import { earliestTaskOf, lookUpTasks, mayBeTaskOf } from "../execute/tasks";
import { laneKeyOf, laneOf } from "../foundation/lane";
import type { Logger } from "../foundation/log";
import {
  type Config,
  endedBadly,
  type LaneKey,
  type Provider,
  PURGE_ENDED_BADLY,
  type Purger,
  type TaskRecord,
} from "../foundation/model";

/**
 * How far back every look goes: a purge takes about a minute, 3–5 for large ones (tencent-cloud.md §3),
 * so a task that fails has failed well within it, and a timer firing at least hourly misses none (a
 * bounded window, not the API's 7 days). Every look covers the same span, so the cursor needs no
 * position, only the tasks already handled within it, and a drain that finds no failed task in it
 * needs no COS request at all.
 */
export const LOOK_BACK_MS = 60 * 60_000;
/** How long a target's failures are remembered for counting tries. */
const REMEMBER_MS = 24 * 60 * 60_000;

export interface FailedTaskDeps {
  readonly backlog: Backlog;
  readonly clock: { now(): number };
  readonly log: Logger;
  readonly purgers: Partial<Record<Provider, Purger>>;
  readonly attempts: AttemptContext;
}

/** What the cursor object holds (older versions also wrote `until`, which is no longer read). */
interface Cursor {
  /** Task ids already queued again, or the journal's, with their creation time (pruned once out of range). */
  readonly queued: Readonly<Record<string, number>>;
  /** Per lane and target, failed tasks seen, and when last (pruned after `REMEMBER_MS`). */
  readonly failures: Readonly<Record<string, { readonly count: number; readonly at: number }>>;
}

/**
 * Where the journal notes the failed tasks it queued again itself (journal.ts): the sweep may meet
 * such a task after its sent record is gone (confirmed by a window's drain) and must not queue it a
 * second time. Written only for failed tasks, so it costs a request only when a task failed.
 */
const handledKey = (backlog: Backlog, taskId: string): string =>
  `${backlog.prefix}failed-tasks/handled/${encodeURIComponent(taskId)}`;

/** Notes that the journal queued the targets of these failed tasks again. */
export async function noteRequeuedByJournal(backlog: Backlog, taskIds: readonly string[]): Promise<void> {
  await Promise.all(
    taskIds.map((taskId) => backlog.objects.put(handledKey(backlog, taskId), "", { timeoutMs: 5_000 })),
  );
}

/** The lanes whose tasks a timer drain reads: each EdgeOne zone, the CDN area (URL purges). */
export function failedTaskLanes(config: Pick<Config, "sites" | "cdnArea">): LaneKey[] {
  const lanes = new Map<string, LaneKey>();
  for (const site of config.sites) {
    const scope = site.provider === "edgeone" ? (site.zoneId ?? "") : config.cdnArea;
    lanes.set(laneOf({ provider: site.provider, scope }), { provider: site.provider, scope });
  }
  return [...lanes.values()];
}

/** What a look at the lanes' recent failed tasks found, and the task queries it made. */
export interface RecentFailures {
  readonly found: readonly LaneFailures[];
  readonly apiCalls: number;
}

/** The failed tasks of one lane that a look found. */
interface LaneFailures {
  readonly lane: LaneKey;
  readonly purger: Purger;
  readonly failed: readonly TaskRecord[];
}

/**
 * Each lane's tasks that ended without purging within `LOOK_BACK_MS`; a lane whose tasks cannot be read
 * is warned about and left out (looked at again next drain, whose look covers the same span).
 */
async function recentFailures(
  deps: FailedTaskDeps,
  lanes: readonly LaneKey[],
  now: number,
): Promise<RecentFailures> {
  const found: LaneFailures[] = [];
  let apiCalls = 0;
  // Only statuses a purge task has: DescribePurgeTasks documents no `invalid` (a prefetch status).
  const range = {
    type: "purge_url" as const,
    since: now - LOOK_BACK_MS,
    until: now,
    statuses: PURGE_ENDED_BADLY,
  };
  for (const lane of lanes) {
    const purger = deps.purgers[lane.provider];
    if (purger === undefined) continue;
    const query = { ...range, scope: lane.scope };
    const { lookup, calls } = await lookUpTasks(deps.attempts, purger, lane, query);
    apiCalls += calls;
    if (lookup.kind === "unknown") {
      deps.log.warn("failed purge tasks not read; looked at again next drain", {
        ...lane,
        code: lookup.code,
      });
      continue;
    }
    const failed = lookup.tasks.filter(endedBadly);
    if (failed.length > 0) found.push({ lane, purger, failed });
  }
  return { found, apiCalls };
}

/**
 * Whether a task failed lately that no drain has queued again (or seen as the journal's) yet: what
 * makes a timer drain that finds the backlog empty take the lease after all. Writes nothing; reads the
 * cursor only when a task failed.
 */
export async function failedTasksWaiting(
  deps: FailedTaskDeps,
  lanes: readonly LaneKey[],
): Promise<{ waiting: boolean; looked: RecentFailures }> {
  const looked = await recentFailures(deps, lanes, deps.clock.now());
  if (looked.found.length === 0) return { waiting: false, looked };
  // A cursor that cannot be read hides nothing: the drain takes the lease and tries again.
  const cursor = await readCursor(deps.backlog).catch(() => undefined);
  if (cursor === undefined) return { waiting: true, looked };
  const { queued } = cursor;
  const waiting = looked.found.some(({ failed }) => failed.some((task) => !(task.taskId in queued)));
  return { waiting, looked };
}

/** What the drain's journal knows, so that its own tasks are left to it (journal.ts). */
export interface JournalView {
  /** The sent records as the drain read them; read here when not given. */
  readonly sent?: readonly Stored<SentRecord>[];
  /** Tasks of the records the journal settled in this drain. */
  readonly settledTasks?: readonly string[];
  /**
   * What this drain's look before the lease found (idle.ts), used instead of querying again: a task
   * that failed since is found by the next drain, whose look covers the same hour.
   */
  readonly looked?: RecentFailures;
}

/**
 * Queues again the targets of tasks that failed within `LOOK_BACK_MS`, except those queued before and
 * those of the drain's own `sent` records (the journal confirms them). Never throws for a provider's
 * answer: a lane whose tasks cannot be read is looked at again next time. Only under the drain lease:
 * the cursor is what keeps two drains from queueing one task twice.
 */
export async function requeueFailedTasks(
  deps: FailedTaskDeps,
  lanes: readonly LaneKey[],
  journal: JournalView = {},
): Promise<{ requeued: number; apiCalls: number }> {
  const { backlog, clock, log } = deps;
  const now = clock.now();
  const { found, apiCalls } = journal.looked ?? (await recentFailures(deps, lanes, now));
  if (found.length === 0) return { requeued: 0, apiCalls };
  const cursor = await readCursor(backlog).catch((error: unknown) => {
    // Read as empty, it would queue again every task of the last hour that failed: wait for the next drain.
    log.warn("failed purge tasks not queued: their cursor could not be read; looked at again next drain", {
      error,
    });
    return undefined;
  });
  if (cursor === undefined) return { requeued: 0, apiCalls };
  const queued: Record<string, number> = {};
  for (const [id, at] of Object.entries(cursor.queued))
    if (at >= earliestTaskOf(now - LOOK_BACK_MS)) queued[id] = at;
  const failures: Record<string, { count: number; at: number }> = {};
  for (const [id, seen] of Object.entries(cursor.failures))
    if (now - seen.at < REMEMBER_MS) failures[id] = seen;
  const journaled = journaledTasks(journal.sent ?? (await backlog.readSent()).entries);
  const settled = new Set(journal.settledTasks ?? []);
  let requeued = 0;
  for (const { lane, purger, failed } of found) {
    // The journal's own tasks are its to confirm (and may just have been): remembered as handled, so
    // a later look, after their sent record is gone, does not queue them a second time.
    for (const task of failed) {
      if (task.taskId in queued) continue;
      const handled =
        settled.has(task.taskId) ||
        journaled(lane, task) ||
        (await backlog.objects.get(handledKey(backlog, task.taskId), { timeoutMs: 5_000 })) !== undefined;
      if (handled) queued[task.taskId] = task.createdAt;
    }
    const fresh = failed.filter((task) => !(task.taskId in queued));
    const byTask = new Map<string, TaskRecord[]>();
    for (const task of fresh) byTask.set(task.taskId, [...(byTask.get(task.taskId) ?? []), task]);
    for (const [taskId, tasks] of byTask) {
      const targets = [...new Set(tasks.map((task) => task.target))];
      let tries = 0;
      for (const target of targets) {
        const id = `${lane.provider} ${lane.scope}\n${target}`;
        const count = (failures[id]?.count ?? 0) + 1;
        failures[id] = { count, at: now };
        tries = Math.max(tries, count);
      }
      const first = tasks[0] as TaskRecord;
      await backlog.add({
        ...laneKeyOf({ ...lane, type: first.type }),
        targets,
        reason: `Task${capitalise(first.failType ?? first.status)}`,
        message: `${purger.actions[first.type]} task ${taskId} ended ${first.status}${first.failType ? ` (${first.failType})` : ""}`,
        firstDeferredAt: now,
        deferredAt: now,
        // Failures of the same target before count as tries: a task failing every time raises the alarm.
        tries: tries - 1,
        origin: `task ${taskId}`,
      });
      queued[taskId] = first.createdAt;
      requeued += targets.length;
    }
  }
  if (requeued > 0)
    log.warn("purge tasks failed after they were accepted; targets queued again", { requeued });
  const next: Cursor = { queued, failures };
  // Rewritten only when it changed: a failure that was handled long ago costs a GET, not a PUT too.
  if (canonical(next) !== canonical(cursor))
    await backlog.objects.put(cursorKey(backlog), JSON.stringify(next), {
      timeoutMs: deps.attempts.requestTimeoutMs,
    });
  return { requeued, apiCalls };
}

/** Whether a task is one of the drain's own submissions, which the journal confirms. */
function journaledTasks(sent: readonly Stored<SentRecord>[]) {
  const ids = new Set(sent.flatMap(({ record }) => (record.taskId ? [record.taskId] : [])));
  const unanswered = sent.filter(({ record }) => record.taskId === undefined);
  return (lane: LaneKey, task: TaskRecord): boolean =>
    ids.has(task.taskId) ||
    unanswered.some(
      ({ record }) =>
        record.provider === lane.provider &&
        record.scope === lane.scope &&
        mayBeTaskOf(task, record.createdAt) &&
        record.targets.includes(task.target),
    );
}

const cursorKey = (backlog: Backlog): string => `${backlog.prefix}failed-tasks/cursor.json`;

/** The cursor's content in a stable order, to tell whether it changed. */
const canonical = (cursor: Cursor): string =>
  JSON.stringify([cursor.queued, cursor.failures].map((map) => Object.entries(map).sort()));

/** The cursor as stored, or an empty one (none yet, or not JSON); rejects when COS did not answer. */
async function readCursor(backlog: Backlog): Promise<Cursor> {
  const empty: Cursor = { queued: {}, failures: {} };
  const text = await backlog.objects.get(cursorKey(backlog), { timeoutMs: 5_000 });
  if (text === undefined) return empty;
  try {
    const json = JSON.parse(text) as Partial<Cursor>;
    return {
      queued: typeof json.queued === "object" && json.queued !== null ? json.queued : {},
      failures: typeof json.failures === "object" && json.failures !== null ? json.failures : {},
    };
  } catch {
    return empty;
  }
}

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
