/**
 * `auto`'s decision: purge at once unless that would hit the account's rate limit, coalesce only then.
 *
 * Below EdgeOne's 20 calls/s per action (CDN's likewise) a call per upload costs nothing extra: the
 * daily quota counts URLs, not calls. So an instance purges at once until it has a sign that the limit
 * is being reached, and only then queues for a window drain. The signs, cheapest first:
 *
 * - none at all while the instance has gaps between its invocations: however many instances purge at
 *   once, uploads that leave every instance idle between them arrive slower than the instances can
 *   purge, and a refusal (below) catches the rest.
 * - back to back: the invocation started at once after the previous one on this instance ended, so
 *   SCF had events waiting for it; or its event waited (`WAITED_MS`) since the upload, which says the
 *   same when the hand-over itself was slow. One such instance cannot reach the limit: its own limiter holds it
 *   to 20 calls/s, and a purge takes ~70 ms (14 calls/s). Several can. So it looks (a COS PUT of its
 *   busy mark and a LIST of the others', busy.ts), at most `LOOKS_PER_WINDOW` times a window: two other
 *   instances busy within the last window (`OTHERS_BUSY`; a window's holder leaves a mark too) mean the
 *   account is saturated; it queues for a window those of its invocations that still come back to
 *   back, and looks again after it.
 * - a `RequestLimitExceeded` refusal (its own call or its window drain's): the account is at the limit.
 *   It queues for a back-off, then probes with one direct purge. A refusal soon after a back-off ended
 *   (the probe, or the first calls after it) doubles the back-off, up to `MAX_BACKOFF_WINDOWS`; a
 *   refusal after a quiet spell starts again from one window. This is TCP's AIMD turned around: the
 *   back-off grows multiplicatively under pressure and falls back at once when it is gone.
 *
 * One instance working through uploads on its own therefore never waits a window (the earlier rule,
 * "invoked within the window", made it wait one per pair), and a burst onto many instances queues from
 * their second invocation, before the limit refuses them.
 *
 * Pure: times are passed in, so the decision is unit tested without a clock or the network.
 */

/** At most this many windows of back-off after repeated refusals. */
export const MAX_BACKOFF_WINDOWS = 8;
/**
 * An invocation that starts within this long of the previous one's end was waiting for the instance:
 * SCF hands a queued event to a warm instance within milliseconds, while uploads spaced apart leave a
 * gap. Generous, because a loaded machine (and SCF's own hand-over) adds tens of milliseconds.
 */
export const BACK_TO_BACK_MS = 50;

/**
 * An event that reaches its invocation this long after its upload waited in SCF's queue for a free
 * instance: the function is behind, as with back-to-back invocations, whatever the gap before it (on a
 * loaded host the hand-over alone exceeded `BACK_TO_BACK_MS`, up to 120 ms in the middle of a burst,
 * and those invocations purged at once into the limit). Seconds, not milliseconds: COS stamps
 * `eventTime` in whole seconds, and its own delivery to SCF takes some of them.
 */
export const WAITED_MS = 3_000;

/**
 * The least the newest of an invocation's events can have waited since its upload at `now`: COS's
 * `eventTime` is truncated to the second, so the upload may have come up to a second after it. 0 when
 * no event carries a time (a timer, a CLI call).
 */
export function eventWaited(changes: readonly { readonly eventTime?: number }[], now: number): number {
  const times = changes.flatMap((change) => (change.eventTime === undefined ? [] : [change.eventTime]));
  if (times.length === 0) return 0;
  // A reduce, not Math.max(...): a CKafka batch may hold 10,000 records.
  return Math.max(0, now - (times.reduce((newest, time) => Math.max(newest, time)) + 1_000));
}

/**
 * Looks at most this many times per window while back to back: each look is two COS requests, and an
 * instance that looked and found others busy queues its back-to-back invocations for a window anyway.
 */
export const LOOKS_PER_WINDOW = 1;

/** What `auto` does with an invocation: purge now, queue, or look whether others are busy first. */
export type AutoRoute = "direct" | "queue" | "look";

export class AutoPressure {
  /** Queue every invocation until then: a back-off after a refusal. */
  private queueUntil = Number.NEGATIVE_INFINITY;
  /**
   * Queue back-to-back invocations until then: a look found the account saturated. An invocation with
   * a gap before it is purged at once meanwhile: the instance is keeping up, the saturation is over
   * for it (measured: a 10/s stream otherwise queued a window's worth after a cold start's pile-up).
   */
  private saturatedUntil = Number.NEGATIVE_INFINITY;
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

  /** An invocation begins at `now`, its event having waited `waitedMs` (`eventWaited`): how to deliver it. */
  arrive(now: number, waitedMs = 0): AutoRoute {
    const behind = (!this.running && now - this.lastEnd < BACK_TO_BACK_MS) || waitedMs >= WAITED_MS;
    this.running = true;
    if (now < this.queueUntil) return "queue";
    if (!behind) return "direct";
    if (now < this.saturatedUntil) return "queue";
    if (now - this.lastLook < this.windowMs / LOOKS_PER_WINDOW) return "direct";
    this.lastLook = now;
    return "look";
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

  /**
   * Other instances are busy at `now` (a look found their marks): the account is saturated; queue
   * back-to-back invocations for a window. Joining a window another invocation holds is not such a sign (deliver.ts says why).
   */
  saturated(now: number): void {
    this.saturatedUntil = Math.max(this.saturatedUntil, now + this.windowMs);
  }
}
