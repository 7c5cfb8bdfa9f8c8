/**
 * Prefetch (warming) after purge, in an invocation and in a drain. Both keep one rule: a URL is
 * prefetched only once its purge was accepted. Before that, the edge may still hold the old copy and
 * answer the prefetch from it, or the purge may then drop the copy just warmed; a URL whose purge
 * failed is not warmed at all.
 *
 *     invocation   purge lanes → execute → prefetch what was purged now; what waits for its purge
 *                  waits in the backlog beside it (type `prefetch_url`); the rest is reported
 *     drain        purge lanes first; then prefetch lanes, less the URLs a purge lane still holds
 *
 * A prefetch that fails is reported in the summary and logged as `warn`, never thrown: the purge it
 * follows already removed the stale copy, so nothing is wrong for visitors, only slower for the first
 * one; an Error would make SCF re-deliver the event and alarms fire for a cache that is merely cold.
 * Quota, rate limit and outages defer prefetches to the backlog exactly as they defer purges.
 */

import type { Backlog, Deferral } from "../backlog/backlog";
import { isDeferrable, partitionFailures } from "../backlog/deferral";
import type { SentRecord } from "../backlog/entries";
import { type ExecuteDeps, executePlan } from "../execute/execute";
import { laneKeyOf } from "../foundation/lane";
import type { Logger } from "../foundation/log";
import type { Execution, Failure, Lane, LaneKey, Provider } from "../foundation/model";
import { queuedId, type SourceIndex } from "./journal";

/** What became of an invocation's prefetch targets; each planned target is in exactly one part. */
export interface PrefetchDelivery {
  /** The prefetch calls made (accepted targets in `execution.purged`). */
  readonly execution: Execution;
  /** Written to the backlog: waiting for their purge, or for quota, rate or an outage. */
  readonly deferred: readonly Deferral[];
  /** Not warmed and not waiting: reported only. */
  readonly failures: readonly Failure[];
}

/** The reason of a prefetch queued behind the purge of the same URL. */
export const AWAITING_PURGE = "AwaitingPurge";
/** The code of a prefetch dropped because the purge of its URL failed for good. */
export const PURGE_NOT_ACCEPTED = "PurgeNotAccepted";

export const isPrefetch = (lane: LaneKey): boolean => lane.type === "prefetch_url";

/** Where the purge of a prefetch target's URL is (or was) queued: the URL lane of its provider and scope. */
const purgeIdOf = (lane: LaneKey, url: string): string =>
  queuedId({ provider: lane.provider, scope: lane.scope }, url);

export interface WarmDeps extends ExecuteDeps {
  readonly backlog: Backlog | undefined;
  readonly requestId: string;
}

/**
 * Delivers an invocation's prefetch lanes after its purges: prefetches the URLs whose purge was just
 * accepted, queues behind their purge those whose purge was deferred, and reports the rest.
 * Never rejects for a prefetch: a failed backlog write is reported as failed prefetches.
 *
 * @param purge the purge execution, and the purge targets written to the backlog.
 */
export async function warmAfterPurge(
  prefetch: readonly Lane[],
  purge: { readonly execution: Execution; readonly deferred: readonly Deferral[] },
  deps: WarmDeps,
): Promise<{ prefetch?: PrefetchDelivery }> {
  if (prefetch.length === 0) return {};
  const deferredPurges = new Set(
    purge.deferred
      .filter((deferral) => !deferral.type || deferral.type === "purge_url")
      .flatMap((deferral) => deferral.targets.map((url) => purgeIdOf(deferral, url))),
  );
  const failedPurges = new Set(
    purge.execution.failures.flatMap((failure) => failure.targets.map((url) => purgeIdOf(failure, url))),
  );
  const purged = new Set(purge.execution.purged);

  const ready: Lane[] = [];
  const waiting: Deferral[] = [];
  const dropped: Failure[] = [];
  for (const lane of prefetch) {
    const key = laneKeyOf(lane);
    const wait = lane.targets.filter((url) => deferredPurges.has(purgeIdOf(lane, url)));
    const accepted = lane.targets.filter(
      (url) =>
        purged.has(url) &&
        !deferredPurges.has(purgeIdOf(lane, url)) &&
        !failedPurges.has(purgeIdOf(lane, url)),
    );
    const rest = lane.targets.filter((url) => !wait.includes(url) && !accepted.includes(url));
    if (accepted.length > 0) ready.push({ ...key, targets: accepted });
    if (wait.length > 0) {
      waiting.push({
        ...key,
        targets: wait,
        reason: AWAITING_PURGE,
        message: "the purge of these URLs waits in the backlog; they are warmed after it",
      });
    }
    if (rest.length > 0) dropped.push(notPurged(key, rest));
  }

  const execution = await executePlan(ready, deps);
  const { defer, failed } =
    deps.backlog === undefined
      ? { defer: [], failed: [...execution.failures] }
      : partitionFailures(execution.failures);
  const deferrals = [...waiting, ...defer];
  let deferred: readonly Deferral[] = deferrals;
  const failures = [...dropped, ...failed];
  if (deferrals.length > 0 && deps.backlog !== undefined) {
    try {
      await deps.backlog.defer(deferrals, deps.requestId);
    } catch (error) {
      // The purges are written (or done): losing a warm-up is not worth failing the invocation for.
      deps.log.warn("prefetch not queued: the backlog write failed", { error });
      failures.push(...deferrals.map((deferral) => backlogWriteFailed(deferral, error)));
      deferred = [];
    }
  }
  const reported = failures.map(withPrefetchHint);
  logPrefetchFailures(reported, deps.log);
  return { prefetch: { execution: { ...execution, failures: reported }, deferred, failures: reported } };
}

/**
 * A queued invocation's deferrals (or, when the backlog write failed, its failures) split into the
 * purges' and the prefetches' (`prefetch`), so that the summary's purge counts stay purge counts.
 */
export function apart(
  deferrals: readonly Deferral[],
  failures: readonly Failure[],
): { deferred: Deferral[]; failures: Failure[]; prefetch?: PrefetchDelivery } {
  const purges = {
    deferred: deferrals.filter((d) => !isPrefetch(d)),
    failures: failures.filter((f) => !isPrefetch(f)),
  };
  const prefetch = { deferred: deferrals.filter(isPrefetch), failures: failures.filter(isPrefetch) };
  if (prefetch.deferred.length === 0 && prefetch.failures.length === 0) return purges;
  return { ...purges, prefetch: { execution: nothing(), ...prefetch } };
}

const nothing = (): Execution => ({ purged: [], failures: [], jobs: [], quota: [], apiCalls: 0 });

/** What a drain needs to know to hold prefetches behind the purges still queued. */
export interface DrainOrder {
  /** The queue's lanes as read (before collapse): which URLs wait for a purge. */
  readonly queued: readonly Lane[];
  readonly sources: SourceIndex;
  /** The journal of this drain's submissions (journal.ts), filled as the purges are accepted. */
  readonly written: readonly { readonly record: SentRecord }[];
}

/**
 * The drain's execution: purge lanes first, then prefetch lanes without the URLs a purge lane still
 * holds after the purges (they stay queued for a later drain). A prefetch whose URL's purge failed for
 * good in this drain is failed too (`PurgeNotAccepted`), so that it leaves the queue, never warmed.
 */
export async function executePurgesFirst(
  lanes: readonly Lane[],
  deps: ExecuteDeps,
  order: DrainOrder,
): Promise<Execution> {
  const prefetch = lanes.filter(isPrefetch);
  const purges = await executePlan(
    lanes.filter((lane) => !isPrefetch(lane)),
    deps,
  );
  if (prefetch.length === 0) return purges;

  const queuedPurges = new Set(
    order.queued
      .filter((lane) => (lane.type ?? "purge_url") === "purge_url")
      .flatMap((lane) => lane.targets.map((url) => queuedId(lane, url))),
  );
  const refused = new Set(purges.failures.filter((f) => f.class === "rejected").flatMap((f) => f.targets));
  const accepted = new Set(
    order.written
      .filter(({ record }) => !isPrefetch(record))
      .flatMap(({ record }) =>
        order.sources.resolves(
          record,
          record.targets.filter((url) => !refused.has(url)),
        ),
      ),
  );
  const failedForGood = new Set(
    purges.failures
      .filter((failure) => !isDeferrable(failure))
      .flatMap((failure) => order.sources.resolves(failure, failure.targets)),
  );

  const ready: Lane[] = [];
  const dropped: Failure[] = [];
  for (const lane of prefetch) {
    const queued = (url: string) => queuedPurges.has(purgeIdOf(lane, url));
    const targets = lane.targets.filter((url) => !queued(url) || accepted.has(purgeIdOf(lane, url)));
    const lost = lane.targets.filter(
      (url) => queued(url) && !accepted.has(purgeIdOf(lane, url)) && failedForGood.has(purgeIdOf(lane, url)),
    );
    if (targets.length > 0) ready.push({ ...laneKeyOf(lane), targets });
    if (lost.length > 0) dropped.push(notPurged(laneKeyOf(lane), lost));
  }
  const warmed = await executePlan(ready, deps);
  return {
    purged: [...purges.purged, ...warmed.purged],
    failures: [...purges.failures, ...dropped, ...warmed.failures.map(withPrefetchHint)],
    jobs: [...purges.jobs, ...warmed.jobs],
    quota: [...purges.quota, ...warmed.quota],
    apiCalls: purges.apiCalls + warmed.apiCalls,
  };
}

function notPurged(lane: LaneKey, targets: readonly string[]): Failure {
  return {
    ...lane,
    code: PURGE_NOT_ACCEPTED,
    class: "fatal",
    message: `Not warmed: the purge of these ${targets.length} URLs was not accepted (see the purge failures), and a URL is never prefetched before its purge.`,
    hint: prefetchHint(PURGE_NOT_ACCEPTED, lane.provider) ?? "",
    targets,
  };
}

function backlogWriteFailed(deferral: Deferral, error: unknown): Failure {
  const { targets, reason: _reason, message: _message, ...lane } = deferral;
  return {
    ...laneKeyOf(lane),
    code: "BacklogWriteFailed",
    class: "fatal",
    message: `Not warmed: they had to wait (${deferral.reason}) and the backlog could not be written: ${String((error as Error)?.message ?? error)}`,
    hint: "Check the execution role's COS permissions on PURGE_BACKLOG_BUCKET; the purges themselves went through or were queued.",
    targets,
  };
}

/** The CAM actions of prefetching, per provider (README, "Prefetch"). */
const PREFETCH_ACTIONS: Readonly<Record<Provider, string>> = {
  edgeone: "teo:CreatePrefetchTask (and teo:DescribeContentQuota)",
  cdn: "cdn:PushUrlsCache and cdn:DescribePushQuota",
};

/**
 * Hints where a prefetch differs from a purge (hints.ts words them for purges); `undefined` keeps the
 * general hint (rate limits, outages, bad parameters read the same).
 */
function prefetchHint(code: string, provider: Provider): string | undefined {
  if (/^LimitExceeded\..*(Daily|Day)|^QuotaExhausted$/.test(code))
    return "Today's prefetch quota is used up (CDN: 1,000 URLs a day by default): the URLs wait in the backlog and are warmed after it resets at 00:00 UTC+8. Narrow PURGE_PREFETCH or raise the quota.";
  if (/^LimitExceeded\.PackNotAllow$/.test(code))
    return "The plan of this zone does not include prefetch: upgrade it, or set PURGE_PREFETCH empty.";
  if (/^LimitExceeded\..*Batch/.test(code))
    return "The provider refused even one URL per prefetch request as too many: check the prefetch quota in its console.";
  if (/^UnauthorizedOperation/.test(code))
    return `The execution role may not prefetch: its policy must allow ${PREFETCH_ACTIONS[provider]}.`;
  if (code === PURGE_NOT_ACCEPTED)
    return "Nothing to do for the prefetch itself: fix the purge failure reported beside it.";
  return undefined;
}

function withPrefetchHint(failure: Failure): Failure {
  const hint = prefetchHint(failure.code, failure.provider);
  return hint === undefined ? failure : { ...failure, hint };
}

function logPrefetchFailures(failures: readonly Failure[], log: Logger): void {
  if (failures.length === 0) return;
  log.warn("prefetch not done; the purges are not affected", {
    failures: failures.map(({ targets, ...failure }) => ({
      ...failure,
      count: targets.length,
      targets: targets.slice(0, 20),
    })),
  });
}
