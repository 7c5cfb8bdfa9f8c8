/**
 * Top-level string and number fields for CLS alarms and queries. SCF ships stdout to CLS, which makes
 * fields of only the top-level strings and numbers of a JSON line ("其他类型的将被忽略": arrays, objects
 * and booleans are ignored; SCF docs 583/18032, tencent-cloud.md §10). So every figure an alarm needs
 * is repeated here as a scalar beside the nested detail (`failures[]`, `drain`, `prefetch`), which stays
 * for reading a line, not for searching.
 */
import type { LaneKey, Provider } from "./model";

/** The scalars of the "purge summary" line (beside `purged`, `deferred`, `failed`, `route`...). */
export interface AlarmFields {
  /** The providers this invocation had URLs for, comma-separated: `edgeone`, `cdn`, `edgeone,cdn`. */
  readonly providers: string;
  /** The first failure's code, provider and zone or area; only when something failed. */
  readonly firstFailureCode?: string;
  readonly firstFailureProvider?: string;
  readonly firstFailureScope?: string;
  /** Every failure code with its URL count: `UnauthorizedOperation.NoPermission:3,QuotaExhausted:2`. */
  readonly failureCodes?: string;
  /** The first reason targets went to the backlog (`QuotaExhausted`, `RateLimited`...), when any did. */
  readonly firstDeferralReason?: string;
  /** `prefetch.planned`, `.accepted`, `.deferred`, `.failed`, when prefetch is on. */
  readonly prefetchPlanned?: number;
  readonly prefetchAccepted?: number;
  readonly prefetchDeferred?: number;
  readonly prefetchFailed?: number;
  /** `drain.purged`, `.waiting`, `.failed`, `.oldestAgeMs`, when this invocation drained. */
  readonly drainPurged?: number;
  readonly drainWaiting?: number;
  readonly drainFailed?: number;
  readonly drainOldestAgeMs?: number;
}

interface Counted extends LaneKey {
  readonly code: string;
  readonly count: number;
}

/** What the scalars are read from: the summary's own nested parts. */
export interface AlarmSource {
  readonly failures: readonly Counted[];
  readonly deferrals: readonly { readonly reason: string }[];
  readonly prefetch?: { planned: number; accepted: number; deferred: number; failed: number };
  readonly drain?: { purged: number; waiting: number; failed: number; oldestAgeMs: number };
}

/** `code:count` per code, in order of first appearance. */
export function countCodes(failures: readonly { code: string; count: number }[]): string {
  const counts = new Map<string, number>();
  for (const { code, count } of failures) counts.set(code, (counts.get(code) ?? 0) + count);
  return [...counts].map(([code, count]) => `${code}:${count}`).join(",");
}

export function alarmFields(source: AlarmSource, providers: Iterable<Provider>): AlarmFields {
  const [first] = source.failures;
  const [deferral] = source.deferrals;
  const { prefetch, drain } = source;
  return {
    providers: [...new Set(providers)].sort().reverse().join(","),
    ...(first
      ? {
          firstFailureCode: first.code,
          firstFailureProvider: first.provider,
          firstFailureScope: first.scope,
          failureCodes: countCodes(source.failures),
        }
      : {}),
    ...(deferral ? { firstDeferralReason: deferral.reason } : {}),
    ...(prefetch
      ? {
          prefetchPlanned: prefetch.planned,
          prefetchAccepted: prefetch.accepted,
          prefetchDeferred: prefetch.deferred,
          prefetchFailed: prefetch.failed,
        }
      : {}),
    ...(drain
      ? {
          drainPurged: drain.purged,
          drainWaiting: drain.waiting,
          drainFailed: drain.failed,
          drainOldestAgeMs: drain.oldestAgeMs,
        }
      : {}),
  };
}
