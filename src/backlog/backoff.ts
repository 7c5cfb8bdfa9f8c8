/**
 * Backoff between drains for queue entries that failed before: an entry whose targets failed `tries`
 * drains in a row (an outage, an error code nobody knows, a bug of ours) waits longer before each next
 * try, so that a failure that lasts costs a few calls an hour, not one per timer tick, while "backlog
 * overdue" (after PURGE_BACKLOG_ALARM_TRIES) still comes within hours.
 *
 * A pure function of the entry: nothing is stored but `tries` and `deferredAt`, which the drain already
 * writes when it counts a try.
 */
import type { Logger } from "../foundation/log";
import type { Stored } from "./backlog";
import type { BacklogEntry } from "./entries";

/** Wait after the first failed try: about one tick of a per-minute timer. */
export const BACKOFF_BASE_MS = 60_000;
/** Longest wait: with the default 10 tries, the alarm comes about six hours after the first failure. */
export const BACKOFF_CAP_MS = 60 * 60_000;

/** How long after its latest deferral an entry that failed `tries` drains waits: 0, 1, 2, 4 ... 60 min. */
export function backoffMs(tries: number): number {
  if (tries <= 0) return 0;
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(tries - 1, 30));
}

/**
 * Targets queued again because their task failed after the provider accepted it (`Task…` reasons,
 * confirm.ts and failed-tasks.ts) go out again at once: the call itself worked, a fresh task usually
 * succeeds, and their tries still raise "backlog overdue" when it never does.
 */
const TASK_FAILED = /^Task/;

/** When an entry may be tried next (epoch ms). */
export const dueAt = (entry: Pick<BacklogEntry, "tries" | "deferredAt" | "reason">): number =>
  // An entry that never failed is due now, whatever its stamp says (another instance's clock may run
  // ahead of this one's).
  entry.tries <= 0 || TASK_FAILED.test(entry.reason)
    ? Number.NEGATIVE_INFINITY
    : entry.deferredAt + backoffMs(entry.tries);

/**
 * The entries a drain at `now` should try: the others are still backing off, left as they are (they
 * still count as waiting, and for the alarm). Says how many wait, at `info`, when any do.
 */
export function dueEntries(
  entries: readonly Stored<BacklogEntry>[],
  now: number,
  log: Logger,
): Stored<BacklogEntry>[] {
  const due = entries.filter(({ record }) => dueAt(record) <= now);
  const waiting = entries.filter(({ record }) => dueAt(record) > now);
  if (waiting.length > 0) {
    log.info("backlog entries backing off after failed tries", {
      entries: waiting.length,
      targets: waiting.reduce((sum, { record }) => sum + record.targets.length, 0),
      // A reduce, not Math.min(...): a large backlog would overflow the call stack.
      nextDueInMs: waiting.reduce((soonest, { record }) => Math.min(soonest, dueAt(record) - now), Infinity),
    });
  }
  return due;
}
