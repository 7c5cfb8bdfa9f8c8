/**
 * Purge tasks that were accepted and then failed (issue 13 row 3): the provider took the URLs, the
 * summary said purged, and the task ended `failed` or `timeout`. The drain's own submissions are
 * confirmed by the journal (journal.ts); a direct purge has no journal, so the timer's drain reads each
 * configured lane's recent failed tasks and queues their targets again.
 *
 * Cost: one task query per lane per timer drain (EdgeOne per zone with the `statuses` filter, CDN per
 * area with `Status: fail`), usually one page. A cursor object under the backlog prefix remembers how far
 * the last look went and which tasks it queued, so a task is queued once; the range starts
 * `SETTLE_MS` before the cursor, because a task still running at the last look may have failed since.
 * A target whose tasks keep failing is queued with its failures counted as tries, so "backlog overdue"
 * fires instead of a silent loop.
 */

import type { Backlog, Stored } from "../backlog/backlog";
import type { SentRecord } from "../backlog/entries";
import type { AttemptContext } from "../execute/attempts";
import { earliestTaskOf, lookUpTasks, mayBeTaskOf } from "../execute/tasks";
import { laneKeyOf, laneOf } from "../foundation/lane";
import type { Logger } from "../foundation/log";
import type { Config, LaneKey, Provider, Purger, TaskRecord, TaskStatus } from "../foundation/model";

/** First look: how far back (a bounded window, not the API's 7 days). */
export const FIRST_LOOK_MS = 60 * 60_000;
/** A purge takes about a minute, 3–5 for large ones (tencent-cloud.md §3): look again that far back. */
export const SETTLE_MS = 10 * 60_000;
/** How long a target's failures are remembered for counting tries. */
const REMEMBER_MS = 24 * 60 * 60_000;

export interface FailedTaskDeps {
  readonly backlog: Backlog;
  readonly clock: { now(): number };
  readonly log: Logger;
  readonly purgers: Partial<Record<Provider, Purger>>;
  readonly attempts: AttemptContext;
}

/** What the cursor object holds. */
interface Cursor {
  /** Epoch ms up to which tasks were read. */
  readonly until: number;
  /** Task ids already queued again, with their creation time (pruned once out of range). */
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

/**
 * Queues again the targets of tasks that failed since the last look, except those of the drain's own
 * `sent` records (the journal confirms them). Never throws for a provider's answer: a lane whose tasks
 * cannot be read is looked at again next time (the cursor does not move past it).
 */
export async function requeueFailedTasks(
  deps: FailedTaskDeps,
  lanes: readonly LaneKey[],
  settledTasks: readonly string[] = [],
): Promise<{ requeued: number; apiCalls: number }> {
  if (lanes.length === 0) return { requeued: 0, apiCalls: 0 };
  const { backlog, clock, log } = deps;
  const { entries: sent } = await backlog.readSent();
  const key = `${backlog.prefix}failed-tasks/cursor.json`;
  const now = clock.now();
  const cursor = await readCursor(backlog, key, now);
  const since = Math.min(cursor.until - SETTLE_MS, now - SETTLE_MS);
  const queued: Record<string, number> = {};
  for (const [id, at] of Object.entries(cursor.queued)) if (at >= earliestTaskOf(since)) queued[id] = at;
  const failures: Record<string, { count: number; at: number }> = {};
  for (const [id, seen] of Object.entries(cursor.failures))
    if (now - seen.at < REMEMBER_MS) failures[id] = seen;
  const journaled = journaledTasks(sent);
  const settled = new Set(settledTasks);
  let requeued = 0;
  let apiCalls = 0;
  let complete = true;
  for (const lane of lanes) {
    const purger = deps.purgers[lane.provider];
    if (purger === undefined) continue;
    const query = { scope: lane.scope, type: "purge_url" as const, since, until: now, statuses: ENDED_BADLY };
    const { lookup, calls } = await lookUpTasks(deps.attempts, purger, lane, query);
    apiCalls += calls;
    if (lookup.kind === "unknown") {
      complete = false;
      log.warn("failed purge tasks not read; looked at again next drain", { ...lane, code: lookup.code });
      continue;
    }
    const failed = lookup.tasks.filter(endedBadly);
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
  const next: Cursor = { until: complete ? now : cursor.until, queued, failures };
  await backlog.objects.put(key, JSON.stringify(next), { timeoutMs: deps.attempts.requestTimeoutMs });
  return { requeued, apiCalls };
}

const ENDED_BADLY: readonly TaskStatus[] = ["failed", "timeout"];

/** A task that failed or timed out: what this sweep queues again. */
export const endedBadly = (task: Pick<TaskRecord, "status">): boolean => ENDED_BADLY.includes(task.status);

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

async function readCursor(backlog: Backlog, key: string, now: number): Promise<Cursor> {
  const empty: Cursor = { until: now - FIRST_LOOK_MS + SETTLE_MS, queued: {}, failures: {} };
  const text = await backlog.objects.get(key, { timeoutMs: 5_000 }).catch(() => undefined);
  if (text === undefined) return empty;
  try {
    const json = JSON.parse(text) as Partial<Cursor>;
    const until = typeof json.until === "number" && Number.isFinite(json.until) ? json.until : empty.until;
    // Never further back than the first look: a cursor from long ago must not read days of tasks.
    return {
      until: Math.max(until, empty.until),
      queued: typeof json.queued === "object" && json.queued !== null ? json.queued : {},
      failures: typeof json.failures === "object" && json.failures !== null ? json.failures : {},
    };
  } catch {
    return empty;
  }
}

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
