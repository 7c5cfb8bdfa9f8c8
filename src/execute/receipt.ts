/**
 * Reads a successful purge call: which targets the provider took, and which it refused.
 *
 * EdgeOne can answer a `CreatePurgeTask` with a JobId and a non-empty `FailedList` (a domain that is not
 * on the zone, for one): those targets were NOT purged. Several scripts in the wild ignore the list and
 * report success (prior-art.md); here each refused target becomes a `Failure`.
 */

import { rejectionHint } from "../foundation/hints";
import { laneKeyOf } from "../foundation/lane";
import type { Failure, Job, LaneKey, PurgeReceipt } from "../foundation/model";

export interface ReadReceipt {
  readonly purged: string[];
  readonly failures: Failure[];
  readonly job: Job;
  /** `FailedList` targets that match nothing submitted (logged: they cannot be attributed). */
  readonly unmatched: string[];
}

/**
 * Splits `batch` by the receipt: a target is purged unless the receipt refuses it.
 *
 * A refused target is matched exactly, else by its percent-decoded form, in case the provider lists
 * it re-encoded. When that form matches several submitted targets (two spellings of one key), all of
 * them count as refused: reporting a purge that happened as failed is recoverable, the reverse is not.
 */
export function readReceipt(
  lane: LaneKey,
  action: string,
  batch: readonly string[],
  receipt: PurgeReceipt,
): ReadReceipt {
  const submitted = new Set(batch);
  const byDecoded = groupBy(batch, decoded);
  const reasonOf = new Map<string, string>();
  const unmatched: string[] = [];
  for (const { reason, targets } of receipt.failed) {
    for (const target of targets) {
      const own = submitted.has(target) ? [target] : (byDecoded.get(decoded(target)) ?? []);
      if (own.length === 0) unmatched.push(target);
      for (const match of own) if (!reasonOf.has(match)) reasonOf.set(match, reason);
    }
  }

  const purged = batch.filter((target) => !reasonOf.has(target));
  const refused = groupBy(
    batch.filter((target) => reasonOf.has(target)),
    (target) => reasonOf.get(target) ?? "",
  );
  const failures = [...refused].map(
    ([reason, targets]): Failure => ({
      ...laneKeyOf(lane),
      code: reason,
      class: "rejected",
      message: `${action} accepted the request (task ${receipt.taskId}) but refused ${targets.length} of its ${batch.length} URLs: ${reason}`,
      hint: rejectionHint(reason, lane.provider),
      ...(receipt.requestId ? { requestId: receipt.requestId } : {}),
      targets,
    }),
  );
  const job: Job = {
    ...laneKeyOf(lane),
    taskId: receipt.taskId,
    requestId: receipt.requestId,
    targets: purged.length,
  };
  return { purged, failures, job, unmatched };
}

function decoded(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url; // a lone "%" is not an escape: compare as is
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const id = key(item);
    const group = groups.get(id);
    if (group) group.push(item);
    else groups.set(id, [item]);
  }
  return groups;
}
