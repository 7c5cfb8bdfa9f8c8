/**
 * Busy marks: which warm instances of the function had more work than they could do at once lately.
 * `auto` reads them to tell one busy instance (which alone cannot reach the account's rate limit: its
 * own limiter holds it to 20 calls/s) from several (which can, each sending up to ~14 calls/s).
 *
 *     busy/<epoch ms, 13 digits>-<instance id>     (empty)
 *
 * An instance leaves one when SCF hands it an event the moment its previous one ended (events were
 * waiting for it), and when it takes a drain window (it is gathering uploads). Marks are written, never
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

/** Leaves this instance's busy mark, stamped `now`. */
export async function markBusy(backlog: Backlog, instance: string, now: number): Promise<void> {
  await backlog.objects.put(`${folder(backlog)}${keyStamp(now)}-${instance}`, "", { hint: true });
}

/** The instances that left a mark from `since` on (this one included, if it did). */
export async function busySince(backlog: Backlog, since: number, now: number): Promise<Set<string>> {
  const listed = await backlog.objects.list(folder(backlog), {
    after: `${folder(backlog)}${keyStamp(since)}`,
    maxKeys: MAX_MARKS,
    hint: true,
  });
  const instances = new Set<string>();
  for (const { key } of listed) {
    const match = /^(\d{13})-([0-9a-f]{8})$/.exec(key.slice(folder(backlog).length));
    if (match === null) continue;
    const time = Number(match[1]);
    if (time >= since && time <= now + CLOCK_SKEW_MS) instances.add(match[2] as string);
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
 * Other busy instances that make the account saturated: with this one, three instances each handed
 * events back to back. One alone cannot exceed the limit (its limiter), two working at ~14 calls/s
 * each are near it only while both stay saturated, and an instance briefly back to back (two uploads
 * a few milliseconds apart, a cold start's pile-up) must not queue a steady 10/s stream: a rare
 * refusal there costs less than a window's wait, and the refusal's back-off still catches it.
 */
export const OTHERS_BUSY = 2;

/**
 * Leaves this instance's mark, then says whether `OTHERS_BUSY` other instances left one within the
 * last `windowMs`. The mark goes first: of instances looking at the same moment, the last to list
 * sees the others.
 */
export async function othersBusy(
  backlog: Backlog,
  instance: string,
  windowMs: number,
  clock: Clock,
): Promise<boolean> {
  const at = clock.now();
  await markBusy(backlog, instance, at);
  const busy = await busySince(backlog, at - windowMs, clock.now());
  busy.delete(instance);
  return busy.size >= OTHERS_BUSY;
}
