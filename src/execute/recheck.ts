/**
 * Looking a call's task up instead of sending it again: after a submit that was not answered
 * (`findAccepted`, the executor), and before a retried event is sent again (`acceptedEarlier`): of its
 * targets that an earlier attempt sent without getting an answer (and could not keep in the backlog),
 * those whose task the provider has are not sent twice. The lookups and the matching are tasks.ts's,
 * shared with the drain's journal and its sweep of failed tasks.
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
  TaskType,
} from "../foundation/model";
import {
  earliestTaskOf,
  lookUpTasksOnce,
  mayBeTaskOf,
  taskCovers,
  taskOfBatch,
  tasksSentSince,
} from "./tasks";

/**
 * After a submit that timed out or lost its connection: did the provider take it anyway? Its task
 * (tasks.ts `taskOfBatch`) says yes, and the batch is not sent again. Anything else (not found, or
 * the lookup failed: the role may not read tasks) leaves the decision to the retry.
 */
export async function findAccepted(
  purger: Purger,
  lane: LaneKey,
  batch: readonly string[],
  sentAt: number,
  options: CallOptions,
): Promise<PurgeReceipt | undefined> {
  const lookup = await lookUpTasksOnce(purger, tasksSentSince(lane, sentAt), options);
  const taskId = lookup.kind === "found" ? taskOfBatch(lookup.tasks, batch, sentAt) : undefined;
  return taskId === undefined ? undefined : { requestId: "", taskId, failed: [] };
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
    const query = { scope: first.scope, since: earliestTaskOf(since) };
    const read = async (type: TaskType) => {
      const lookup = await lookUpTasksOnce(purger, { ...query, type }, { timeoutMs });
      return lookup.kind === "found" ? lookup.tasks : [];
    };
    const sentBefore = (target: PlannedTarget) => unanswered.get(target) ?? 0;
    const urls = await read(first.type ?? "purge_url");
    for (const target of targets)
      if (urls.some((task) => taskCovers(task, target.url, false) && mayBeTaskOf(task, sentBefore(target))))
        found.add(target);
    // The earlier delivery may have sent them as a folder purge (collapse): its task is the folder's.
    const rest = targets.filter((target) => !found.has(target));
    if (rest.length === 0 || (first.type ?? "purge_url") !== "purge_url") continue;
    const folders = await read("purge_prefix");
    for (const target of rest)
      if (folders.some((task) => taskCovers(task, target.url, true) && mayBeTaskOf(task, sentBefore(target))))
        found.add(target);
  }
  return found;
}
