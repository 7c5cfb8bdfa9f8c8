/**
 * Looking a call's task up instead of sending it again: after a submit that was not answered
 * (`findAccepted`, the executor), and before a retried event is sent again (`acceptedEarlier`): of its
 * targets that an earlier attempt sent without getting an answer (and could not keep in the backlog),
 * those whose task the provider has are not sent twice. The drain's journal does the same for its
 * records (drain/confirm.ts), with the same clock skew.
 */

import type { Clock } from "../foundation/clock";
import { laneOf } from "../foundation/lane";
import type {
  CallOptions,
  LaneKey,
  PlannedTarget,
  Provider,
  PurgeReceipt,
  Purger,
  TaskRecord,
  TaskType,
} from "../foundation/model";

/**
 * How long before a request's own time its task may be stamped (the provider's clock is not ours).
 * Small on purpose: an older task for the same URL (an earlier upload of the key) taken for this
 * request's would leave the new upload stale, while missing our own task only sends it twice.
 */
export const TASK_CLOCK_SKEW_MS = 2_000;

/**
 * After a submit that timed out or lost its connection: did the provider take it anyway? A task id
 * created since the call that holds every target of the batch says yes (one call makes one task id
 * for its whole batch), and the batch is not sent again. When two do (an earlier call for the same
 * URLs within the skew), the newest is this call's: taking the older one's id would confirm this
 * call by another call's outcome. Anything else (not found, or the role may not read tasks) leaves
 * the decision to the retry.
 */
export async function findAccepted(
  purger: Purger,
  lane: LaneKey,
  batch: readonly string[],
  sentAt: number,
  options: CallOptions,
): Promise<PurgeReceipt | undefined> {
  const tasks = await purger.describeTasks(
    { scope: lane.scope, type: lane.type ?? "purge_url", since: sentAt - TASK_CLOCK_SKEW_MS },
    options,
  );
  const wanted = new Set(batch);
  const byTask = new Map<string, { targets: Set<string>; createdAt: number }>();
  for (const task of tasks) {
    if (task.createdAt < sentAt - TASK_CLOCK_SKEW_MS || !wanted.has(task.target)) continue;
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
  return newest === undefined ? undefined : { requestId: "", taskId: newest.taskId, failed: [] };
}

export interface RecheckDeps {
  readonly purgers: Partial<Record<Provider, Purger>>;
  readonly clock: Clock;
  readonly deadline: number;
  readonly requestTimeoutMs: number;
}

/**
 * The targets of `unanswered` (target → when it was sent) that the provider's task list holds. One
 * task query per lane; a lane whose query fails counts as not found, and is sent again (harmless).
 */
export async function acceptedEarlier(
  unanswered: ReadonlyMap<PlannedTarget, number>,
  deps: RecheckDeps,
): Promise<Set<PlannedTarget>> {
  const lanes = new Map<string, PlannedTarget[]>();
  for (const target of unanswered.keys()) {
    lanes.set(laneOf(target), [...(lanes.get(laneOf(target)) ?? []), target]);
  }
  const found = new Set<PlannedTarget>();
  for (const targets of lanes.values()) {
    const [first] = targets;
    const purger = first && deps.purgers[first.provider];
    const timeoutMs = Math.min(deps.requestTimeoutMs, deps.deadline - deps.clock.now());
    if (!first || !purger || timeoutMs <= 0) continue;
    const since = targets.reduce((min, target) => Math.min(min, unanswered.get(target) ?? 0), Infinity);
    const query = { scope: first.scope, since: since - TASK_CLOCK_SKEW_MS };
    const read = (type: TaskType) => purger.describeTasks({ ...query, type }, { timeoutMs }).catch(() => []);
    const covers = (task: TaskRecord, target: PlannedTarget, folder: boolean) =>
      (folder ? target.url.startsWith(task.target) : task.target === target.url) &&
      task.createdAt >= (unanswered.get(target) ?? 0) - TASK_CLOCK_SKEW_MS;
    const urls = await read(first.type ?? "purge_url");
    for (const target of targets) if (urls.some((task) => covers(task, target, false))) found.add(target);
    // The earlier delivery may have sent them as a folder purge (collapse): its task is the folder's.
    const rest = targets.filter((target) => !found.has(target));
    if (rest.length === 0 || (first.type ?? "purge_url") !== "purge_url") continue;
    const folders = await read("purge_prefix");
    for (const target of rest) if (folders.some((task) => covers(task, target, true))) found.add(target);
  }
  return found;
}
