/**
 * Which purged URLs to warm afterwards (`PURGE_PREFETCH`): EdgeOne `CreatePrefetchTask`, CDN
 * `PushUrlsCache`, each with a quota of its own (CDN: 1,000 a day, 500 a request by default).
 *
 * A prefetch target is always one of the invocation's purge targets, in the same provider and zone or
 * area, so that "warm only what was purged" is a set lookup at delivery (drain/prefetch.ts):
 *
 * - Only created objects: a removed object has nothing to warm, and prefetching it would make the
 *   cache fetch (and maybe keep) the origin's 404. A key also removed in the same delivery is left
 *   out too: the order of the records of one delivery is not a promise COS makes.
 * - One spelling: `chromium`'s (the first of `SPELLINGS`, always purged), the URL most requests use.
 *   The other spellings name the same bytes; warming each would spend the small prefetch quota on
 *   copies few clients ask for, and a later request in another spelling still fills its cache entry.
 * - An index document's folder URL (`docs/` for `docs/index.html`) is warmed as well when the key
 *   matches: it is the URL visitors actually request for the page.
 */
import picomatch from "picomatch";
import { GLOB_OPTIONS } from "../config/schemas";
import type { Config, ObjectChange, PlannedTarget } from "../foundation/model";

/** The spelling warmed: Chromium browsers send most requests, and it is always among the purged ones. */
export const PREFETCH_SPELLING = "chromium";

/**
 * The prefetch targets for `purges` (the invocation's purge targets, after the ledger): each purge
 * target in the `chromium` spelling that stands for a created key matching `config.prefetch`, as a
 * target of type `prefetch_url` in the same lane. Empty when `PURGE_PREFETCH` is empty.
 *
 * @example
 * // PURGE_PREFETCH="**\/*.apk", an upload of app/v2.apk:
 * planPrefetches(changes, purges, config)
 * // [{ provider: "edgeone", scope: "zone-1", type: "prefetch_url", url: "https://www.example.com/app/v2.apk", ... }]
 */
export function planPrefetches(
  changes: readonly ObjectChange[],
  purges: readonly PlannedTarget[],
  config: Pick<Config, "prefetch" | "keyPrefix">,
): PlannedTarget[] {
  if (config.prefetch.length === 0) return [];
  const matchers = config.prefetch.map((pattern) => picomatch(pattern, GLOB_OPTIONS));
  const removed = new Set(changes.filter((change) => change.kind === "removed").map((change) => change.key));
  const warm = new Set(
    changes
      .filter((change) => change.kind === "created" && !removed.has(change.key))
      .map((change) => change.key)
      .filter((key) => key.startsWith(config.keyPrefix))
      .filter((key) => matchers.some((matches) => matches(key.slice(config.keyPrefix.length)))),
  );
  const prefetches: PlannedTarget[] = [];
  for (const target of purges) {
    if ((target.type ?? "purge_url") !== "purge_url") continue;
    if (!target.spellings?.includes(PREFETCH_SPELLING)) continue;
    const keys = target.keys.filter((key) => warm.has(key));
    if (keys.length === 0) continue;
    const { provider, scope, url } = target;
    prefetches.push({ provider, scope, type: "prefetch_url", url, keys, spellings: [PREFETCH_SPELLING] });
  }
  return prefetches;
}
