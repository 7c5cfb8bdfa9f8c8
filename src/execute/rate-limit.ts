/**
 * Keeps each API action under its per-second limit: 20 requests/s for `CreatePurgeTask` and
 * `PurgeUrlsCache` alike (tencent-cloud.md §3–4). Past it the API answers `RequestLimitExceeded`,
 * which costs a retry and at least a second; waiting here a few milliseconds is cheaper.
 *
 * The limit is per account, so other instances share it; this limiter only keeps one instance from
 * exceeding it on its own, and retries absorb the rest.
 */
import type { Clock } from "../foundation/clock";

export interface RateLimiter {
  /**
   * Waits for a slot for one request of `action`. With `latestStart`, takes no slot and resolves `false`
   * at once when the next slot would come later than that (epoch ms); otherwise resolves `true` when the
   * request may go.
   */
  acquire(action: string, latestStart?: number): Promise<boolean>;
}

/**
 * 20 per second, counted over 1.1 s: the provider counts requests as they arrive, and network jitter can
 * bring two requests sent exactly one second apart closer together on arrival. Measured on loopback
 * with a 1.0 s window, 21 calls landed within one second of each other (BENCHMARKS.md); the 10% margin
 * costs at most two requests a second at full load.
 */
export const API_RATE_LIMIT = { requests: 20, windowMs: 1_100 } as const;

/**
 * A sliding-window limiter over the injected clock: in any `windowMs`, at most `requests` slots per
 * action. Slots are reserved synchronously, so concurrent callers never share one.
 */
export function createRateLimiter(
  clock: Clock,
  limit: { readonly requests: number; readonly windowMs: number } = API_RATE_LIMIT,
): RateLimiter {
  /** Per action, the start times of the latest `requests` slots, ascending (some may lie ahead). */
  const slots = new Map<string, number[]>();

  return {
    async acquire(action, latestStart = Number.POSITIVE_INFINITY) {
      const now = clock.now();
      const taken = slots.get(action) ?? [];
      // The slot `requests` places back must have left the window before a new one may start.
      const oldest = taken.length >= limit.requests ? taken[taken.length - limit.requests] : undefined;
      const start = oldest === undefined ? now : Math.max(now, oldest + limit.windowMs);
      if (start > latestStart) return false;
      taken.push(start);
      slots.set(action, taken.slice(-limit.requests));
      if (start > now) await clock.sleep(start - now);
      return true;
    },
  };
}
