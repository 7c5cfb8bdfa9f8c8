/**
 * A lease in COS: at most one holder at a time, and a holder that dies loses it when it expires.
 *
 * COS offers one atomic primitive, a PUT that refuses to overwrite (`x-cos-forbid-overwrite: true`).
 * A lease is therefore a sequence of generations, `<name>/<000000000001>`, `…002`, …: the highest
 * generation says who holds the lease and until when (or that it was released). To take the lease, a
 * contender lists the generations, checks that the highest is released or expired, and creates the
 * next one with forbid-overwrite. Two contenders that saw the same listing race for the same key and
 * exactly one wins: which key that is depends on the listing alone, never on a clock. Nothing rewrites
 * or deletes the highest generation (a release is a new generation), and old generations are deleted
 * only long after any contender could still be acting on having seen them, so a stale view can never
 * win a key that a fresher one already passed.
 *
 * Nothing written under the lease's folder can pin it:
 * - generations are compared as numbers, not as keys (`1000000000000` follows `999999999999` though it
 *   lists before it), and only canonical names count (12 digits zero-padded, or more without a leading
 *   zero; at most 30): other names are ignored, so no two keys stand for one generation;
 * - no holder counts for longer than `MAX_HOLD_MS` plus a margin after COS wrote its generation (its
 *   Last-Modified, which the writer cannot choose), whatever expiry its body claims;
 * - a free generation at the top of the range (no drain counts to 10^30) is deleted, not followed.
 */
import type { Clock } from "../foundation/clock";
import type { ListedObject, ObjectStore } from "./store";

export interface LeaseState {
  readonly owner: string;
  readonly acquiredAt: number;
  /** Epoch ms after which anyone may take the lease (the body's claim, cut to the bound). */
  readonly expiresAt: number;
  readonly released?: boolean;
  /** When COS wrote this generation (its Last-Modified); undefined for a lease not read from a listing. */
  readonly writtenAt?: number;
  /** The expiry the body claimed, when it claimed more than the bound allows (a forged or broken lease). */
  readonly claimedExpiresAt?: number;
  /** The generation's body could not be read as a lease. */
  readonly unreadable?: boolean;
}

export interface HeldLease {
  readonly key: string;
  readonly expiresAt: number;
  /** Milliseconds left before the lease expires. */
  remaining(): number;
  /** Hands the lease on at once (writes the next generation, released). */
  release(): Promise<void>;
}

export type LeaseAttempt =
  | { readonly held: HeldLease; readonly holder?: undefined }
  | { readonly held?: undefined; readonly holder: LeaseState | undefined };

/**
 * The longest any holder may keep a lease: SCF's maximum execution time (900 s, tencent-cloud.md §3),
 * which also bounds `cos-purge backlog drain --timeout-ms`. Every holder stops working before its own
 * expiry, so no honest holder needs longer.
 */
export const MAX_HOLD_MS = 900_000;
/**
 * Added to `MAX_HOLD_MS` before a holder counts as gone: Last-Modified is COS's clock, to the second,
 * and the function's clock may be a little behind it.
 */
const HOLD_MARGIN_MS = 60_000;

/** Generations older than this are deleted: far beyond any list-then-put a contender is in the middle of. */
const KEEP_OLD_MS = 30 * 60_000;
const WIDTH = 12;
/** Beyond any count of drains (10^30 generations), and far inside COS's 850-byte key limit. */
const MAX_DIGITS = 30;

interface Generation {
  readonly key: string;
  readonly number: bigint;
  readonly lastModified: number;
  readonly size: number;
}

const generationKey = (name: string, generation: bigint): string =>
  `${name}${generation.toString().padStart(WIDTH, "0")}`;

/** The generations of lease `name` in the listing, lowest first; names outside the scheme are left out. */
function generationsIn(listed: readonly ListedObject[], name: string): Generation[] {
  const generations: Generation[] = [];
  for (const object of listed) {
    const suffix = object.key.slice(name.length);
    if (!/^\d+$/.test(suffix) || suffix.length > MAX_DIGITS) continue;
    const number = BigInt(suffix);
    if (generationKey(name, number) !== object.key) continue;
    generations.push({ key: object.key, number, lastModified: object.lastModified, size: object.size });
  }
  return generations.sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
}

/** The lease as generation `generation` says it stands: its body read, its expiry cut to the bound. */
function stateOf(text: string | undefined, generation: Generation): LeaseState {
  const bound = generation.lastModified + MAX_HOLD_MS + HOLD_MARGIN_MS;
  const writtenAt = generation.lastModified;
  const body = parseBody(text);
  if (body === undefined) {
    // Not a lease this version can read (a newer format, or something else): held until the bound,
    // as the most any holder could claim, and free after it.
    return { owner: "unknown", acquiredAt: writtenAt, expiresAt: bound, writtenAt, unreadable: true };
  }
  return {
    ...body,
    expiresAt: Math.min(body.expiresAt, bound),
    writtenAt,
    ...(body.expiresAt > bound ? { claimedExpiresAt: body.expiresAt } : {}),
  };
}

function parseBody(text: string | undefined): LeaseState | undefined {
  if (text === undefined) return undefined;
  try {
    const json = JSON.parse(text) as Partial<LeaseState>;
    if (!Number.isFinite(json.expiresAt) || !Number.isFinite(json.acquiredAt)) return undefined;
    return {
      owner: String(json.owner ?? ""),
      acquiredAt: json.acquiredAt as number,
      expiresAt: json.expiresAt as number,
      ...(json.released === true ? { released: true } : {}),
    };
  } catch {
    return undefined;
  }
}

interface Observed {
  readonly generations: readonly Generation[];
  readonly highest?: Generation;
  /** The holder, or undefined when the lease is free (never taken, released or expired). */
  readonly holder?: LeaseState;
}

/**
 * Bodies of generations this warm instance has read, per store. A generation is written once and never
 * rewritten, so its body stays what it was: while the same generation stays highest (an invocation
 * joining a window another holds, one upload after another), a lease look is one LIST, not a LIST and a
 * GET. Keyed with its Last-Modified and size too, so that an object written over by hand is read again.
 */
const bodies = new WeakMap<ObjectStore, Map<string, string | undefined>>();
const BODIES_KEPT = 16;

async function bodyOf(store: ObjectStore, generation: Generation): Promise<string | undefined> {
  const known = bodies.get(store) ?? new Map<string, string | undefined>();
  bodies.set(store, known);
  const id = `${generation.key} ${generation.lastModified} ${generation.size}`;
  if (known.has(id)) return known.get(id);
  const body = await store.get(generation.key);
  if (known.size >= BODIES_KEPT) known.delete(known.keys().next().value as string);
  known.set(id, body);
  return body;
}

async function observe(store: ObjectStore, clock: Clock, name: string): Promise<Observed> {
  const generations = generationsIn(await store.list(name), name);
  const highest = generations.at(-1);
  if (highest === undefined) return { generations };
  const state = stateOf(await bodyOf(store, highest), highest);
  const free = state.released === true || state.expiresAt <= clock.now();
  return { generations, highest, ...(free ? {} : { holder: state }) };
}

/** The holder of lease `name` now, or undefined when it is free (never taken, released or expired). */
export async function leaseHolder(
  store: ObjectStore,
  clock: Clock,
  name: string,
): Promise<LeaseState | undefined> {
  return (await observe(store, clock, name)).holder;
}

/**
 * Tries once to take the lease `name` (a folder key ending in `/`) for `ttlMs`, at most `MAX_HOLD_MS`.
 *
 * @returns the held lease, or the current holder (undefined when another contender just won the race).
 */
export async function acquireLease(
  store: ObjectStore,
  clock: Clock,
  name: string,
  owner: string,
  ttlMs: number,
): Promise<LeaseAttempt> {
  const { generations, highest, holder } = await observe(store, clock, name);
  if (holder !== undefined) return { holder };
  const generation = (highest?.number ?? 0n) + 1n;
  const key = generationKey(name, generation);
  if (highest !== undefined && key.length - name.length > MAX_DIGITS) {
    // Only a forged generation stands this high; following it would leave the range. It is free, so
    // nobody works under it: delete it, and the next attempt follows the generation below.
    await store.delete(highest.key);
    return { holder: undefined };
  }
  const acquiredAt = clock.now();
  const state: LeaseState = { owner, acquiredAt, expiresAt: acquiredAt + Math.min(ttlMs, MAX_HOLD_MS) };
  if (!(await store.put(key, JSON.stringify(state), { ifAbsent: true }))) return { holder: undefined };

  const old = generations.filter((object) => object.lastModified < acquiredAt - KEEP_OLD_MS);
  // One batch delete for all of them; one not deleted is only tried again by the next holder.
  await store.deleteMany(old.map((object) => object.key)).catch(() => undefined);

  let released = false;
  return {
    held: {
      key,
      expiresAt: state.expiresAt,
      remaining: () => state.expiresAt - clock.now(),
      release: async () => {
        if (released) return;
        released = true;
        const next = generationKey(name, generation + 1n);
        // At the top of the range there is no next generation: the lease expires by its bound instead.
        if (next.length - name.length > MAX_DIGITS) return;
        const body: LeaseState = { ...state, released: true, expiresAt: clock.now() };
        // If someone already took the next generation, our lease had expired: nothing to release.
        await store.put(next, JSON.stringify(body), { ifAbsent: true });
      },
    },
  };
}

/**
 * Why a holder that keeps a drain busy deserves an alarm, or undefined for a normal hold: held longer
 * than any invocation can run, claiming an expiry beyond the bound, or not readable as a lease.
 */
export function abnormalHold(holder: LeaseState, now: number): string | undefined {
  if (holder.claimedExpiresAt !== undefined) {
    return `its generation claims to be held until ${iso(holder.claimedExpiresAt)}, longer than the ${MAX_HOLD_MS / 1000} s any holder may keep it; it counts as expired at ${iso(holder.expiresAt)}`;
  }
  if (holder.unreadable) {
    return `its newest generation is not a lease this version can read; it counts as expired at ${iso(holder.expiresAt)}`;
  }
  if (holder.writtenAt !== undefined && now - holder.writtenAt > MAX_HOLD_MS) {
    return `held since ${iso(holder.writtenAt)}, longer than the ${MAX_HOLD_MS / 1000} s any invocation can run`;
  }
  return undefined;
}

const iso = (time: number): string => new Date(time).toISOString();

/**
 * Creates `key` once: true for the one caller whose write created it. For per-window drain claims and
 * once-only markers, where the key itself names the thing claimed.
 */
export function claimOnce(store: ObjectStore, key: string, body: string): Promise<boolean> {
  return store.put(key, body, { ifAbsent: true });
}
