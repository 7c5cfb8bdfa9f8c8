/**
 * The drain window: after an invocation queues work, one invocation per window drains it, so that a
 * burst of uploads costs one drain, not one purge call per file, and waits seconds, not until the timer.
 *
 * The first invocation to queue takes the window lease and waits `windowMs`, longer while uploads keep
 * arriving (the queue's newest entry is younger than the quiet period), at most `maxHoldMs`; then it
 * drains everything queued. The others find the lease taken and return at once, and the timer's drains
 * stand aside while it holds the window. While uploads are still arriving it submits only full batches
 * and keeps the rest for its next round, for at most `maxHoldMs`: that is what brings a burst close to
 * `ceil(URLs / Batch)` calls.
 *
 * No upload is left behind: an invocation queues its entry before it tries the lease, and the holder
 * looks at the queue again after releasing it. An entry that arrived after the holder's last drain is
 * drained by the holder's next round (or, when its time is up, by the timer's drain).
 */
import type { Backlog } from "../backlog/backlog";
import { markBusy } from "../backlog/busy";
import { CLOCK_SKEW_MS, FOLDERS, keyTime } from "../backlog/entries";
import { acquireLease, leaseHolder } from "../backlog/lease";
import type { ListedObject } from "../backlog/store";
import { type DrainDeps, type DrainReport, drainBacklog } from "../drain/drain";
import type { Clock } from "../foundation/clock";

export interface WindowDeps extends DrainDeps {
  readonly windowMs: number;
  /**
   * The longest a queued entry waits for a fuller batch while uploads keep coming: a few windows where
   * latency matters (`auto`), longer where calls do (`queue`). Then whatever is queued goes out.
   */
  readonly maxHoldMs: number;
  /**
   * How long the holder waits before its first look at the queue: a whole window where calls matter
   * (`queue`, the default); only the quiet period where latency does (`auto`, which queues only under
   * pressure, so the uploads still coming keep the holder gathering up to `maxHoldMs` anyway, and after
   * the last one it drains a quiet period later, not a window: measured, the end of a 2,000-upload
   * burst waited 3 s).
   */
  readonly firstWait?: "window" | "quiet";
  /**
   * This warm instance's id, in `auto`: while gathering, the holder renews a busy mark (busy.ts), so
   * that an `auto` instance behind elsewhere joins. Without it (`queue`, where nobody looks) none is written.
   */
  readonly instance?: string;
}

const windowLeaseName = (backlog: Backlog) => `${backlog.prefix}${FOLDERS.lease}window/`;

/**
 * An invocation that wrote its entry while seeing the window held, within this long of looking, has
 * joined: the holder looks at the queue again this long after releasing the window, and finds it.
 */
export const JOIN_GRACE_MS = 1_000;

/**
 * Writes an invocation's queue entry and looks at the window lease at the same time: one round trip
 * instead of a write and then a look. `joined` when another invocation held the window and the write
 * finished within `JOIN_GRACE_MS` of the look's start: the holder released no earlier than the look
 * and looks at the queue again `JOIN_GRACE_MS` after releasing (drainWithinWindow), so the entry is
 * drained by it. Otherwise the caller tries the window itself (`drainWithinWindow`).
 */
export async function writeAndJoin<T>(
  backlog: Backlog,
  clock: Clock,
  write: () => Promise<T>,
): Promise<{ written: T; joined: boolean }> {
  const start = clock.now();
  const [written, holder] = await Promise.all([
    write(),
    leaseHolder(backlog.objects, clock, windowLeaseName(backlog)).catch(() => undefined),
  ]);
  return { written, joined: holder !== undefined && clock.now() - start < JOIN_GRACE_MS };
}

/** Time a drain needs after the wait: one or two purge calls plus the bookkeeping. */
const DRAIN_TIME_MS = 3_000;
/**
 * The most one invocation spends draining after its waits (within its own deadline, always): the
 * window's drain runs inside an upload's invocation, whose billed time carries it. Long enough for the
 * end of a burst (a page of 1,000 entries drains in a few seconds; 10,000 took 50 s in the backlog
 * bench), because what is left when it ends waits for the next invocation that queues or for the
 * timer's drain, and after a burst no upload comes: 10 s left half of a 2,000-upload burst to the timer.
 */
export const WINDOW_DRAIN_BUDGET_MS = 30_000;

/**
 * Drains within the window if no other invocation is about to (see the module comment).
 *
 * @returns the merged report of this invocation's drains, or undefined when another invocation holds
 * the window.
 */
export async function drainWithinWindow(unbounded: WindowDeps): Promise<DrainReport | undefined> {
  const { backlog, clock } = unbounded;
  const waits = Math.max(unbounded.windowMs, unbounded.maxHoldMs);
  const deps = {
    ...unbounded,
    deadline: Math.min(unbounded.deadline, clock.now() + waits + WINDOW_DRAIN_BUDGET_MS),
  };
  const name = windowLeaseName(backlog);
  const reports: DrainReport[] = [];
  let drainedUpTo = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 20; round += 1) {
    const lease = await acquireLease(backlog.objects, clock, name, deps.owner, deps.deadline - clock.now());
    if (lease.held === undefined) break;
    try {
      while (clock.now() + DRAIN_TIME_MS < deps.deadline) {
        const report = await drainBacklog({ ...deps, fullBatchesOnly: await waitForQuiet(deps) });
        reports.push(report);
        if (report.status === "busy") {
          await clock.sleep(Math.min(deps.windowMs, 1_000));
          continue;
        }
        drainedUpTo = report.readUpTo;
        if (report.heldBack === 0 && !(await newerThan(deps, drainedUpTo))) break;
      }
    } finally {
      await lease.held.release().catch(() => undefined);
    }
    if (clock.now() + JOIN_GRACE_MS + DRAIN_TIME_MS >= deps.deadline) break;
    // Queued while the lease was about to be released, by an invocation that saw it held (writeAndJoin
    // counts on this look coming JOIN_GRACE_MS after the release): this invocation takes the next round.
    await clock.sleep(JOIN_GRACE_MS);
    if (!(await newerThan(deps, drainedUpTo))) break;
  }
  return reports.length === 0 ? undefined : mergeReports(reports);
}

/**
 * Waits (`firstWait`), then while the newest entry is younger than the quiet period, up to `maxHoldMs`
 * after the oldest entry was queued (whoever held the window before: measured, a second holder that
 * counted from its own start kept 1,000 entries of a burst 6 s past their hold) or the time the drain
 * needs before the deadline. It looks every half quiet period, so the drain starts at most half of one
 * late. Each look lists only the entries queued within the quiet period (a few keys, one small
 * request), never the whole queue: a burst's queue of 1,000 keys carrying their bodies took a second to
 * list on a loaded machine, once per look.
 *
 * @returns whether to hold partial batches back: uploads are still coming and the oldest may wait on.
 */
async function waitForQuiet(deps: WindowDeps): Promise<boolean> {
  const { clock, windowMs } = deps;
  const quietMs = quietPeriod(windowMs);
  const start = clock.now();
  const bound = Math.min(start + Math.max(windowMs, deps.maxHoldMs), deps.deadline - DRAIN_TIME_MS);
  await clock.sleep(Math.min(deps.firstWait === "quiet" ? quietMs : windowMs, bound - start));
  const oldest = Math.min(clock.now(), ...(await queuedSince(deps, undefined)));
  const held = oldest + deps.maxHoldMs;
  let marked = Number.NEGATIVE_INFINITY;
  for (;;) {
    const now = clock.now();
    const ongoing = (await queuedSince(deps, now - quietMs)).length > 0;
    if (!ongoing) return false;
    if (now - marked >= GATHERING_MARK_EVERY_MS && deps.instance !== undefined) {
      marked = now;
      await markBusy(deps.backlog, deps.instance, now, true).catch(() => undefined);
    }
    if (now + quietMs / 2 > Math.min(bound, held)) return now + quietMs / 2 <= held;
    await clock.sleep(quietMs / 2);
  }
}

/**
 * How often a holder gathering uploads renews its busy mark (busy.ts): an instance that falls behind
 * and looks within `GATHERING_FRESH_MS` (pressure.ts) of it joins the window. A PUT a second.
 */
const GATHERING_MARK_EVERY_MS = 1_000;

/**
 * No upload queued for this long means the burst is over: a sixth of the window (500 ms by default),
 * at least 250 ms. While a burst lasts, its instances queue an upload every few milliseconds between
 * them; after the last one, every millisecond of this wait is on the last uploads' latency (a quarter
 * window took a 2,000-upload burst's p95 to 14.6-15.0 s, its target 15 s).
 */
const quietPeriod = (windowMs: number) => Math.max(250, windowMs / 6);

/** Whether an entry was queued after the one at `time` (the newest a drain read). */
async function newerThan(deps: WindowDeps, time: number): Promise<boolean> {
  return (await queuedSince(deps, time)).length > 0;
}

/**
 * When the first few entries queued after `after` (all entries when undefined) were queued: enough to
 * tell whether any was, and the oldest.
 */
async function queuedSince(deps: WindowDeps, after: number | undefined): Promise<number[]> {
  const listed = await deps.backlog.listQueue({ ...(after === undefined ? {} : { after }), maxKeys: 10 });
  return queuedTimes(listed, deps.clock.now());
}

/**
 * When each listed entry was queued, from its key. An object not named as a record (`keyTime` finds no
 * time) or stamped further ahead than clocks drift tells nothing about uploads: it must not keep a
 * window waiting or a holder draining (issue 13, row 10). The drain reports such objects, once.
 */
function queuedTimes(listed: readonly ListedObject[], now: number): number[] {
  const times: number[] = [];
  for (const { key } of listed) {
    const time = keyTime(key);
    if (time !== undefined && time <= now + CLOCK_SKEW_MS) times.push(time);
  }
  return times;
}

function mergeReports(reports: readonly DrainReport[]): DrainReport {
  const drained = reports.filter((report) => report.status === "drained");
  const last = drained.at(-1) ?? (reports.at(-1) as DrainReport);
  const sum = (pick: (report: DrainReport) => number) =>
    drained.reduce((total, report) => total + pick(report), 0);
  return {
    ...last,
    entries: sum((report) => report.entries),
    heldBack: last.heldBack,
    purged: sum((report) => report.purged),
    removed: sum((report) => report.removed),
    confirmed: sum((report) => report.confirmed),
    requeued: sum((report) => report.requeued),
    failures: drained.flatMap((report) => report.failures),
    collapsed: drained.flatMap((report) => report.collapsed),
    jobs: drained.flatMap((report) => report.jobs),
    apiCalls: sum((report) => report.apiCalls),
  };
}
