/**
 * Busy marks: which warm instances of the function had more work than they could do at once lately.
 * `auto` reads them to tell one busy instance (which alone cannot reach the account's rate limit: its
 * own limiter holds it to 20 calls/s) from several (which can, each sending up to ~14 calls/s).
 *
 *     busy/<epoch ms, 13 digits>-<instance id>[-w]     (empty; -w: holding a drain window)
 *
 * An instance leaves one when SCF hands it an event the moment its previous one ended (events were
 * waiting for it), and about once a second while it holds a drain window (it is gathering uploads:
 * the account is under pressure, and another instance behind joins it). Marks are written, never
 * rewritten; a look lists only the recent ones (GET Bucket's `marker` starts the listing at the oldest
 * time that counts), so old marks cost nothing until a drain sweeps them. Marks are hints (object-store.ts
 * `HintOption`): a look on a fresh instance is a PUT and a LIST, without the versioning check that only
 * the backlog's create-once writes need.
 */
import type { Clock } from "../foundation/clock";
import type { Backlog } from "./backlog";
import { CLOCK_SKEW_MS, keyStamp, nonce } from "./entries";

const FOLDER = "busy/";
/** Marks older than this are deleted by drains (drain/idle.ts, when due): long past any window. */
export const BUSY_TTL_MS = 10 * 60_000;
/** A look reads at most this many recent marks: far more instances than SCF runs for one function. */
const MAX_MARKS = 1_000;
const folder = (backlog: Backlog) => `${backlog.prefix}${FOLDER}`;

/** A new id for this warm instance: 8 random hex digits. */
export const instanceId = nonce;

/** An instance's newest mark: when, and whether it was gathering a drain window then. */
export interface BusyMark {
  readonly time: number;
  readonly gathering: boolean;
}

/** Leaves this instance's busy mark, stamped `now`; `gathering` while it holds a drain window. */
export async function markBusy(
  backlog: Backlog,
  instance: string,
  now: number,
  gathering = false,
): Promise<void> {
  const key = `${folder(backlog)}${keyStamp(now)}-${instance}${gathering ? "-w" : ""}`;
  await backlog.objects.put(key, "", { hint: true });
}

/** The instances that left a mark from `since` on (this one included, if it did), each with its newest. */
export async function busySince(
  backlog: Backlog,
  since: number,
  now: number,
): Promise<Map<string, BusyMark>> {
  const listed = await backlog.objects.list(folder(backlog), {
    after: `${folder(backlog)}${keyStamp(since)}`,
    maxKeys: MAX_MARKS,
    hint: true,
  });
  const instances = new Map<string, BusyMark>();
  for (const { key } of listed) {
    const match = /^(\d{13})-([0-9a-f]{8})(-w)?$/.exec(key.slice(folder(backlog).length));
    if (match === null) continue;
    const time = Number(match[1]);
    const instance = match[2] as string;
    const newest = instances.get(instance);
    if (time >= since && time <= now + CLOCK_SKEW_MS && (newest === undefined || time >= newest.time)) {
      instances.set(instance, { time, gathering: match[3] !== undefined });
    }
  }
  return instances;
}

/** Deletes marks older than `BUSY_TTL_MS`, a page at a time in one request (drains; failures wait for the next). */
export async function sweepBusy(backlog: Backlog, now: number): Promise<number> {
  const listed = await backlog.objects.list(folder(backlog), { maxKeys: MAX_MARKS });
  const cutoff = `${folder(backlog)}${keyStamp(now - BUSY_TTL_MS)}`;
  const old = listed.filter((object) => object.key < cutoff);
  if (old.length > 0) await backlog.objects.deleteMany(old.map((object) => object.key));
  return old.length;
}

/**
 * Leaves this instance's mark (unless `mark` is false: a second look), then lists the others' from
 * `lookBackMs` ago: when each other instance was last busy (pressure.ts decides what that means). The
 * mark goes first: of instances looking at the same moment, the last to list sees the others.
 */
export async function lookAtOthers(
  backlog: Backlog,
  instance: string,
  lookBackMs: number,
  clock: Clock,
  mark = true,
): Promise<BusyMark[]> {
  const at = clock.now();
  if (mark) await markBusy(backlog, instance, at);
  const busy = await busySince(backlog, at - lookBackMs, clock.now());
  busy.delete(instance);
  return [...busy.values()];
}
