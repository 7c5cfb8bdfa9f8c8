/**
 * What a drain did, gathered page by page (drain.ts reads the queue a page at a time), and the lines
 * it logs about it: failures for good, providers not configured, misnamed objects, the overdue alarm.
 */

import type { QueuePage, Unreadable } from "../backlog/backlog";
import { type BacklogEntry, keyTime } from "../backlog/entries";
import type { LeaseState } from "../backlog/lease";
import type { Collapse } from "../execute/collapse-lanes";
import { countCodes } from "../foundation/alarm-fields";
import { laneOf } from "../foundation/lane";
import type { Logger } from "../foundation/log";
import type { Execution, Failure, Provider } from "../foundation/model";
import type { PageResult } from "./drain-page";
import type { Confirmation } from "./journal";
import { isPrefetch } from "./prefetch";

/** What one drain did; logged as the "drain summary" line. */
export interface DrainReport {
  /** `busy`: another drain holds the lease, and nothing was done; `preview`: a dry run (preview.ts) read it. */
  readonly status: "drained" | "busy" | "preview";
  readonly holder?: LeaseState;
  /**
   * False when the drain stopped before it had read the whole queue (its deadline, or a lane that
   * accepted nothing): the rest waits for the next drain, and `waiting` counts only what it read.
   */
  readonly complete: boolean;
  /** Queue entries read, and the distinct targets in them (per page; a provider not configured excluded). */
  readonly entries: number;
  readonly targets: number;
  /** Queued targets the provider accepted (each URL under a collapsed folder counts). */
  readonly purged: number;
  /** Queue entries deleted because every target in them was resolved. */
  readonly removed: number;
  /** Targets still waiting after this drain (quota, rate limit, outage, deadline, held back, not configured). */
  readonly waiting: number;
  /** Of those, targets held back for a fuller batch (`fullBatchesOnly`). */
  readonly heldBack: number;
  /** Prefetch targets still waiting (not in `waiting`); those accepted are in `jobs`, not in `purged`. */
  readonly prefetchWaiting: number;
  /** Entries of a provider this function has no settings for: left untouched, per provider. */
  readonly unconfigured: readonly UnconfiguredProvider[];
  /** Objects under `queue/` whose name is not a record key: read as entries, ignored for timing. */
  readonly misnamed: number;
  /** The newest queue entry this drain read (its key's time), 0 when none. */
  readonly readUpTo: number;
  /** Targets taken out of the backlog because no retry can purge them. */
  readonly failures: readonly Failure[];
  readonly collapsed: readonly Collapse[];
  /** Earlier submissions confirmed done; targets of failed tasks queued again; tasks still running. */
  readonly confirmed: number;
  readonly requeued: number;
  readonly unconfirmed: number;
  readonly unreadable: readonly Unreadable[];
  /** Age of the oldest entry this drain read and left in the queue. */
  readonly oldestAgeMs: number;
  readonly jobs: Execution["jobs"];
  readonly quota: Execution["quota"];
  readonly apiCalls: number;
}

export interface UnconfiguredProvider {
  readonly provider: Provider;
  /** The setting that would configure it. */
  readonly setting: string;
  readonly entries: number;
  readonly targets: number;
}

/** The settings that give a drain each provider's purger (config/settings.ts). */
const PROVIDER_SETTINGS: Readonly<Record<Provider, string>> = {
  edgeone: "ZoneId and eoDomains",
  cdn: "cdnHosts",
};

/** A report's counts gathered over the pages of one drain. */
export class DrainTally {
  private readonly pages: { readonly page: QueuePage; readonly result: PageResult }[] = [];
  private complete = false;

  constructor(private readonly confirmation: Confirmation) {}

  add(page: QueuePage, result: PageResult): void {
    this.pages.push({ page, result });
  }

  /** The drain read the queue to its end. */
  readAll(): void {
    this.complete = true;
  }

  /** Entries read and left in the queue, configured or not: what the overdue alarm looks at. */
  left(): BacklogEntry[] {
    return this.pages.flatMap(({ result }) => [
      ...result.left,
      ...result.unconfigured.map(({ record }) => record),
    ]);
  }

  report(now: number): DrainReport {
    const results = this.pages.map(({ result }) => result);
    const sum = (pick: (result: PageResult) => number) => results.reduce((total, r) => total + pick(r), 0);
    const left = this.left();
    const waiting = new Set<string>();
    const prefetchWaiting = new Set<string>();
    let oldest = now;
    for (const entry of left) {
      const into = isPrefetch(entry) ? prefetchWaiting : waiting;
      for (const target of entry.targets) into.add(target);
      oldest = Math.min(oldest, entry.firstDeferredAt);
    }
    let readUpTo = 0;
    let misnamed = 0;
    for (const { page } of this.pages) {
      for (const { key } of page.listed) {
        const time = keyTime(key);
        if (time === undefined) misnamed += 1;
        else readUpTo = Math.max(readUpTo, time);
      }
    }
    const executions = results.map((result) => result.execution);
    return {
      status: "drained",
      complete: this.complete,
      entries: sum((r) => r.left.length + r.removed + r.unconfigured.length),
      targets: sum((r) => r.targets),
      purged: sum((r) => r.purged),
      removed: sum((r) => r.removed),
      waiting: waiting.size,
      prefetchWaiting: prefetchWaiting.size,
      heldBack: sum((r) => r.heldBack),
      unconfigured: unconfiguredProviders(
        results.flatMap((result) => result.unconfigured.map(({ record }) => record)),
      ),
      misnamed,
      readUpTo,
      failures: results.flatMap((result) => result.failures),
      collapsed: results.flatMap((result) => result.collapsed),
      ...this.confirmation,
      unreadable: this.pages.flatMap(({ page }) => page.unreadable),
      oldestAgeMs: Math.max(0, now - oldest),
      jobs: executions.flatMap((execution) => execution.jobs),
      quota: latestQuota(executions),
      apiCalls: this.confirmation.apiCalls + sum((r) => r.execution.apiCalls + r.quotaCalls),
    };
  }
}

export function emptyReport(status: DrainReport["status"]): DrainReport {
  return {
    status,
    complete: false,
    entries: 0,
    targets: 0,
    purged: 0,
    removed: 0,
    waiting: 0,
    prefetchWaiting: 0,
    heldBack: 0,
    unconfigured: [],
    misnamed: 0,
    readUpTo: 0,
    failures: [],
    collapsed: [],
    confirmed: 0,
    requeued: 0,
    unconfirmed: 0,
    unreadable: [],
    oldestAgeMs: 0,
    jobs: [],
    quota: [],
    apiCalls: 0,
  };
}

/** Each lane's quota as the last page that used it saw it. */
function latestQuota(executions: readonly Execution[]): Execution["quota"] {
  const byLane = new Map<string, Execution["quota"][number]>();
  for (const execution of executions) for (const quota of execution.quota) byLane.set(laneOf(quota), quota);
  return [...byLane.values()];
}

function unconfiguredProviders(entries: readonly BacklogEntry[]): UnconfiguredProvider[] {
  const byProvider = new Map<Provider, { entries: number; targets: number }>();
  for (const entry of entries) {
    const counts = byProvider.get(entry.provider) ?? { entries: 0, targets: 0 };
    byProvider.set(entry.provider, {
      entries: counts.entries + 1,
      targets: counts.targets + entry.targets.length,
    });
  }
  return [...byProvider].map(([provider, counts]) => ({
    provider,
    setting: PROVIDER_SETTINGS[provider],
    ...counts,
  }));
}

/** The drain's own lines: what it could not do, each once per drain. */
export function logDrainProblems(report: DrainReport, log: Logger): void {
  for (const { key, problem } of report.unreadable)
    log.error("backlog entry unreadable, left in place", { key, problem });
  for (const provider of report.unconfigured) {
    log.warn(
      `backlog entries for ${provider.provider} left in place: this function has no ${provider.setting}`,
      {
        ...provider,
        hint: `Set ${provider.setting} on the function or CLI that drains this backlog, or drain it where they are set; the entries wait (and raise "backlog overdue" in time).`,
      },
    );
  }
  if (report.misnamed > 0) {
    log.warn("objects under the backlog's queue/ are not named as its records; ignored for timing", {
      count: report.misnamed,
      hint: "Queue keys are <13-digit epoch ms>-<8 hex>.json; move other objects out of the backlog prefix.",
    });
  }
  const prefetchFailed = report.failures.filter((failure) => failure.type === "prefetch_url");
  const purgeFailed = report.failures.filter((failure) => failure.type !== "prefetch_url");
  if (prefetchFailed.length > 0) {
    // The content is already fresh: a warm-up that cannot be done is worth a warning, not an alarm.
    log.warn("backlog prefetches failed for a reason no retry can fix; removed from the backlog", {
      failures: prefetchFailed.map(({ targets, ...failure }) => ({ ...failure, count: targets.length })),
    });
  }
  if (purgeFailed.length > 0) {
    log.error("backlog targets failed for a reason no retry can fix; removed from the backlog", {
      failures: purgeFailed.map(({ targets, ...failure }) => ({
        ...failure,
        count: targets.length,
        targets: targets.slice(0, 20),
      })),
    });
  }
}

/** The `error` line the README's alarm keys on: entries waiting too long, or failing too often. */
export function alarmOverdue(
  left: readonly BacklogEntry[],
  alarm: { readonly maxAgeMs: number; readonly maxTries: number },
  now: number,
  log: Logger,
): void {
  const overdue = left.filter(
    (entry) => now - entry.firstDeferredAt > alarm.maxAgeMs || entry.tries > alarm.maxTries,
  );
  if (overdue.length === 0) return;
  const reasons: Record<string, number> = {};
  let targets = 0;
  let mostTries = 0;
  let oldest = overdue[0] as BacklogEntry;
  for (const entry of overdue) {
    reasons[entry.reason] = (reasons[entry.reason] ?? 0) + entry.targets.length;
    targets += entry.targets.length;
    mostTries = Math.max(mostTries, entry.tries);
    if (entry.firstDeferredAt < oldest.firstDeferredAt) oldest = entry;
  }
  log.error("backlog overdue", {
    entries: overdue.length,
    targets,
    oldestAgeMs: now - oldest.firstDeferredAt,
    mostTries,
    // CLS indexes only top-level strings and numbers (alarm-fields.ts): `reasons` is for reading.
    reason: oldest.reason,
    provider: oldest.provider,
    reasonCodes: countCodes(Object.entries(reasons).map(([code, count]) => ({ code, count }))),
    reasons,
    hint: "Purges have waited longer than PURGE_BACKLOG_ALARM_HOURS or failed more than PURGE_BACKLOG_ALARM_TRIES drains; `cos-purge backlog` lists them with their reasons.",
  });
}
