/**
 * Confirmation as a decision: given a sent record (journal.ts) and what the provider's task list said
 * about it, what becomes of the record, of the queue entries its targets came from, and of targets
 * that were not purged. Pure, so that every outcome is a row of a table test; journal.ts reads the
 * tasks and applies the decision.
 *
 *     lookup failed            young: keep (apply a recorded task's covers); old: drop, requeue an invocation's
 *     no task id, some missing young: keep, as its tasks may not be listed yet
 *                              old: what was found is applied, an invocation's missing targets requeued
 *     task running             young: keep; an hour old: drop with a warning
 *     task ended badly         failed, timeout, canceled (model.ts `endedBadly`): targets requeued with a
 *                              try counted (prefetch, also invalid: warned, not requeued)
 *     task succeeded           drop
 */

import type { SentRecord } from "../backlog/entries";
import { mayBeTaskOf, newestPerTarget, type TaskLookup } from "../execute/tasks";
import { endedBadly, type TaskRecord } from "../foundation/model";

/** What looking the record's task up found: the tasks listed, or the code of the failed lookup. */
export type Lookup = TaskLookup;

/** Targets going back to the queue, with their history (so the overdue alarm sees repeated failures). */
export interface Requeue {
  readonly targets: readonly string[];
  readonly reason: string;
  readonly message: string;
  readonly tries: number;
  readonly firstDeferredAt: number;
}

export interface Decision {
  /** Queued targets that leave the entries the record's targets came from, now. */
  readonly apply?: readonly string[];
  /** Targets not purged, for the queue. Written before the record is dropped, so a crash loses none. */
  readonly requeue: readonly Requeue[];
  /** The record as it stays, waiting for its task (counted unconfirmed); undefined: the record goes. */
  readonly keep?: SentRecord;
  /** The record's task ended, or stopped being followed, with nothing to requeue. */
  readonly confirmed: boolean;
  readonly warning?: { readonly msg: string; readonly fields: Readonly<Record<string, unknown>> };
}

/** How long a task may stay unknown to the provider's task list before its record is given up. */
export const UNCONFIRMABLE_AFTER_MS = 60 * 60_000;
/** How long a record without a task id waits for its task to show up before it counts as not sent. */
export const NOT_SENT_AFTER_MS = 2 * 60_000;

/**
 * What to do with `record`, `now`, given `lookup`. `action` names the submit call, for messages.
 *
 * A record without a task id (its submit was never answered) is matched by time: only a task created
 * at most the clock skew before the call (execute/tasks.ts `mayBeTaskOf`) stands in for it, never an older one for the same URL
 * (an earlier upload's purge), which would leave this upload stale.
 */
export function decideConfirmation(
  record: SentRecord,
  lookup: Lookup,
  now: number,
  action: string,
): Decision {
  const age = now - record.createdAt;
  const type = record.type ?? "purge_url";
  const history = { tries: record.tries ?? 0, firstDeferredAt: record.firstDeferredAt ?? record.createdAt };
  // A recorded task id means the provider accepted the call: its covers leave the queue at once.
  const accepted = record.taskId !== undefined && !record.applied ? record.covers : undefined;
  const withApply = (apply: readonly string[] | undefined) => (apply === undefined ? {} : { apply });
  const applied = (apply: readonly string[] | undefined): SentRecord =>
    apply === undefined ? record : { ...record, applied: true };

  if (lookup.kind === "unknown") {
    const warning = { msg: "purge tasks not confirmed", fields: { code: lookup.code } };
    if (age <= UNCONFIRMABLE_AFTER_MS) {
      return { ...withApply(accepted), requeue: [], keep: applied(accepted), confirmed: false, warning };
    }
    // Cannot tell: sent again (harmless) rather than dropped. A drain's targets are still queued.
    const requeue =
      record.taskId === undefined && record.requeueIfMissing
        ? [{ targets: record.targets, reason: "OutcomeUnknown", message: "task not found", ...history }]
        : [];
    return { ...withApply(accepted), requeue, confirmed: false, warning };
  }

  const targets = new Set(record.targets);
  const listed = lookup.tasks.filter(
    (task) =>
      targets.has(task.target) && (record.taskId !== undefined || mayBeTaskOf(task, record.createdAt)),
  );
  // Matched by time, the newest task of each target is the call's: an earlier call's within the
  // skew (one that failed, say) must not decide for it.
  const tasks = record.taskId === undefined ? newestPerTarget(listed) : listed;
  let apply = accepted;
  let kept = record;
  const requeue: Requeue[] = [];
  if (record.taskId === undefined) {
    const found = new Set(tasks.map((task) => task.target));
    const missing = record.targets.filter((target) => !found.has(target));
    if (missing.length > 0 && age <= NOT_SENT_AFTER_MS) {
      return { requeue: [], keep: record, confirmed: false }; // its task may not be listed yet
    }
    // What was found was sent: it leaves the queue. What is missing never arrived: a drain's entries
    // still hold it; an invocation's unanswered call is queued now (and no longer followed here, or
    // every later look would queue it again).
    if (record.requeueIfMissing && missing.length > 0) {
      const message = "the call was not answered and no task was found";
      requeue.push({ targets: missing, reason: "OutcomeUnknown", message, ...history });
      kept = { ...record, targets: [...found], covers: record.covers.filter((url) => found.has(url)) };
    }
    if (found.size === 0) return { requeue, confirmed: false };
    // A folder record found in part is left to be sent again whole: its covers cannot be split.
    if (type !== "purge_prefix") apply = [...found];
    else if (missing.length === 0) apply = record.covers;
  }

  const verdict = judge(tasks, record);
  if (verdict.kind === "running" && age <= UNCONFIRMABLE_AFTER_MS) {
    return {
      ...withApply(apply),
      requeue,
      keep: apply === undefined ? kept : { ...kept, applied: true },
      confirmed: false,
    };
  }
  if (verdict.kind === "running") {
    const warning = { msg: "purge task still running after an hour; no longer followed", fields: {} };
    return { ...withApply(apply), requeue, confirmed: true, warning };
  }
  if (verdict.kind === "done") return { ...withApply(apply), requeue, confirmed: true };
  if (type === "prefetch_url") {
    // A warm-up that failed (the origin answered an error, say) is not worth quota again: the purge,
    // which is what keeps content right, was done.
    const fields = { status: verdict.status, failType: verdict.failType };
    return {
      ...withApply(apply),
      requeue,
      confirmed: true,
      warning: { msg: "prefetch task failed; not retried", fields },
    };
  }
  const id = record.taskId ?? tasks[0]?.taskId ?? "?";
  requeue.push({
    targets: verdict.targets,
    // `TaskOriginPullFailed`, `TaskTimeout`; EdgeOne's own `taskFailed` reads `TaskFailed`.
    reason: capitalise(
      verdict.failType.startsWith("task") ? verdict.failType : `task${capitalise(verdict.failType)}`,
    ),
    message: `${action} task ${id} ended ${verdict.status} (${verdict.failType})`,
    // One more drain found these targets' task failed: the overdue alarm counts it.
    tries: history.tries + 1,
    firstDeferredAt: history.firstDeferredAt,
  });
  return { ...withApply(apply), requeue, confirmed: false };
}

type Verdict =
  | { readonly kind: "done" }
  | { readonly kind: "running" }
  | {
      readonly kind: "failed";
      readonly targets: string[];
      readonly status: string;
      readonly failType: string;
    };

/** How the record's tasks ended: failed if any target's task failed, running while any is processing. */
function judge(tasks: readonly TaskRecord[], record: SentRecord): Verdict {
  const failed = tasks.filter(endedBadly);
  const first = failed[0];
  if (first !== undefined) {
    return {
      kind: "failed",
      targets: [...new Set(failed.map((task) => task.target))].filter((target) =>
        record.targets.includes(target),
      ),
      status: first.status,
      failType: first.failType ?? first.status,
    };
  }
  return tasks.some((task) => task.status === "processing") ? { kind: "running" } : { kind: "done" };
}

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
