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
 *   same when the hand-over itself was slow. One such instance cannot reach the limit: its own limiter
 *   holds it to 20 calls/s, and a purge takes ~70 ms (14 calls/s). Several can. So it looks (a COS PUT
 *   of its busy mark and a LIST of the others', busy.ts), at most `LOOKS_PER_WINDOW` times a window.
 *   `OTHERS_BUSY` other instances that fell behind within `BUSY_TOGETHER_MS` of it mean the account is
 *   saturated: it queues for a window those of its invocations that still come back to back, and looks
 *   again after it, when one other instance busy within the window keeps it queueing (hysteresis: a burst's
 *   instances look at different moments once it is under way; a window's holder leaves a mark too).
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

import type { BusyMark } from "../backlog/busy";

/** At most this many windows of back-off after repeated refusals. */
export const MAX_BACKOFF_WINDOWS = 8;
/**
 * An invocation that starts within this long of the previous one's end was waiting for the instance:
 * SCF hands a queued event to a warm instance within milliseconds, while uploads spaced apart leave a
 * gap. Generous, because a loaded machine (and SCF's own hand-over) adds tens of milliseconds.
 */
export const BACK_TO_BACK_MS = 50;
/**
 * Or it starts after a gap shorter than this share of the previous invocation's own time: the instance
 * was busy nearly all the time (here 80%). The hand-over slows with the host's load as the invocations
 * do: during a burst's cold starts (300-500 ms each on a loaded host) it took 50-90 ms, and those
 * invocations, taken for spaced uploads, purged at once into the limit. A 10/s stream that reuses one
 * instance leaves it idle 60% of the time.
 */
export const GAP_SHARE = 1 / 4;

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
 * Other instances behind within `BUSY_TOGETHER_MS` of a look that make the account saturated: with the
 * looking one, four. The limit counts calls per second, so instances that fell behind together pile
 * their calls into the same second; a burst's instances all do within ~150 ms of each other (17 of 20
 * measured), while a 10/s stream's cold starts leave a few briefly behind one after another, 250 to
 * 450 ms apart: queueing them cost a drain's bookkeeping (~45 COS requests a window) for a pile-up the
 * limit had room for.
 */
export const OTHERS_BUSY = 3;
/** How close together (before or after it) instances fell behind for a look to count them. */
export const BUSY_TOGETHER_MS = 250;
/** A look that found too few others lists once more this much later (deliver.ts says why). */
export const SECOND_LOOK_MS = 250;
/**
 * A window holder's mark this recent says it is still gathering (it renews the mark every second,
 * window.ts): an instance behind joins it. Measured without: the one instance whose first look in a
 * 2,000-upload burst came before the others' marks never saw three of them together again (they look
 * once a window each, at scattered moments) and purged 105 uploads at once, one call each.
 */
export const GATHERING_FRESH_MS = 1_500;

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
  private lastStart = Number.NEGATIVE_INFINITY;
  /** How long the previous invocation took, if it purged (a queued one that held a window waited). */
  private lastTook = 0;
  /** The running invocation purges (at once), rather than queueing. */
  private purging = false;
  private lastLook = Number.NEGATIVE_INFINITY;
  private running = false;
  /** A refusal was seen during the running invocation: its back-off starts when the invocation ends. */
  private refusedDuring = false;

  constructor(private readonly windowMs: number) {
    this.backoffMs = windowMs;
  }

  /** An invocation begins at `now`, its event having waited `waitedMs` (`eventWaited`): how to deliver it. */
  arrive(now: number, waitedMs = 0): AutoRoute {
    const gap = now - this.lastEnd;
    const busyBefore = !this.running && gap < Math.max(BACK_TO_BACK_MS, GAP_SHARE * this.lastTook);
    const behind = busyBefore || waitedMs >= WAITED_MS;
    this.lastStart = now;
    this.running = true;
    const route = this.route(now, behind);
    this.purging = route !== "queue";
    if (route === "look") this.lastLook = now;
    return route;
  }

  private route(now: number, behind: boolean): AutoRoute {
    if (now < this.queueUntil) return "queue";
    if (!behind) return "direct";
    if (now < this.saturatedUntil) return "queue";
    if (now - this.lastLook < this.windowMs / LOOKS_PER_WINDOW) return "direct";
    return "look";
  }

  /** The invocation ended at `now` (its purge, or its queueing and window drain, done). */
  leave(now: number): void {
    if (this.running) this.lastTook = this.purging ? now - this.lastStart : 0;
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
   * A look that started when `arrive` said so found the other instances last busy at `others` (their
   * marks' times, busy.ts), at `now`: whether the account is saturated. If so, back-to-back
   * invocations queue for a window. Joining a window another invocation holds is no such sign (deliver.ts
   * says why).
   */
  looked(now: number, others: readonly BusyMark[]): boolean {
    const times = others.map((mark) => mark.time);
    // Saturated until lately: the burst is under way and its instances look at different moments.
    const staying = now - this.saturatedUntil < this.windowMs;
    const counted = staying
      ? times.filter((time) => time >= this.lastLook - this.windowMs)
      : times.filter((time) => Math.abs(time - this.lastLook) <= BUSY_TOGETHER_MS);
    // Another instance gathering a window: the account is under pressure, and this one is behind too.
    const gathering = others.some(
      (mark) => mark.gathering && mark.time >= this.lastLook - GATHERING_FRESH_MS,
    );
    const saturated = gathering || counted.length >= (staying ? 1 : OTHERS_BUSY);
    if (saturated) this.saturatedUntil = now + this.windowMs;
    this.purging = !saturated;
    return saturated;
  }
}
