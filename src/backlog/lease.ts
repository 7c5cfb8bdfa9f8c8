/**
 * A lease in COS: at most one holder at a time, and a holder that dies loses it when it expires.
 *
 * COS offers one atomic primitive, a PUT that refuses to overwrite (`x-cos-forbid-overwrite: true`).
 * A lease is therefore a sequence of generations, `<name>/<000000000001>`, `…002`, …: the highest
 * generation says who holds the lease and until when (or that it was released). To take the lease, a
 * contender lists the generations, checks that the highest is released or expired, and creates the
 * next one with forbid-overwrite. Two contenders that saw the same state race for the same key and
 * exactly one wins. Nothing rewrites or deletes the highest generation (a release is a new generation),
 * and old generations are deleted only long after any contender could still be acting on having seen
 * them, so a stale view can never win a key that a fresher one already passed.
 */
import type { Clock } from "../clock";
import type { ObjectStore } from "./store";

export interface LeaseState {
  readonly owner: string;
  readonly acquiredAt: number;
  /** Epoch ms after which anyone may take the lease. */
  readonly expiresAt: number;
  readonly released?: boolean;
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
  | { readonly held: HeldLease }
  | { readonly held?: undefined; readonly holder: LeaseState | undefined };

/** Generations older than this are deleted: far beyond any list-then-put a contender is in the middle of. */
const KEEP_OLD_MS = 30 * 60_000;
const WIDTH = 12;

const generationOf = (key: string): number => Number(key.slice(key.lastIndexOf("/") + 1));

function readState(text: string | undefined): LeaseState | undefined {
  if (text === undefined) return undefined;
  try {
    const json = JSON.parse(text) as Partial<LeaseState>;
    if (typeof json.expiresAt !== "number" || typeof json.acquiredAt !== "number") return undefined;
    return {
      owner: String(json.owner ?? ""),
      acquiredAt: json.acquiredAt,
      expiresAt: json.expiresAt,
      ...(json.released === true ? { released: true } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The holder of lease `name` now, or undefined when it is free (never taken, released or expired). */
export async function leaseHolder(
  store: ObjectStore,
  clock: Clock,
  name: string,
): Promise<LeaseState | undefined> {
  const generations = (await store.list(name)).filter((object) =>
    /^\d+$/.test(object.key.slice(name.length)),
  );
  const highest = generations.at(-1);
  if (highest === undefined) return undefined;
  const state = readState(await store.get(highest.key));
  if (state === undefined || state.released || state.expiresAt <= clock.now()) return undefined;
  return state;
}

/**
 * Tries once to take the lease `name` (a folder key ending in `/`) for `ttlMs`.
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
  const generations = (await store.list(name)).filter((object) =>
    /^\d+$/.test(object.key.slice(name.length)),
  );
  const highest = generations.at(-1);
  if (highest !== undefined) {
    const state = readState(await store.get(highest.key));
    // An unreadable generation counts as expired by its age: a lease is never blocked forever.
    const expiresAt = state?.expiresAt ?? highest.lastModified + ttlMs;
    if (!state?.released && expiresAt > clock.now()) {
      return { holder: state ?? { owner: "unknown", acquiredAt: highest.lastModified, expiresAt } };
    }
  }
  const generation = (highest === undefined ? 0 : generationOf(highest.key)) + 1;
  const key = `${name}${String(generation).padStart(WIDTH, "0")}`;
  const acquiredAt = clock.now();
  const state: LeaseState = { owner, acquiredAt, expiresAt: acquiredAt + ttlMs };
  if (!(await store.put(key, JSON.stringify(state), { ifAbsent: true }))) return { holder: undefined };

  const old = generations.filter((object) => object.lastModified < acquiredAt - KEEP_OLD_MS);
  await Promise.all(old.map((object) => store.delete(object.key).catch(() => undefined)));

  let released = false;
  return {
    held: {
      key,
      expiresAt: state.expiresAt,
      remaining: () => state.expiresAt - clock.now(),
      release: async () => {
        if (released) return;
        released = true;
        const next = `${name}${String(generation + 1).padStart(WIDTH, "0")}`;
        const body: LeaseState = { ...state, released: true, expiresAt: clock.now() };
        // If someone already took the next generation, our lease had expired: nothing to release.
        await store.put(next, JSON.stringify(body), { ifAbsent: true });
      },
    },
  };
}

/**
 * Creates `key` once: true for the one caller whose write created it. For per-window drain claims and
 * once-only markers, where the key itself names the thing claimed.
 */
export function claimOnce(store: ObjectStore, key: string, body: string): Promise<boolean> {
  return store.put(key, body, { ifAbsent: true });
}
