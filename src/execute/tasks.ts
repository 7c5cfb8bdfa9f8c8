/**
 * Looking purge and prefetch tasks up: the one place that reads a lane's tasks (an EdgeOne zone or a
 * CDN area, every page: the adapters page), says which task may be a call's (the clock-skew rule), and
 * matches a target or a folder to its task. The callers keep their decisions:
 *
 *     executor      after a submit not answered (recheck.ts findAccepted): unknown → not found, the
 *                   batch is sent again (at worst purged twice, harmless)
 *     event retry   targets sent unanswered by an earlier delivery (recheck.ts acceptedEarlier):
 *                   unknown → not found, sent again (harmless)
 *     journal       a drain's sent records (drain/journal.ts): unknown → confirm.ts decides (kept
 *                   while young, given up after an hour)
 *     sweep         failed tasks after direct purges (drain/failed-tasks.ts): unknown → the lane
 *                   is read again next drain (its cursor does not move)
 *
 * The error policy is the same for all: a lookup never throws; a failed one is `unknown`, with the
 * provider's code (or `DeadlineReached`), and never counts as "no task".
 */

import { toApiError } from "../foundation/errors";
import type { CallOptions, LaneKey, Purger, TaskQuery, TaskRecord, TaskType } from "../foundation/model";
import { type AttemptContext, callWithRetries } from "./attempts";

/**
 * How long before a request's own time its task may be stamped (the provider's clock is not ours).
 * Small on purpose: an older task for the same URL (an earlier upload of the key) taken for this
 * request's would leave the new upload stale, while missing our own task only sends it twice.
 */
export const TASK_CLOCK_SKEW_MS = 2_000;

/** The earliest creation time the task of a call sent at `sentAt` may carry. */
export const earliestTaskOf = (sentAt: number): number => sentAt - TASK_CLOCK_SKEW_MS;

/** Whether `task` may be the task of a call sent at `sentAt`: not older than the skew allows. */
export const mayBeTaskOf = (task: Pick<TaskRecord, "createdAt">, sentAt: number): boolean =>
  task.createdAt >= earliestTaskOf(sentAt);

/** Whether `task` purged `url`: the URL itself, or, for a folder task, a folder holding it. */
export const taskCovers = (task: Pick<TaskRecord, "target">, url: string, folder: boolean): boolean =>
  folder ? url.startsWith(task.target) : task.target === url;

/** What looking tasks up found: the tasks listed, or the code of the failed lookup. */
export type TaskLookup =
  | { readonly kind: "found"; readonly tasks: readonly TaskRecord[] }
  | { readonly kind: "unknown"; readonly code: string };

/** The task query of each type, for the rate limiter and the log. */
const TASK_ACTION = {
  purge_url: "DescribePurgeTasks",
  purge_prefix: "DescribePurgeTasks",
  prefetch_url: "DescribePrefetchTasks",
} as const satisfies Record<TaskType, string>;

/** The lane's tasks created since a call sent at `sentAt` (within the skew), up to `until`. */
export function tasksSentSince(lane: LaneKey, sentAt: number, until?: number): TaskQuery {
  return {
    scope: lane.scope,
    type: lane.type ?? "purge_url",
    since: earliestTaskOf(sentAt),
    ...(until === undefined ? {} : { until }),
  };
}

/**
 * The tasks `query` names, through the attempt machinery (rate limit, retries, deadline): the drain's
 * lookups, which have a drain's time. With the calls it took.
 */
export async function lookUpTasks(
  attempts: AttemptContext,
  purger: Purger,
  lane: LaneKey,
  query: TaskQuery,
): Promise<{ lookup: TaskLookup; calls: number }> {
  const outcome = await callWithRetries(attempts, lane, TASK_ACTION[query.type], (options) =>
    purger.describeTasks(query, options),
  );
  if (outcome.kind === "ok")
    return { lookup: { kind: "found", tasks: outcome.value }, calls: outcome.attempts };
  const code = outcome.kind === "failed" ? outcome.error.code : "DeadlineReached";
  return { lookup: { kind: "unknown", code }, calls: outcome.attempts };
}

/**
 * The tasks `query` names, in one call without retry: the lookups made inside another call's retries
 * (the executor's) or before an event's targets are sent again, where a retry of the lookup would
 * cost more than sending again.
 */
export async function lookUpTasksOnce(
  purger: Purger,
  query: TaskQuery,
  options: CallOptions,
): Promise<TaskLookup> {
  try {
    return { kind: "found", tasks: await purger.describeTasks(query, options) };
  } catch (error) {
    return { kind: "unknown", code: toApiError(purger.provider, TASK_ACTION[query.type], error).code };
  }
}

/** Each target's newest task; on equal times the first listed (the providers list newest first). */
export function newestPerTarget(tasks: readonly TaskRecord[]): TaskRecord[] {
  const newest = new Map<string, TaskRecord>();
  for (const task of tasks) {
    const known = newest.get(task.target);
    if (known === undefined || task.createdAt > known.createdAt) newest.set(task.target, task);
  }
  return [...newest.values()];
}

/**
 * The task of a call that sent `batch` at `sentAt`: a task id created since (within the skew) that
 * holds every target (one call makes one task id for its whole batch). When two do (an earlier call
 * for the same URLs within the skew), the newest is this call's: taking the older one's id would
 * confirm this call by another call's outcome.
 */
export function taskOfBatch(
  tasks: readonly TaskRecord[],
  batch: readonly string[],
  sentAt: number,
): string | undefined {
  const wanted = new Set(batch);
  const byTask = new Map<string, { targets: Set<string>; createdAt: number }>();
  for (const task of tasks) {
    if (!mayBeTaskOf(task, sentAt) || !wanted.has(task.target)) continue;
    const found = byTask.get(task.taskId) ?? { targets: new Set<string>(), createdAt: task.createdAt };
    found.targets.add(task.target);
    found.createdAt = Math.max(found.createdAt, task.createdAt);
    byTask.set(task.taskId, found);
  }
  // The providers list newest first: on equal times the first listed is the newer.
  let newest: { taskId: string; createdAt: number } | undefined;
  for (const [taskId, found] of byTask) {
    if (found.targets.size < wanted.size) continue;
    if (newest === undefined || found.createdAt > newest.createdAt)
      newest = { taskId, createdAt: found.createdAt };
  }
  return newest?.taskId;
}
