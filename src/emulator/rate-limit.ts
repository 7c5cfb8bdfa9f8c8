/**
 * Tencent Cloud limits each API action to a number of requests per second (20 for the purge and
 * prefetch actions of both EdgeOne and CDN) and answers the excess with `RequestLimitExceeded`.
 */

/** Counts accepted requests per key over a sliding window; a refused request does not take a slot. */
export class SlidingWindowLimiter {
  readonly #windowMs: number;
  readonly #accepted = new Map<string, number[]>();

  constructor(windowMs = 1000) {
    this.#windowMs = windowMs;
  }

  /**
   * Takes a slot for `key` at `now` if fewer than `limit` were taken in the window ending at `now`.
   * A limit of 0 means unlimited (benchmarks turn the limit off this way).
   */
  tryAcquire(key: string, limit: number, now: number): boolean {
    if (limit <= 0) return true;
    const times = (this.#accepted.get(key) ?? []).filter((time) => now - time < this.#windowMs);
    const allowed = times.length < limit;
    if (allowed) times.push(now);
    this.#accepted.set(key, times);
    return allowed;
  }

  clear(): void {
    this.#accepted.clear();
  }
}
