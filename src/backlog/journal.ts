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
import { laneKeyOf } from "../execute/lane";
import type { LaneKey, Provider, Purger, TaskRecord } from "../model";
import { TRANSPORT_CODES, toApiError } from "../report/errors";
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

/** Transport failures after which the provider may have received the request. */
const MAYBE_SENT: ReadonlySet<string> = new Set([TRANSPORT_CODES.timeout, TRANSPORT_CODES.network]);

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
    purgers[provider] = {
      provider,
      actions: purger.actions,
      quotaActions: purger.quotaActions,
      describeQuota: (scope, options) => purger.describeQuota(scope, options),
      describeTasks: (query, options) => purger.describeTasks(query, options),
      async submit(scope, targets, options) {
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
          if (!MAYBE_SENT.has(toApiError(provider, purger.actions[lane.type ?? "purge_url"], error).code)) {
            await deps.backlog.removeSent(key).catch(() => undefined);
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
      },
    };
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
/** How long before a sent record's time its task may have been created (clocks of two hosts). */
const SKEW_MS = 60_000;
const ENDED_BADLY: ReadonlySet<string> = new Set(["failed", "timeout", "canceled"]);

/**
 * Resolves every sent record: first makes sure its targets have left the queue entries (a drain that
 * died after submitting never got to it), then reads the task's status and deletes the record, keeps
 * it (still running), or queues its targets again (the task failed).
 */
export async function confirmSent(
  deps: JournalDeps & { readonly attempts: AttemptContext },
): Promise<Confirmation> {
  const { backlog, log, clock } = deps;
  const { entries, unreadable } = await backlog.readSent();
  for (const { key, problem } of unreadable)
    log.error("sent record unreadable, left in place", { key, problem });
  let confirmed = 0;
  let requeued = 0;
  let unconfirmed = 0;
  let apiCalls = 0;
  const requeue: Deferral[] = [];

  for (const { key, record } of entries) {
    const purger = deps.purgers[record.provider];
    if (purger === undefined) continue;
    const age = clock.now() - record.createdAt;
    const query = record.taskId
      ? { scope: record.scope, type: record.type ?? "purge_url", taskId: record.taskId }
      : {
          scope: record.scope,
          type: record.type ?? "purge_url",
          since: record.createdAt - SKEW_MS,
          until: clock.now(),
        };
    const lane = laneKeyOf(record);
    const outcome = await callWithRetries(deps.attempts, lane, "DescribePurgeTasks", (options) =>
      purger.describeTasks(query, options),
    );
    apiCalls += outcome.attempts;
    if (outcome.kind !== "ok") {
      const code = outcome.kind === "failed" ? outcome.error.code : "DeadlineReached";
      if (!record.taskId && age > UNCONFIRMABLE_AFTER_MS) {
        // Cannot tell whether it was sent: the targets are still queued and will be sent (again).
        await backlog.removeSent(key);
      } else {
        if (record.taskId && !record.applied) await applyRecord(deps, key, record);
        if (age > UNCONFIRMABLE_AFTER_MS) await backlog.removeSent(key);
        else unconfirmed += 1;
      }
      log.warn("purge tasks not confirmed", { ...lane, key, code, hint: hintFor(code, record.provider) });
      continue;
    }
    const targets = new Set(record.targets);
    const tasks = outcome.value.filter((task) => targets.has(task.target));
    if (!record.taskId && tasks.length === 0) {
      // Not found: the submit never reached the provider. Its targets are still queued.
      if (age > 2 * SKEW_MS) await backlog.removeSent(key);
      else unconfirmed += 1;
      continue;
    }
    if (!record.applied) await applyRecord(deps, key, record);
    const verdict = judge(tasks, record);
    if (verdict.kind === "running" && age <= UNCONFIRMABLE_AFTER_MS) {
      unconfirmed += 1;
      continue;
    }
    if (verdict.kind === "failed") {
      requeue.push({
        ...lane,
        targets: verdict.targets,
        reason: `Task${capitalise(verdict.failType)}`,
        message: `${purger.actions[record.type ?? "purge_url"]} task ${record.taskId ?? tasks[0]?.taskId ?? "?"} ended ${verdict.status} (${verdict.failType})`,
      });
      requeued += verdict.targets.length;
    } else confirmed += 1;
    if (verdict.kind === "running")
      log.warn("purge task still running after an hour; no longer followed", { ...lane, key });
    await backlog.removeSent(key);
  }
  if (requeue.length > 0) await backlog.defer(requeue, "confirmation");
  return { confirmed, requeued, unconfirmed, apiCalls };
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

/** Removes a sent record's targets from the entries they came from, then marks it applied. */
async function applyRecord(deps: JournalDeps, key: string, record: SentRecord): Promise<void> {
  await deps.backlog.removeTargets(record.entryKeys, new Set(record.covers));
  await deps.backlog.writeSent({ ...record, applied: true }, key);
}

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
