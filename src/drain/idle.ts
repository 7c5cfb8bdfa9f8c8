/**
 * What a drain costs when it has nothing to do (issue 15: a timer drain of an empty backlog made 12 COS
 * requests, ~17,000 a day at a per-minute timer), and the sweeps it owes the bucket now and then.
 *
 * The idle look, before any lease: one LIST of at most one key under `queue/` and one under `sent/`
 * (at once), then each lane's failed tasks (failed-tasks.ts: a task query per lane, and no COS request
 * unless a task failed). When none holds anything, the drain ends there. It wrote nothing, so it needed
 * no lease: two drains can still never both purge or requeue the same thing. An entry written after
 * its listing is the next drain's, as one written after a drain's own LIST of the queue always was.
 *
 * The sweeps delete what nothing reads any more (retry markers after a day, busy marks after 10
 * minutes), at most once per `SWEEP_EVERY_MS` per warm instance instead of in every drain: deleting a
 * key twice is harmless, so they need no lease either, and a warm instance remembering when it swept
 * costs no request.
 */

import type { Backlog } from "../backlog/backlog";
import { BUSY_TTL_MS, sweepBusy } from "../backlog/busy";
import { FOLDERS } from "../backlog/entries";
import { sweepMarkers } from "../backlog/markers";
import type { AttemptContext } from "../execute/attempts";
import type { LaneKey, Provider, Purger } from "../foundation/model";
import { type DrainReport, emptyReport } from "./drain-report";
import { failedTasksWaiting, type RecentFailures } from "./failed-tasks";

/** What the idle look needs of a drain's dependencies. */
export interface IdleLookDeps extends AttemptContext {
  readonly backlog: Backlog;
  readonly purgers: Partial<Record<Provider, Purger>>;
  /** The lanes whose failed tasks the drain queues again (failed-tasks.ts). */
  readonly failedTaskLanes?: readonly LaneKey[];
}

/**
 * What the look found: nothing to do (`idle`, the drain's report), or work, with the failed tasks it
 * found when it got as far as looking at them (the drain then queries no lane again).
 */
export type IdleLook =
  | { readonly idle: DrainReport; readonly looked?: undefined }
  | { readonly idle?: undefined; readonly looked?: RecentFailures };

/** Looks for a queue entry, a sent record to confirm, or a failed task not yet queued again. */
export async function lookForWork(deps: IdleLookDeps): Promise<IdleLook> {
  const { backlog } = deps;
  const [queued, sent] = await Promise.all(
    [FOLDERS.queue, FOLDERS.sent].map((folder) =>
      backlog.objects.list(`${backlog.prefix}${folder}`, { maxKeys: 1 }),
    ),
  );
  if ((queued?.length ?? 0) > 0 || (sent?.length ?? 0) > 0) return {};
  const { waiting, looked } = await failedTasksWaiting(
    { ...deps, attempts: deps },
    deps.failedTaskLanes ?? [],
  );
  if (waiting) return { looked };
  await sweepWhenDue(backlog, deps.clock.now());
  return { idle: { ...emptyReport("drained"), complete: true, apiCalls: looked.apiCalls } };
}

/** How often a warm instance sweeps: as often as busy marks expire, the shorter lifetime of the two. */
export const SWEEP_EVERY_MS = BUSY_TTL_MS;

/** When each store (one per bucket and warm instance) was last swept. */
const sweptAt = new WeakMap<Backlog["objects"], number>();

/**
 * Deletes old retry markers and busy marks when this warm instance has not done so in the last
 * `SWEEP_EVERY_MS`. Never throws: what a sweep leaves, a later one deletes.
 */
export async function sweepWhenDue(backlog: Backlog, now: number): Promise<void> {
  const last = sweptAt.get(backlog.objects);
  if (last !== undefined && now - last < SWEEP_EVERY_MS && now >= last) return;
  sweptAt.set(backlog.objects, now);
  await sweepMarkers(backlog, now).catch(() => 0);
  await sweepBusy(backlog, now).catch(() => 0);
}
