/**
 * The one summary line per invocation, and the Error thrown when anything was not purged.
 *
 * The summary is what a user searches in CLS ("msg":"purge summary"); the Error message is what SCF
 * shows in the invocation log and what an alarm carries, so it leads with counts and the first causes.
 */

import {
  type Execution,
  type Failure,
  type ParsedEvent,
  type PlannedTarget,
  type RejectedRecord,
  type SkippedRecord,
  SPELLINGS,
  type Spelling,
} from "../model";
import { CosPurgeError } from "./errors";

/** Lists in the summary are cut here: one CLS line should stay readable (and under its size limit). */
const LIST_LIMIT = 20;

export interface SummaryInput {
  readonly requestId: string;
  readonly event: ParsedEvent;
  readonly skipped: readonly SkippedRecord[];
  readonly planned: readonly PlannedTarget[];
  /** Targets left out because an earlier attempt of this same event already purged them. */
  readonly alreadyPurged: number;
  readonly execution: Execution;
  readonly dryRun: boolean;
  readonly durationMs: number;
}

export interface FailureSummary extends Omit<Failure, "targets"> {
  readonly count: number;
  readonly targets: readonly string[];
}

/** The invocation's result: returned on success, logged always, carried by `PurgeFailedError`. */
export interface Summary {
  readonly requestId: string;
  readonly source: ParsedEvent["source"];
  readonly records: number;
  readonly changes: number;
  readonly planned: number;
  readonly purged: number;
  readonly alreadyPurged: number;
  readonly failed: number;
  readonly dryRun: boolean;
  readonly skipped: readonly SkippedRecord[];
  readonly rejected: readonly RejectedRecord[];
  readonly failures: readonly FailureSummary[];
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

export function summarize(input: SummaryInput): Summary {
  const { execution } = input;
  const failures = execution.failures.map(
    (failure): FailureSummary => ({
      ...failure,
      count: failure.targets.length,
      targets: failure.targets.slice(0, LIST_LIMIT),
    }),
  );
  return {
    requestId: input.requestId,
    source: input.event.source,
    records: input.event.records,
    changes: input.event.changes.length,
    planned: input.planned.length,
    purged: execution.purged.length,
    alreadyPurged: input.alreadyPurged,
    failed: failures.reduce((sum, failure) => sum + failure.count, 0),
    dryRun: input.dryRun,
    skipped: input.skipped.slice(0, LIST_LIMIT),
    rejected: input.event.rejected.slice(0, LIST_LIMIT),
    failures,
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
  };
}

/** True when the invocation must end in an Error: a target not purged, or a record we could not read. */
export function isIncomplete(summary: Summary): boolean {
  return summary.failed > 0 || summary.rejected.length > 0;
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
  if (summary.rejected.length > 0) {
    parts.push(`${summary.rejected.length} event record(s) could not be read`);
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
  for (const record of summary.rejected.slice(0, 3)) {
    lines.push(`Record ${record.record}: ${record.field}: ${record.problem}`);
  }
  return lines.join("\n");
}

function countByCode(failures: readonly FailureSummary[]): string {
  const counts = new Map<string, number>();
  for (const failure of failures) counts.set(failure.code, (counts.get(failure.code) ?? 0) + failure.count);
  return [...counts].map(([code, count]) => `${count} ${code}`).join(", ");
}
