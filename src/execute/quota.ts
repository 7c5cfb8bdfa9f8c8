/**
 * What this instance knows of each lane's purge quota, so that an invocation does not ask the provider
 * every time: one `DescribeContentQuota` / `DescribePurgeQuota` per lane per warm instance per TTL,
 * more only on a quota error or when a plan needs more than is believed left.
 */
import type { Clock } from "../foundation/clock";
import { laneOf } from "../foundation/lane";
import type { LaneKey, Provider, Quota, QuotaReport, TaskType } from "../foundation/model";

/**
 * What to assume when the provider cannot be asked (the role may lack `teo:DescribeContentQuota`):
 * - EdgeOne purge_url, 1000 per request: Tencent's own EdgeOne template sends 1000 targets per call, and
 *   the API documentation's example quota shows 2000. A plan that allows fewer answers
 *   `LimitExceeded.BatchQuota`, and the executor halves the batch until it fits.
 * - CDN URL purge, 1000 per request: the documented default (tencent-cloud.md §4); prefetch
 *   (`PushUrlsCache`) 500. Folders (`PurgePathCache`) 20: the reference says 500, but
 *   DescribePurgeQuota's own example shows `PathPurge.Batch` 39 (mainland) and 20 (overseas), so 20
 *   is what real accounts accept in every area; a larger batch is refused whole and halved, costing
 *   calls (`LimitExceeded.CdnPurgePathExceedBatchLimit`).
 * - EdgeOne folders 100 and prefetch 1000: guesses on the low side of the FAQ's ceilings (1,000
 *   directories, 5,000 URLs per request); the provider's `Batch` replaces them as soon as it is read.
 * No daily number is assumed, although CDN documents 10,000 per day per area: an unknown daily quota
 * means "submit and let the provider say", since a wrong guess would hold back purges the account
 * could have made. (The rate limit, 20 requests/s for both, lives in rate-limit.ts.)
 */
export const PROVIDER_LIMITS = {
  edgeone: { purge_url: { batch: 1_000 }, purge_prefix: { batch: 100 }, prefetch_url: { batch: 1_000 } },
  cdn: { purge_url: { batch: 1_000 }, purge_prefix: { batch: 20 }, prefetch_url: { batch: 500 } },
} as const satisfies Record<Provider, Record<TaskType, { batch: number }>>;

/** A lane's quota as far as it is known. */
export interface LaneQuota {
  /** Most targets per request. */
  readonly batch: number;
  /** Targets per day; `undefined` when the provider could not be asked. */
  readonly daily: number | undefined;
  /** Targets left today; `undefined` when unknown, which does not block submitting. */
  readonly dailyAvailable: number | undefined;
}

/** Other instances consume the same quota; after this long the local count is too optimistic to trust. */
const TTL_MS = 10 * 60_000;
/** Quotas reset at 00:00 Beijing time (UTC+8, no daylight saving). */
const UTC8_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

const beijingDay = (epochMs: number): number => Math.floor((epochMs + UTC8_OFFSET_MS) / DAY_MS);

interface Entry extends LaneKey {
  quota: LaneQuota;
  readonly recordedAt: number;
}

/**
 * Quota cache for one warm instance, keyed by lane (`laneOf`: provider, zone or area, task type).
 *
 * @example
 * const book = new QuotaBook(systemClock); // at module scope, so it survives warm invocations
 * const lane = { provider: "cdn", scope: "mainland" } as const;
 * const quota = book.known(lane) ?? book.record(lane, await purger.describeQuota(lane.scope));
 */
export class QuotaBook {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  /** The lane's quota, or `undefined` when never read, older than the TTL, or from before 00:00 UTC+8. */
  known(lane: LaneKey): LaneQuota | undefined {
    return this.fresh(lane)?.quota;
  }

  /** Stores what the provider just reported and returns it as a `LaneQuota`. */
  record(lane: LaneKey, quota: Quota): LaneQuota {
    return this.store(lane, {
      // A batch of 0 would never submit anything; trust the provider's errors over its zero.
      batch: Math.max(1, Math.floor(quota.batch)),
      daily: quota.daily,
      dailyAvailable: Math.max(0, quota.dailyAvailable),
    });
  }

  /** Stores the provider defaults (`PROVIDER_LIMITS`) after the provider could not be asked. */
  recordFallback(lane: LaneKey): LaneQuota {
    return this.store(lane, fallbackQuota(lane));
  }

  /** Counts `n` targets the provider accepted against today's quota, when it is known. */
  consume(lane: LaneKey, n: number): void {
    const entry = this.fresh(lane);
    const available = entry?.quota.dailyAvailable;
    if (entry === undefined || available === undefined) return;
    entry.quota = { ...entry.quota, dailyAvailable: Math.max(0, available - n) };
  }

  /**
   * Lowers what is believed after the provider refused a request: a smaller batch after a batch-quota
   * error, fewer targets left after a daily-quota error. Never raises anything.
   */
  restrict(lane: LaneKey, limits: { readonly batch?: number; readonly dailyAvailable?: number }): void {
    const entry = this.fresh(lane);
    if (entry === undefined) return;
    const { batch, dailyAvailable } = entry.quota;
    entry.quota = {
      ...entry.quota,
      batch: Math.max(1, Math.min(batch, limits.batch ?? batch)),
      dailyAvailable:
        limits.dailyAvailable === undefined
          ? dailyAvailable
          : Math.max(0, Math.min(dailyAvailable ?? limits.dailyAvailable, limits.dailyAvailable)),
    };
  }

  /** Forgets the lane's quota: the next `known` is `undefined`. */
  invalidate(lane: LaneKey): void {
    this.entries.delete(laneOf(lane));
  }

  /**
   * Current quotas with known daily numbers, for the summary; only `lanes` when given. Lanes running
   * on `PROVIDER_LIMITS` defaults are left out: their numbers are guesses, not the provider's word.
   */
  snapshot(lanes?: readonly LaneKey[]): QuotaReport[] {
    const wanted = lanes && new Set(lanes.map(laneOf));
    const reports: QuotaReport[] = [];
    for (const [id, entry] of this.entries) {
      const { batch, daily, dailyAvailable } = entry.quota;
      if ((wanted && !wanted.has(id)) || !this.fresh(entry)) continue;
      if (daily === undefined || dailyAvailable === undefined) continue;
      const type = entry.type === undefined || entry.type === "purge_url" ? {} : { type: entry.type };
      reports.push({ provider: entry.provider, scope: entry.scope, ...type, batch, daily, dailyAvailable });
    }
    return reports;
  }

  private store(lane: LaneKey, quota: LaneQuota): LaneQuota {
    const { provider, scope, type } = lane;
    const entry = { provider, scope, ...(type ? { type } : {}), quota, recordedAt: this.clock.now() };
    this.entries.set(laneOf(lane), entry);
    return quota;
  }

  private fresh(lane: LaneKey): Entry | undefined {
    const entry = this.entries.get(laneOf(lane));
    if (entry === undefined) return undefined;
    const now = this.clock.now();
    const stale = now - entry.recordedAt >= TTL_MS || beijingDay(now) !== beijingDay(entry.recordedAt);
    return stale ? undefined : entry;
  }
}

/** The `PROVIDER_LIMITS` defaults as a lane quota: the daily quota is unknown. */
export function fallbackQuota(lane: LaneKey): LaneQuota {
  const { batch } = PROVIDER_LIMITS[lane.provider][lane.type ?? "purge_url"];
  return { batch, daily: undefined, dailyAvailable: undefined };
}
