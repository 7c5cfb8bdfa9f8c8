/**
 * Before a retried event is sent again: of its targets that an earlier attempt sent without getting an
 * answer (and could not keep in the backlog), those whose task the provider has are not sent twice.
 */

import type { Clock } from "../clock";
import type { PlannedTarget, Provider, Purger } from "../model";
import { TASK_CLOCK_SKEW_MS } from "./execute";
import { laneOf } from "./lane";

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
    const since = Math.min(...targets.map((target) => unanswered.get(target) ?? 0)) - TASK_CLOCK_SKEW_MS;
    const tasks = await purger
      .describeTasks({ scope: first.scope, type: first.type ?? "purge_url", since }, { timeoutMs })
      .catch(() => []);
    for (const target of targets) {
      const sentAt = unanswered.get(target) ?? 0;
      if (tasks.some((task) => task.target === target.url && task.createdAt >= sentAt - TASK_CLOCK_SKEW_MS)) {
        found.add(target);
      }
    }
  }
  return found;
}
