/**
 * A retried event purges only what its earlier deliveries did not. SCF re-delivers an event that ended
 * in an Error (about 1 and 2 minutes later), on the same warm instance or another:
 *
 * - the same instance knows from its ledger what was purged, and which calls were sent unanswered (their
 *   tasks are looked for before they are sent again: execute/recheck.ts);
 * - another instance reads the once-only marker the failing invocation left in COS (markers.ts).
 */

import type { Backlog } from "../backlog/backlog";
import { markPurged, mayBeRetry, purgedBefore } from "../backlog/markers";
import type { PurgeLedger } from "../execute/ledger";
import { acceptedEarlier, type RecheckDeps } from "../execute/recheck";
import type { Clock } from "../foundation/clock";
import type { ObjectChange, PlannedTarget } from "../foundation/model";
import type { Delivery } from "./deliver";

export interface RetryDeps extends RecheckDeps {
  readonly ledger: PurgeLedger;
  readonly backlog: Backlog | undefined;
  readonly clock: Clock;
}

/** Splits the targets into those to purge and those an earlier delivery of the event already purged. */
export async function skipPurgedBefore(
  targets: readonly PlannedTarget[],
  changes: readonly ObjectChange[],
  deps: RetryDeps,
): Promise<{ toPurge: PlannedTarget[]; alreadyPurged: PlannedTarget[] }> {
  const partition = deps.ledger.partition(targets, changes);
  const marked =
    deps.backlog && partition.toPurge.length > 0 && mayBeRetry(changes, deps.clock.now())
      ? await purgedBefore(deps.backlog, changes)
      : new Set<string>();
  const candidates = partition.toPurge.filter((target) => !marked.has(target.url));
  const earlier = await acceptedEarlier(deps.ledger.unansweredOf(candidates, changes), deps);
  return {
    toPurge: candidates.filter((target) => !earlier.has(target)),
    alreadyPurged: [
      ...partition.alreadyPurged,
      ...partition.toPurge.filter((target) => marked.has(target.url)),
      ...earlier,
    ],
  };
}

/**
 * Remembers what this delivery purged (and sent unanswered), for a retry of the event: in the ledger,
 * and, when the invocation is about to fail, in a marker for a retry on another instance.
 */
export async function rememberPurged(
  targets: readonly PlannedTarget[],
  changes: readonly ObjectChange[],
  delivery: Delivery,
  deps: RetryDeps & { readonly failing: boolean; readonly alreadyPurged: readonly PlannedTarget[] },
): Promise<void> {
  const purged = [...delivery.execution.purged, ...deps.alreadyPurged.map((target) => target.url)];
  deps.ledger.remember(targets, changes, purged);
  const unanswered = new Map<string, number>();
  for (const { sentAt, type = "purge_url", ...failure } of delivery.failures) {
    if (sentAt === undefined) continue;
    if (type !== "purge_prefix") for (const url of failure.targets) unanswered.set(url, sentAt);
    // An unanswered folder purge (collapse) stands for the planned URLs under it.
    else
      for (const target of targets)
        if (
          target.provider === failure.provider &&
          target.scope === failure.scope &&
          failure.targets.some((folder) => target.url.startsWith(folder))
        )
          unanswered.set(target.url, sentAt);
  }
  deps.ledger.rememberUnanswered(targets, changes, unanswered);
  if (deps.failing && deps.backlog) await markPurged(deps.backlog, changes, purged, deps.clock.now());
}
