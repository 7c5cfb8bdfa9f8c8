/**
 * `auto`'s decision: purge at once unless that would hit the account's rate limit, coalesce only then.
 *
 * Below EdgeOne's 20 calls/s per action (CDN's likewise) a call per upload costs nothing extra: the
 * daily quota counts URLs, not calls. So an instance purges at once until it has a sign that the limit
 * is being reached, and only then queues for a window drain. The signs it can see without a COS
 * request on the common path:
 *
 * - a `RequestLimitExceeded` refusal (its own call or its window drain's): the account is at the limit.
 *   It queues for a back-off, then probes with one direct purge. A refusal soon after a back-off ended
 *   (the probe, or the first calls after it) doubles the back-off, up to `MAX_BACKOFF_WINDOWS`; a
 *   refusal after a quiet spell starts again from one window. This is TCP's AIMD turned around: the
 *   back-off grows multiplicatively under pressure and falls back at once when it is gone.
 * - another invocation holds the drain window (seen when this one queued and found the lease taken,
 *   or looked): it is gathering uploads into full batches; joining it costs one COS write, and purging
 *   beside it would cut the batch it is building.
 * - back to back: the invocation started at once after the previous one on this instance ended, so
 *   SCF had events waiting, which happens when every instance is busy. Only then is the window worth
 *   a look (one COS LIST, `check-window`), and at most `LOOKS_PER_WINDOW` times a window. One instance working through uploads on its own keeps
 *   purging at once (the previous rule, "invoked within the window", made it wait a window per pair).
 *
 * Pure: times are passed in, so the decision is unit tested without a clock or the network.
 */

/** At most this many windows of back-off after repeated refusals. */
export const MAX_BACKOFF_WINDOWS = 8;
/**
 * An invocation that starts within this long of the previous one's end was waiting for the instance:
 * SCF hands a queued event to a warm instance in milliseconds, while uploads spaced apart leave a gap.
 */
export const BACK_TO_BACK_MS = 20;

/**
 * Looks at the window at most this many times per window: an instance working back to back at 14
 * uploads/s would otherwise pay a COS LIST per upload, and a window being gathered is found by its next
 * look (meanwhile a refusal is the signal that matters).
 */
export const LOOKS_PER_WINDOW = 4;

/** What `auto` does with an invocation: purge now, queue, or look whether a window is gathering first. */
export type AutoRoute = "direct" | "queue" | "check-window";

export class AutoPressure {
  /** Queue until then (a back-off after a refusal, or a window another invocation is gathering). */
  private queueUntil = Number.NEGATIVE_INFINITY;
  private backoffMs: number;
  /** When the current back-off (after a refusal) ends; a refusal soon after it means the probe failed. */
  private backoffEnds = Number.NEGATIVE_INFINITY;
  private lastEnd = Number.NEGATIVE_INFINITY;
  private lastLook = Number.NEGATIVE_INFINITY;
  private running = false;
  /** A refusal was seen during the running invocation: its back-off starts when the invocation ends. */
  private refusedDuring = false;

  constructor(private readonly windowMs: number) {
    this.backoffMs = windowMs;
  }

  /** An invocation begins at `now`: how `auto` should deliver it. */
  arrive(now: number): AutoRoute {
    const backToBack = !this.running && now - this.lastEnd < BACK_TO_BACK_MS;
    this.running = true;
    if (now < this.queueUntil) return "queue";
    if (!backToBack || now - this.lastLook < this.windowMs / LOOKS_PER_WINDOW) return "direct";
    this.lastLook = now;
    return "check-window";
  }

  /** The invocation ended at `now` (its purge, or its queueing and window drain, done). */
  leave(now: number): void {
    this.running = false;
    this.lastEnd = now;
    if (this.refusedDuring) {
      // Counted from here: an invocation that drained its own window made no call while it waited.
      this.refusedDuring = false;
      this.backoffEnds = now + this.backoffMs;
      this.queueUntil = Math.max(this.queueUntil, this.backoffEnds);
    }
  }

  /** The provider refused a call for rate at `now`: queue for the back-off, longer if the last probe failed. */
  refused(now: number): void {
    if (this.refusedDuring) return;
    const probeFailed = now < this.backoffEnds + this.backoffMs;
    this.backoffMs = probeFailed
      ? Math.min(this.backoffMs * 2, MAX_BACKOFF_WINDOWS * this.windowMs)
      : this.windowMs;
    this.refusedDuring = true;
    if (!this.running) this.leave(now);
  }

  /** Another invocation holds the drain window at `now`: join it (queue) for a window. */
  gathering(now: number): void {
    this.queueUntil = Math.max(this.queueUntil, now + this.windowMs);
  }
}
