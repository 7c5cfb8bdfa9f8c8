/**
 * The one summary line per invocation, and the Error thrown when anything was not purged.
 *
 * The summary is what a user searches in CLS ("msg":"purge summary"); the Error message is what SCF
 * shows in the invocation log and what an alarm carries, so it leads with counts and the first causes.
 */

import type { Deferral } from "../backlog/backlog";
import type { Delivery } from "../deliver/deliver";
import type { DrainReport } from "../drain/drain";
import type { PrefetchDelivery } from "../drain/prefetch";
import { type AlarmFields, alarmFields } from "../foundation/alarm-fields";
import { CosPurgeError } from "../foundation/errors";
import {
  type Execution,
  type Failure,
  type LaneKey,
  type ParsedEvent,
  type PlannedTarget,
  type RejectedRecord,
  type SkippedRecord,
  SPELLINGS,
  type Spelling,
} from "../foundation/model";
import { redact, secretsIn } from "../foundation/redact";

/** Lists in the summary are cut here: one CLS line should stay readable (and under its size limit). */
const LIST_LIMIT = 20;

import { SAMPLE_LIMIT } from "./rejected";

export { describeRejected } from "./rejected";

export interface SummaryInput {
  readonly requestId: string;
  readonly event: ParsedEvent;
  readonly skipped: readonly SkippedRecord[];
  readonly planned: readonly PlannedTarget[];
  /** Targets left out because an earlier attempt of this same event already purged them. */
  readonly alreadyPurged: number;
  readonly delivery: Delivery;
  readonly dryRun: boolean;
  readonly durationMs: number;
  /** The planned prefetch targets, when `PURGE_PREFETCH` is set (even to none of this event's keys). */
  readonly prefetch?: readonly PlannedTarget[];
  /** Values masked wherever they appear in the summary: `secretsIn(env)` of the handler's environment. */
  readonly secrets?: readonly string[];
}

export interface FailureSummary extends Omit<Failure, "targets"> {
  readonly count: number;
  readonly targets: readonly string[];
}

/** Targets waiting in the backlog, per lane and reason. */
export interface DeferralSummary extends LaneKey {
  readonly reason: string;
  readonly count: number;
  readonly targets: readonly string[];
}

/**
 * What became of the prefetch targets, apart from the purge counts (a CLS query on `purged` or `failed`
 * keeps counting purges). Every planned target is in one of `accepted`, `deferred`, `failed`.
 */
export interface PrefetchSummary {
  readonly planned: number;
  readonly accepted: number;
  /** Written to the backlog: behind their purge, or for quota, rate or an outage. */
  readonly deferred: number;
  /** Not warmed and not waiting; reported, never an Error (drain/prefetch.ts says why). */
  readonly failed: number;
  readonly failures: readonly FailureSummary[];
  readonly deferrals: readonly DeferralSummary[];
  readonly jobs: Execution["jobs"];
  readonly quota: Execution["quota"];
  readonly apiCalls: number;
}

/** What a drain run by this invocation did (a timer event, or the drain window). */
export type DrainSummary = Omit<DrainReport, "jobs" | "quota" | "failures" | "unreadable" | "holder"> & {
  readonly failed: number;
  readonly unreadable: number;
};

/**
 * The invocation's result: returned on success, logged always, carried by `PurgeFailedError`. What an
 * alarm needs of the nested parts is repeated at the top as strings and numbers (alarm-fields.ts).
 */
export interface Summary extends AlarmFields {
  readonly requestId: string;
  readonly source: ParsedEvent["source"];
  readonly records: number;
  readonly changes: number;
  readonly planned: number;
  readonly purged: number;
  readonly alreadyPurged: number;
  /** Targets written to the backlog: a drain purges them (not a failure). */
  readonly deferred: number;
  readonly failed: number;
  /**
   * `queued`: everything went to the backlog for the next drain; `direct`: purged at once; `drain`: a
   * timer event, which purges only what waits in the backlog.
   */
  readonly route: Delivery["route"] | "drain";
  readonly dryRun: boolean;
  /** Records deliberately not purged, all of them; `skipped` lists the first 20. */
  readonly skippedCount: number;
  readonly skipped: readonly SkippedRecord[];
  /** Records that could not be read, all of them; `rejected` lists the first 20. */
  readonly rejectedCount: number;
  readonly rejected: readonly RejectedRecord[];
  readonly failures: readonly FailureSummary[];
  readonly deferrals: readonly DeferralSummary[];
  readonly jobs: Execution["jobs"];
  readonly quota: Execution["quota"];
  readonly apiCalls: number;
  readonly durationMs: number;
  /**
   * How many planned URLs are each spelling (a URL that several spellings share counts for each), e.g.
   * `{ chromium: 3, whatwg: 3, ..., rfc3986: 2 }`: six numbers at most, however many targets.
   */
  readonly spellings: Readonly<Partial<Record<Spelling, number>>>;
  /** The planned URLs with the spellings each is; only in a dry run, where they are the point. */
  readonly targets?: readonly { readonly url: string; readonly spellings: readonly Spelling[] }[];
  /** The drain this invocation ran, when it ran one. */
  readonly drain?: DrainSummary;
  /** Folder purges that stood for many URLs (PURGE_COLLAPSE_MIN_FILES), the first 20. */
  readonly collapsed?: Execution["collapsed"];
  /** Prefetch (`PURGE_PREFETCH`): present when it is on, or when a drain handled prefetches. */
  readonly prefetch?: PrefetchSummary;
}

/** Planned URLs per spelling, in `SPELLINGS` order; spellings no target is are left out. */
function countSpellings(planned: readonly PlannedTarget[]): Partial<Record<Spelling, number>> {
  const counts: Partial<Record<Spelling, number>> = {};
  for (const spelling of SPELLINGS) {
    const count = planned.filter((target) => target.spellings?.includes(spelling)).length;
    if (count > 0) counts[spelling] = count;
  }
  return counts;
}

/**
 * The summary of an invocation. Masked like a log line (redact.ts), since it is returned, logged, and
 * printed by the CLI: an SDK message in a failure may quote a credential.
 */
export function summarize(input: SummaryInput): Summary {
  const { execution, failures, deferred, route, drain } = input.delivery;
  const detail: Omit<Summary, keyof AlarmFields> = {
    requestId: input.requestId,
    source: input.event.source,
    records: input.event.records,
    changes: input.event.changes.length,
    planned: input.planned.length,
    purged: execution.purged.length,
    alreadyPurged: input.alreadyPurged,
    deferred: count(deferred),
    failed: count(failures),
    route,
    dryRun: input.dryRun,
    skippedCount: input.skipped.length,
    skipped: input.skipped.slice(0, LIST_LIMIT),
    rejectedCount: input.event.rejected.length,
    rejected: input.event.rejected.slice(0, LIST_LIMIT),
    failures: failures.map(summarizeFailure),
    deferrals: deferred.map(summarizeDeferral),
    jobs: execution.jobs,
    quota: execution.quota,
    apiCalls: execution.apiCalls,
    durationMs: input.durationMs,
    spellings: countSpellings(input.planned),
    ...(input.dryRun
      ? {
          targets: input.planned
            .slice(0, 200)
            .map((target) => ({ url: target.url, spellings: target.spellings ?? [] })),
        }
      : {}),
    ...(drain ? { drain: summarizeDrainReport(drain) } : {}),
    ...(execution.collapsed?.length ? { collapsed: execution.collapsed.slice(0, LIST_LIMIT) } : {}),
    ...(input.prefetch
      ? { prefetch: summarizePrefetch(input.prefetch.length, input.delivery.prefetch) }
      : {}),
  };
  const summary = {
    ...detail,
    ...alarmFields(
      detail,
      input.planned.map((target) => target.provider),
    ),
  };
  return redact(summary, input.secrets ?? secretsIn()) as Summary;
}

function summarizePrefetch(planned: number, delivery: PrefetchDelivery | undefined): PrefetchSummary {
  const { execution, deferred = [], failures = [] } = delivery ?? {};
  return {
    planned,
    accepted: execution?.purged.length ?? 0,
    deferred: count(deferred),
    failed: count(failures),
    failures: failures.map(summarizeFailure),
    deferrals: deferred.map(summarizeDeferral),
    jobs: execution?.jobs ?? [],
    quota: execution?.quota ?? [],
    apiCalls: execution?.apiCalls ?? 0,
  };
}

/** The summary of an invocation that only drained the backlog (a timer event). */
export function summarizeDrain(
  report: DrainReport,
  context: {
    readonly requestId: string;
    readonly durationMs: number;
    readonly parsed: ParsedEvent;
    /** As in `SummaryInput`. */
    readonly secrets?: readonly string[];
    /** `PURGE_DRY_RUN`: the report is a preview (preview.ts), nothing was sent. */
    readonly dryRun?: boolean;
  },
): Summary {
  const isPrefetch = (lane: LaneKey) => lane.type === "prefetch_url";
  const failures = report.failures.filter((failure) => !isPrefetch(failure));
  const prefetchFailures = report.failures.filter(isPrefetch);
  const prefetchJobs = report.jobs.filter(isPrefetch);
  const accepted = prefetchJobs.reduce((sum, job) => sum + job.targets, 0);
  const prefetch: PrefetchSummary = {
    planned: accepted + report.prefetchWaiting + count(prefetchFailures),
    accepted,
    deferred: report.prefetchWaiting,
    failed: count(prefetchFailures),
    failures: prefetchFailures.map(summarizeFailure),
    deferrals: [],
    jobs: prefetchJobs,
    quota: report.quota.filter(isPrefetch),
    apiCalls: 0,
  };
  const detail: Omit<Summary, keyof AlarmFields> = {
    requestId: context.requestId,
    source: context.parsed.source,
    records: context.parsed.records,
    changes: 0,
    planned: report.targets,
    purged: report.purged,
    alreadyPurged: 0,
    deferred: report.waiting,
    failed: count(failures),
    route: "drain",
    dryRun: context.dryRun === true,
    skippedCount: 0,
    skipped: [],
    rejectedCount: 0,
    rejected: [],
    failures: failures.map(summarizeFailure),
    deferrals: [],
    jobs: report.jobs.filter((job) => !isPrefetch(job)),
    quota: report.quota.filter((quota) => !isPrefetch(quota)),
    apiCalls: report.apiCalls,
    durationMs: context.durationMs,
    spellings: {},
    drain: summarizeDrainReport(report),
    // A drain's API calls are not told apart by type: all of them are in `apiCalls` above.
    ...(prefetch.planned > 0 ? { prefetch } : {}),
  };
  const lanes = [...report.jobs, ...report.quota, ...report.failures];
  const summary = {
    ...detail,
    ...alarmFields(
      detail,
      lanes.map((lane) => lane.provider),
    ),
  };
  return redact(summary, context.secrets ?? secretsIn()) as Summary;
}

function summarizeDrainReport(report: DrainReport): DrainSummary {
  const { jobs: _jobs, quota: _quota, failures, unreadable, holder: _holder, ...counts } = report;
  return {
    ...counts,
    collapsed: report.collapsed.slice(0, LIST_LIMIT),
    failed: count(failures),
    unreadable: unreadable.length,
  };
}

const count = (groups: readonly { readonly targets: readonly string[] }[]): number =>
  groups.reduce((sum, group) => sum + group.targets.length, 0);

function summarizeFailure(failure: Failure): FailureSummary {
  return { ...failure, count: failure.targets.length, targets: failure.targets.slice(0, LIST_LIMIT) };
}

function summarizeDeferral({ targets, message: _message, ...deferral }: Deferral): DeferralSummary {
  return { ...deferral, count: targets.length, targets: targets.slice(0, LIST_LIMIT) };
}

/** True when the invocation must end in an Error: a target not purged, or a record we could not read. */
export function isIncomplete(summary: Summary): boolean {
  return summary.failed > 0 || summary.rejectedCount > 0;
}

/**
 * Thrown (never a string) when anything was not purged, so that SCF marks the invocation failed,
 * alarms fire, and the platform's async retry tries again (what succeeded is not purged twice:
 * see ledger.ts). The message is complete on its own: counts, first causes, what to do.
 */
export class PurgeFailedError extends CosPurgeError {
  override readonly name = "PurgeFailedError";
  readonly summary: Summary;

  constructor(summary: Summary) {
    super(describeIncomplete(summary), { code: "PurgeIncomplete" });
    this.summary = summary;
  }
}

function describeIncomplete(summary: Summary): string {
  const parts: string[] = [];
  if (summary.failed > 0) {
    parts.push(`${summary.failed} of ${summary.planned} URLs not purged (${countByCode(summary.failures)})`);
  }
  if (summary.rejectedCount > 0) {
    parts.push(`${summary.rejectedCount} event record(s) could not be read`);
  }
  const lines = [`cos-purge: ${parts.join("; ")}.`];
  for (const failure of summary.failures.slice(0, 3)) {
    const first = failure.targets[0] ?? "";
    const more = failure.count > 1 ? ` and ${failure.count - 1} more` : "";
    lines.push(
      `${failure.code} on ${failure.provider} ${failure.scope || "(default area)"}: ${first}${more}: ${failure.message}` +
        (failure.requestId ? ` (RequestId ${failure.requestId})` : "") +
        (failure.hint ? ` Fix: ${failure.hint}` : ""),
    );
  }
  for (const record of summary.rejected.slice(0, SAMPLE_LIMIT)) {
    lines.push(`Record ${record.record}: ${record.field}: ${record.problem}`);
  }
  if (summary.rejectedCount > SAMPLE_LIMIT) {
    lines.push(`And ${summary.rejectedCount - SAMPLE_LIMIT} more unreadable records (the summary lists 20).`);
  }
  return lines.join("\n");
}

function countByCode(failures: readonly FailureSummary[]): string {
  const counts = new Map<string, number>();
  for (const failure of failures) counts.set(failure.code, (counts.get(failure.code) ?? 0) + failure.count);
  return [...counts].map(([code, count]) => `${count} ${code}`).join(", ");
}
