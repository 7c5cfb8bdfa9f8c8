/**
 * Changes → the URLs to purge, grouped into lanes (one API, one zone or area, one quota) and batches.
 *
 * Tencent's templates send one purge call per uploaded file; a bulk upload then burns the rate limit
 * and the daily quota (prior-art complaint #3). Here every URL is planned once however many records,
 * domains and spellings lead to it, and a lane's URLs go out in as few calls as its batch size allows.
 */
import picomatch from "picomatch";
import { GLOB_OPTIONS } from "../config/schemas";
import { laneOf } from "../foundation/lane";
import {
  type Config,
  type Lane,
  type ObjectChange,
  type PlannedTarget,
  type Provider,
  type Site,
  type SkippedRecord,
  SPELLINGS,
  type Spelling,
} from "../foundation/model";
import { toCacheTargets, unreachableReason } from "./urls";

/** The lane a site's URLs are purged in: EdgeOne purges per zone, CDN per area ("" = the domain's own). */
const SCOPE: Readonly<Record<Provider, (site: Site, config: Config) => string>> = {
  edgeone: (site) => site.zoneId ?? "",
  cdn: (_site, config) => config.cdnArea,
};

type KeyVerdict = { readonly path: string } | { readonly reason: string };

/** Maps an object key to its path on the sites, or says why it is not purged. */
function keyMapper(config: Config): (key: string) => KeyVerdict {
  const compile = (pattern: string) => ({ pattern, matches: picomatch(pattern, GLOB_OPTIONS) });
  const include = config.include.map(compile);
  const exclude = config.exclude.map(compile);
  const includeList = config.include.map((pattern) => JSON.stringify(pattern)).join(", ");
  return (key) => {
    if (!key.startsWith(config.keyPrefix))
      return { reason: `outside PURGE_KEY_PREFIX "${config.keyPrefix}"` };
    const path = key.slice(config.keyPrefix.length);
    if (include.length > 0 && !include.some(({ matches }) => matches(path))) {
      return { reason: `matches no PURGE_INCLUDE pattern (${includeList})` };
    }
    const excludedBy = exclude.find(({ matches }) => matches(path));
    if (excludedBy !== undefined)
      return { reason: `excluded by PURGE_EXCLUDE pattern "${excludedBy.pattern}"` };
    const unreachable = unreachableReason(path);
    return unreachable === undefined ? { path } : { reason: unreachable };
  };
}

/**
 * An object of the backlog itself (backlog/): never purged, so that the function's own writes, should
 * the trigger's prefix filter let them through, cost nothing and never loop.
 */
function isBacklogObject(change: ObjectChange, config: Config): boolean {
  const { bucket, prefix } = config.backlog;
  return change.key.startsWith(prefix) && (bucket === undefined || bucket === change.bucket);
}

/**
 * Every URL to purge for these changes, on every configured site, each listed once (first seen first)
 * with the object keys it stands for; and the changes not purged, with the reason.
 *
 * `PlannedTarget.keys` holds the keys as stored in COS (with the prefix), as in `ObjectChange.key`;
 * `PlannedTarget.spellings` the spellings of those keys the URL is, in `SPELLINGS` order.
 * The same URL in two lanes (one domain on both EdgeOne and CDN during a migration) is two targets.
 */
export function planPurges(
  changes: readonly ObjectChange[],
  config: Config,
): { targets: PlannedTarget[]; skipped: SkippedRecord[] } {
  const mapKey = keyMapper(config);
  const targets = new Map<string, PlannedTarget & { keys: string[]; spellings: Spelling[] }>();
  const skipped: SkippedRecord[] = [];
  for (const change of changes) {
    const verdict = isBacklogObject(change, config)
      ? { reason: `cos-purge's own backlog (PURGE_BACKLOG_PREFIX "${config.backlog.prefix}")` }
      : mapKey(change.key);
    if ("reason" in verdict) {
      skipped.push({ record: change.record, key: change.key, reason: verdict.reason });
      continue;
    }
    for (const site of config.sites) {
      const lane = { provider: site.provider, scope: SCOPE[site.provider](site, config) };
      for (const { url, spellings } of toCacheTargets(verdict.path, site, config)) {
        // Neither provider nor scope contains a space, and a planned URL never does (it is encoded).
        const id = `${laneOf(lane)}\n${url}`;
        const target = targets.get(id) ?? { ...lane, url, keys: [], spellings: [] };
        if (!target.keys.includes(change.key)) target.keys.push(change.key);
        const merged = SPELLINGS.filter(
          (name) => spellings.includes(name) || target.spellings.includes(name),
        );
        target.spellings.splice(0, target.spellings.length, ...merged);
        targets.set(id, target);
      }
    }
  }
  return { targets: [...targets.values()], skipped };
}

/** Groups targets by provider, scope and type, in order of first appearance; each lane is one API and quota. */
export function toLanes(targets: readonly PlannedTarget[]): Lane[] {
  const lanes = new Map<string, Lane & { targets: string[] }>();
  for (const target of targets) {
    const { provider, scope, type, url } = target;
    const id = laneOf(target);
    // `purge_url` stays implicit, as in every lane made before lanes had types.
    const typed = type === undefined || type === "purge_url" ? {} : { type };
    const lane = lanes.get(id) ?? { provider, scope, ...typed, targets: [] };
    lane.targets.push(url);
    lanes.set(id, lane);
  }
  return [...lanes.values()];
}

/**
 * Splits targets into consecutive chunks of at most `batch` (the provider's per-request limit).
 *
 * @throws RangeError when `batch` is not a whole number ≥ 1.
 * @example splitBatches(["a", "b", "c"], 2) // [["a", "b"], ["c"]]
 */
export function splitBatches(targets: readonly string[], batch: number): string[][] {
  if (!Number.isInteger(batch) || batch < 1)
    throw new RangeError(`batch must be a whole number ≥ 1, got ${batch}`);
  const batches: string[][] = [];
  for (let start = 0; start < targets.length; start += batch)
    batches.push(targets.slice(start, start + batch));
  return batches;
}
