/**
 * What a burst did, read from the emulator's call log and bucket, not from the function's own report:
 *
 * - a URL is *accepted* by a successful `CreatePurgeTask` naming it (or a `purge_prefix` target it
 *   starts with), unless the call's `FailedList` names it; its time is when the emulator answered;
 * - a file is purged when all its planned URLs are accepted; its latency runs from its upload (when
 *   its event existed, before any instance took it) to the last of those;
 * - a planned URL never accepted is *deferred* when it waits in the backlog's queue at the end, else *lost*;
 * - quota units are the targets of successful calls, URL and prefix counted apart.
 */
import type { CallRecord } from "../src/emulator";
import type { BurstRun } from "./burst";

export interface BurstFigures {
  readonly files: number;
  readonly urls: number;
  readonly purgeCalls: number;
  /** Refused purge calls, by error code. */
  readonly refused: number;
  readonly refusedBy: Record<string, number>;
  readonly otherApiCalls: number;
  readonly cosRequests: number;
  readonly unitsUrl: number;
  readonly unitsPrefix: number;
  /** URLs accepted under a collapsed folder rather than by name. */
  readonly collapsedUrls: number;
  readonly errors: number;
  readonly errorsBy: Record<string, number>;
  readonly accepted: number;
  readonly deferred: number;
  readonly lost: number;
  /** URLs of files never uploaded because the run's time bound came first (0 unless it did). */
  readonly notInvoked: number;
  /** Files all of whose URLs were accepted, and the upload-to-accepted times of those, in ms. */
  readonly filesPurged: number;
  readonly p50: number;
  readonly p95: number;
  /** From the first upload to the last URL accepted, ms. */
  readonly wallMs: number;
  /** From the first upload to the end of the last invocation, ms. */
  readonly invocationsMs: number;
  /** Instance time billed: the sum of the invocations' durations, ms. */
  readonly instanceMs: number;
  readonly instancesUsed: number;
  /** Invocations that queued, waited out a window and drained only their own upload's URLs. */
  readonly loneWindows: number;
  readonly timerFires: number;
  readonly timerErrors: number;
  readonly callLogComplete: boolean;
  readonly unfinished: number;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const tally = (values: readonly string[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
};

/** Targets a successful call's `FailedList` refused. */
function refusedTargets(call: CallRecord): Set<string> {
  const failed = (call.response?.FailedList ?? []) as { Targets?: string[] }[];
  return new Set(failed.flatMap((entry) => entry.Targets ?? []));
}

/**
 * @param planned each uploaded key's URLs (what every strategy must purge)
 */
export function measureBurst(run: BurstRun, planned: ReadonlyMap<string, readonly string[]>): BurstFigures {
  const purges = run.calls.filter((call) => call.action === "CreatePurgeTask");
  const ok = purges.filter((call) => call.error === null);
  const acceptedAt = new Map<string, number>();
  const prefixes: { prefix: string; at: number }[] = [];
  let unitsUrl = 0;
  let unitsPrefix = 0;
  for (const call of ok) {
    const at = Date.parse(call.time) + call.durationMs;
    const refused = refusedTargets(call);
    const targets = ((call.params.Targets ?? []) as string[]).filter((target) => !refused.has(target));
    if (call.params.Type === "purge_prefix") {
      unitsPrefix += targets.length;
      for (const prefix of targets) prefixes.push({ prefix, at });
      continue;
    }
    unitsUrl += targets.length;
    for (const url of targets) if (!acceptedAt.has(url)) acceptedAt.set(url, at);
  }
  let collapsedUrls = 0;
  const firstAccepted = (url: string): number | undefined => {
    const byName = acceptedAt.get(url);
    const byFolder = prefixes.filter((p) => url.startsWith(p.prefix)).map((p) => p.at);
    const folder = byFolder.length > 0 ? Math.min(...byFolder) : undefined;
    if (folder !== undefined && (byName === undefined || folder < byName)) collapsedUrls += 1;
    if (byName === undefined) return folder;
    return folder === undefined ? byName : Math.min(byName, folder);
  };

  const queued = new Set(run.queued);
  const starts = new Map(
    run.invocations.map((result) => [result.key, run.uploadedAt.get(result.key) ?? result.start]),
  );
  const latencies: number[] = [];
  let urls = 0;
  let accepted = 0;
  let deferred = 0;
  let lost = 0;
  let notInvoked = 0;
  let lastAccepted = run.startedAt;
  for (const [key, keyUrls] of planned) {
    if (!starts.has(key)) {
      notInvoked += keyUrls.length;
      continue;
    }
    let fileDone: number | undefined = 0;
    for (const url of keyUrls) {
      urls += 1;
      const at = firstAccepted(url);
      if (at === undefined) {
        fileDone = undefined;
        if (queued.has(url)) deferred += 1;
        else lost += 1;
        continue;
      }
      accepted += 1;
      lastAccepted = Math.max(lastAccepted, at);
      if (fileDone !== undefined) fileDone = Math.max(fileDone, at);
    }
    const start = starts.get(key);
    if (fileDone !== undefined && start !== undefined) latencies.push(fileDone - start);
  }

  const errors = run.invocations.filter((result) => result.error !== undefined);
  return {
    files: planned.size,
    urls,
    purgeCalls: purges.length,
    refused: purges.length - ok.length,
    refusedBy: tally(purges.flatMap((call) => (call.error === null ? [] : [call.error]))),
    otherApiCalls: run.calls.filter((call) => call.service !== "cos" && call.action !== "CreatePurgeTask")
      .length,
    cosRequests: run.calls.filter((call) => call.service === "cos").length,
    unitsUrl,
    unitsPrefix,
    collapsedUrls,
    errors: errors.length,
    errorsBy: tally(errors.map((result) => result.error ?? "")),
    accepted,
    deferred,
    lost,
    notInvoked,
    filesPurged: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    wallMs: lastAccepted - run.startedAt,
    invocationsMs: run.invocationsEndedAt - run.startedAt,
    instanceMs: run.invocations.reduce((sum, result) => sum + (result.end - result.start), 0),
    instancesUsed: run.instancesUsed,
    loneWindows: run.invocations.filter(
      (result) =>
        result.route === "queued" &&
        result.drained !== undefined &&
        result.drained <= (planned.get(result.key)?.length ?? 0),
    ).length,
    timerFires: run.timers.length,
    timerErrors: run.timers.filter((fire) => fire.error !== undefined).length,
    callLogComplete: run.callLogComplete,
    unfinished: run.unfinished,
  };
}
