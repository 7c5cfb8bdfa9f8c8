/**
 * The drain's journal: a `sent/` record around every submit, so that what a drain sent is never sent
 * again by the next one, and is confirmed once the provider's task has ended.
 *
 *     before the call   sent/<t>.json  { targets, covers, entryKeys, createdAt }
 *     after the call    … + taskId                     (the provider accepted it)
 *     after settling    … + applied                    (its targets left the queue entries)
 *     a later drain     task success → record deleted; failed/timeout → targets queued again
 */
import { type AttemptContext, callWithRetries } from "../execute/attempts";
import { TASK_CLOCK_SKEW_MS } from "../execute/execute";
import { laneKeyOf, withSubmit } from "../execute/lane";
import type { LaneKey, Provider, Purger, TaskRecord } from "../model";
import { mayHaveArrived, toApiError } from "../report/errors";
import { hintFor } from "../report/hints";
import type { Logger } from "../report/log";
import type { Backlog, Deferral } from "./backlog";
import { laneOf, type SentRecord } from "./entries";

/** Which queue entries hold each target, per lane; and which queued URLs a folder target stands for. */
export class SourceIndex {
  private readonly entries = new Map<string, Map<string, string[]>>();
  private readonly folders = new Map<string, Map<string, string[]>>();

  addEntryTarget(lane: LaneKey, target: string, key: string): void {
    const byTarget = mapOf(this.entries, laneOf(lane));
    const keys = byTarget.get(target);
    if (keys === undefined) byTarget.set(target, [key]);
    else if (!keys.includes(key)) keys.push(key);
  }

  /** Records that purging folder `prefix` in the folder lane purges `targets` (URLs of the URL lane). */
  addFolder(lane: LaneKey, prefix: string, targets: readonly string[]): void {
    mapOf(this.folders, laneOf(lane)).set(prefix, [...targets]);
  }

  /** The queued targets a submission of `targets` in `lane` resolves. */
  covers(lane: LaneKey, targets: readonly string[]): string[] {
    const folders = this.folders.get(laneOf(lane));
    return targets.flatMap((target) => folders?.get(target) ?? [target]);
  }

  /**
   * The same as `covers`, each qualified by the lane it is queued in (`queuedId`): a URL queued in two
   * lanes (EdgeOne and CDN) is resolved in each separately. A collapsed folder's URLs are queued in the
   * URL lane of the same provider and scope.
   */
  resolves(lane: LaneKey, targets: readonly string[]): string[] {
    const folders = this.folders.get(laneOf(lane));
    const urlLane = { provider: lane.provider, scope: lane.scope };
    return targets.flatMap((target) => {
      const covered = folders?.get(target);
      return covered === undefined ? [queuedId(lane, target)] : covered.map((url) => queuedId(urlLane, url));
    });
  }

  /** Queue entries holding any target a submission of `targets` in `lane` resolves. */
  entryKeys(lane: LaneKey, targets: readonly string[]): string[] {
    const keys = new Set<string>();
    const folders = this.folders.get(laneOf(lane));
    const own = this.entries.get(laneOf(lane));
    const urls = this.entries.get(laneOf({ provider: lane.provider, scope: lane.scope }));
    for (const target of targets) {
      for (const key of own?.get(target) ?? []) keys.add(key);
      for (const covered of folders?.get(target) ?? [])
        for (const key of urls?.get(covered) ?? []) keys.add(key);
    }
    return [...keys];
  }
}

/** A target as queued in a lane: what a drain resolves, deletes, or keeps. */
export const queuedId = (lane: LaneKey, target: string): string => `${laneOf(lane)}\n${target}`;

function mapOf<V>(maps: Map<string, Map<string, V>>, id: string): Map<string, V> {
  let map = maps.get(id);
  if (map === undefined) {
    map = new Map();
    maps.set(id, map);
  }
  return map;
}

export interface JournalDeps {
  readonly backlog: Backlog;
  readonly clock: { now(): number };
  readonly log: Logger;
  readonly purgers: Partial<Record<Provider, Purger>>;
}

/**
 * Purgers whose every submit is journaled (see the module comment); `written` lists the records of
 * accepted submissions, which the drain marks applied once it has settled the queue.
 */
export function journaledPurgers(
  deps: JournalDeps,
  sources: SourceIndex,
): { purgers: Partial<Record<Provider, Purger>>; written: { key: string; record: SentRecord }[] } {
  const written: { key: string; record: SentRecord }[] = [];
  const purgers: Partial<Record<Provider, Purger>> = {};
  for (const [provider, purger] of Object.entries(deps.purgers) as [Provider, Purger][]) {
    purgers[provider] = withSubmit(purger, async (scope, targets, options) => {
      const lane = laneKeyOf({ provider, scope, ...(options?.type ? { type: options.type } : {}) });
      const record: SentRecord = {
        ...lane,
        targets: [...targets],
        covers: sources.covers(lane, targets),
        entryKeys: sources.entryKeys(lane, targets),
        createdAt: deps.clock.now(),
      };
      const key = await deps.backlog.writeSent(record);
      let receipt: Awaited<ReturnType<Purger["submit"]>>;
      try {
        receipt = await purger.submit(scope, targets, options);
      } catch (error) {
        // Refused for certain: nothing was sent, the record goes. Maybe sent: the next drain looks.
        if (!mayHaveArrived(toApiError(provider, purger.actions[lane.type ?? "purge_url"], error).code)) {
          await deps.backlog.remove(key).catch(() => undefined);
        }
        throw error;
      }
      const done = { ...record, taskId: receipt.taskId };
      written.push({ key, record: done });
      await deps.backlog
        .writeSent(done, key)
        .catch((error: unknown) =>
          deps.log.warn("task id not recorded; the next drain looks it up", { key, error }),
        );
      return receipt;
    });
  }
  return { purgers, written };
}

/** What confirming earlier submissions found. */
export interface Confirmation {
  /** Sent records whose tasks all succeeded (deleted). */
  readonly confirmed: number;
  /** Targets of failed or timed-out tasks, queued again. */
  readonly requeued: number;
  /** Sent records still waiting for their tasks to end. */
  readonly unconfirmed: number;
  readonly apiCalls: number;
}

/** How long a task may stay unknown to the provider's task list before its record is given up. */
const UNCONFIRMABLE_AFTER_MS = 60 * 60_000;
/** A task found for a record without a task id must be this recent (see `TASK_CLOCK_SKEW_MS`). */
const SKEW_MS = TASK_CLOCK_SKEW_MS;
/** How long a record without a task id waits for its task to show up before it counts as not sent. */
const NOT_SENT_AFTER_MS = 2 * 60_000;
const ENDED_BADLY: ReadonlySet<string> = new Set(["failed", "timeout", "canceled", "invalid"]);
/** The task query of each type, for the rate limiter and the log. */
const TASK_ACTION = {
  purge_url: "DescribePurgeTasks",
  purge_prefix: "DescribePurgeTasks",
  prefetch_url: "DescribePrefetchTasks",
} as const;

/**
 * Resolves every sent record: first makes sure its targets have left the queue entries (a drain that
 * died after submitting never got to it), then reads the task's status and deletes the record, keeps
 * it (still running), or queues its targets again (the task failed).
 */
export async function confirmSent(
  deps: JournalDeps & { readonly attempts: AttemptContext },
): Promise<Confirmation> {
  const { backlog, log } = deps;
  const { entries, unreadable } = await backlog.readSent();
  for (const { key, problem } of unreadable) {
    log.error("sent record unreadable, left in place", { key, problem });
  }
  const tally: Confirmation & { requeue: Deferral[] } = {
    confirmed: 0,
    requeued: 0,
    unconfirmed: 0,
    apiCalls: 0,
    requeue: [],
  };
  for (const stored of entries) await confirmOne(deps, stored, tally);
  if (tally.requeue.length > 0) await backlog.defer(tally.requeue, "confirmation");
  const { requeue: _requeue, ...confirmation } = tally;
  return confirmation;
}

type Tally = { -readonly [K in keyof Confirmation]: Confirmation[K] } & { readonly requeue: Deferral[] };

async function confirmOne(
  deps: JournalDeps & { readonly attempts: AttemptContext },
  { key, record }: { key: string; record: SentRecord },
  tally: Tally,
): Promise<void> {
  const { backlog, log, clock } = deps;
  const purger = deps.purgers[record.provider];
  if (purger === undefined) return;
  const age = clock.now() - record.createdAt;
  const lane = laneKeyOf(record);
  const type = record.type ?? "purge_url";
  const query = record.taskId
    ? { scope: record.scope, type, taskId: record.taskId }
    : { scope: record.scope, type, since: record.createdAt - SKEW_MS, until: clock.now() };
  const outcome = await callWithRetries(deps.attempts, lane, TASK_ACTION[type], (options) =>
    purger.describeTasks(query, options),
  );
  tally.apiCalls += outcome.attempts;
  const requeue = (targets: readonly string[], reason: string, message: string) => {
    if (targets.length === 0) return;
    tally.requeue.push({ ...lane, targets, reason, message });
    tally.requeued += targets.length;
  };

  if (outcome.kind !== "ok") {
    const code = outcome.kind === "failed" ? outcome.error.code : "DeadlineReached";
    log.warn("purge tasks not confirmed", { ...lane, key, code, hint: hintFor(code, record.provider) });
    if (record.taskId && !record.applied) await applyRecord(deps, key, record, record.covers);
    if (age <= UNCONFIRMABLE_AFTER_MS) {
      tally.unconfirmed += 1;
      return;
    }
    // Cannot tell: sent again (harmless) rather than dropped. A drain's targets are still queued.
    if (!record.taskId && record.requeueIfMissing)
      requeue(record.targets, "OutcomeUnknown", "task not found");
    await backlog.remove(key);
    return;
  }

  const targets = new Set(record.targets);
  const tasks = outcome.value.filter(
    (task) =>
      targets.has(task.target) &&
      (record.taskId !== undefined || task.createdAt >= record.createdAt - SKEW_MS),
  );
  if (record.taskId === undefined) {
    const found = new Set(tasks.map((task) => task.target));
    const missing = record.targets.filter((target) => !found.has(target));
    if (missing.length > 0 && age <= NOT_SENT_AFTER_MS) {
      tally.unconfirmed += 1; // its task may not be listed yet
      return;
    }
    // What was found was sent: it leaves the queue. What is missing never arrived: a drain's entries
    // still hold it; an invocation's unanswered call is queued now.
    if (record.requeueIfMissing)
      requeue(missing, "OutcomeUnknown", "the call was not answered and no task was found");
    if (found.size === 0) {
      await backlog.remove(key);
      return;
    }
    // A folder record found in part is left to be sent again whole: its covers cannot be split.
    if (type !== "purge_prefix" || missing.length === 0) {
      await applyRecord(deps, key, record, type === "purge_prefix" ? record.covers : [...found]);
    }
  } else if (!record.applied) {
    await applyRecord(deps, key, record, record.covers);
  }

  const verdict = judge(tasks, record);
  if (verdict.kind === "running" && age <= UNCONFIRMABLE_AFTER_MS) {
    tally.unconfirmed += 1;
    return;
  }
  if (verdict.kind === "failed" && type === "prefetch_url") {
    // A warm-up that failed (the origin answered an error, say) is not worth quota again: the purge,
    // which is what keeps content right, was done.
    log.warn("prefetch task failed; not retried", {
      ...lane,
      key,
      status: verdict.status,
      failType: verdict.failType,
    });
    tally.confirmed += 1;
  } else if (verdict.kind === "failed") {
    const action = purger.actions[type];
    const id = record.taskId ?? tasks[0]?.taskId ?? "?";
    requeue(
      verdict.targets,
      `Task${capitalise(verdict.failType)}`,
      `${action} task ${id} ended ${verdict.status} (${verdict.failType})`,
    );
  } else tally.confirmed += 1;
  if (verdict.kind === "running")
    log.warn("purge task still running after an hour; no longer followed", { ...lane, key });
  await backlog.remove(key);
}

type Verdict =
  | { readonly kind: "done" | "running" }
  | {
      readonly kind: "failed";
      readonly targets: string[];
      readonly status: string;
      readonly failType: string;
    };

function judge(tasks: readonly TaskRecord[], record: SentRecord): Verdict {
  const failed = tasks.filter((task) => ENDED_BADLY.has(task.status));
  if (failed.length > 0) {
    const first = failed[0] as TaskRecord;
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

/** Removes `covers` (what was sent) from the entries the record's targets came from; marks it applied. */
async function applyRecord(
  deps: JournalDeps,
  key: string,
  record: SentRecord,
  covers: readonly string[],
): Promise<void> {
  if (record.entryKeys.length > 0) await deps.backlog.removeTargets(record.entryKeys, new Set(covers));
  await deps.backlog.writeSent({ ...record, applied: true }, key);
}

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
