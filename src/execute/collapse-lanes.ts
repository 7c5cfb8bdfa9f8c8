/**
 * Folder collapse applied to lanes (plan/collapse.ts chooses the folders): each URL lane with enough
 * targets is split into folder purges, in the lane's `purge_prefix` lane, and the URLs left, within
 * today's folder and URL quotas as the provider reports them. Used by the drain and by an invocation
 * carrying many files (a CKafka batch).
 */

import { laneKeyOf, laneOf } from "../foundation/lane";
import type { CollapsedFolderReport, Execution, Failure, Lane, LaneKey } from "../foundation/model";
import { type CollapseSettings, collapseTargets } from "../plan/collapse";
import type { AttemptContext } from "./attempts";
import type { ExecuteDeps } from "./execute";
import { readLaneQuota, reportedByProvider } from "./quota-read";

/** A folder purge that stood for `count` URLs of a URL lane. */
export type Collapse = CollapsedFolderReport;

/** A folder chosen: its folder lane (type `purge_prefix`), its URL, and the URL targets it stands for. */
export interface CollapsedFolder extends LaneKey {
  readonly prefix: string;
  readonly targets: readonly string[];
}

export interface CollapseDeps extends ExecuteDeps {
  readonly collapse?: CollapseSettings;
}

/** Splits lanes into folder purges and URLs left (see the module comment). */
export async function collapseLanes(
  lanes: readonly Lane[],
  deps: CollapseDeps,
  attempts: AttemptContext,
): Promise<{ planned: Lane[]; folders: CollapsedFolder[]; quotaCalls: number }> {
  const settings = deps.collapse;
  if (settings === undefined || settings.minFiles <= 0)
    return { planned: [...lanes], folders: [], quotaCalls: 0 };
  const planned = new Map<string, { lane: LaneKey; targets: string[] }>();
  const add = (lane: LaneKey, targets: readonly string[]) => {
    const id = laneOf(lane);
    const known = planned.get(id) ?? { lane: laneKeyOf(lane), targets: [] };
    planned.set(id, known);
    for (const target of targets) if (!known.targets.includes(target)) known.targets.push(target);
  };
  const folders: CollapsedFolder[] = [];
  let quotaCalls = 0;
  for (const lane of lanes) {
    if ((lane.type ?? "purge_url") !== "purge_url" || lane.targets.length < settings.minFiles) {
      add(lane, lane.targets);
      continue;
    }
    const folderLane: LaneKey = { provider: lane.provider, scope: lane.scope, type: "purge_prefix" };
    const urlQuota = await laneRoom(lane, deps, attempts);
    const folderQuota = await laneRoom(folderLane, deps, attempts);
    quotaCalls += urlQuota.calls + folderQuota.calls;
    const result = collapseTargets(lane.targets, settings, {
      maxPrefixes: folderQuota.room,
      urlRoom: urlQuota.room,
    });
    add(lane, result.rest);
    if (result.prefixes.length === 0) continue;
    add(
      folderLane,
      result.prefixes.map((folder) => folder.prefix),
    );
    for (const folder of result.prefixes)
      folders.push({ ...folderLane, prefix: folder.prefix, targets: folder.targets });
  }
  const out = [...planned.values()].map(({ lane, targets }) => ({ ...lane, targets }));
  return { planned: out.filter((lane) => lane.targets.length > 0), folders, quotaCalls };
}

/**
 * An execution of collapsed lanes as if its URLs had been sent one by one: a folder accepted counts as
 * each of its URLs purged; a folder that failed fails (or defers) each of its URLs, in the URL lane.
 */
export function expandFolders(execution: Execution, folders: readonly CollapsedFolder[]): Execution {
  if (folders.length === 0) return execution;
  const byFolder = new Map(folders.map((folder) => [`${laneOf(folder)}\n${folder.prefix}`, folder]));
  const urlsOf = (lane: LaneKey, target: string) => byFolder.get(`${laneOf(lane)}\n${target}`)?.targets;
  const prefixes = new Set(folders.map((folder) => folder.prefix));
  const purged = execution.purged.flatMap((target) => {
    if (!prefixes.has(target)) return [target];
    return folders.filter((folder) => folder.prefix === target).flatMap((folder) => folder.targets);
  });
  const failures = execution.failures.map((failure): Failure => {
    if ((failure.type ?? "purge_url") !== "purge_prefix") return failure;
    // A folder purge sent and never answered stays a folder: its task, if the provider made one, is
    // the folder's, and a lookup by its URLs would never find it and purge them all again.
    if (failure.sentAt !== undefined) return failure;
    const urls = failure.targets.flatMap((target) => urlsOf(failure, target) ?? []);
    if (urls.length === 0) return failure;
    const { type: _type, ...rest } = failure;
    return { ...rest, targets: urls };
  });
  const collapsed = folders.map(({ prefix, targets, provider, scope }) => ({
    provider,
    scope,
    prefix,
    count: targets.length,
  }));
  return { ...execution, purged, failures, collapsed };
}

/** How many targets the lane may take today: the provider's word, or one request's worth when it cannot say. */
async function laneRoom(
  lane: LaneKey,
  deps: CollapseDeps,
  attempts: AttemptContext,
): Promise<{ room: number; calls: number }> {
  const { quota, calls } = await readLaneQuota(lane, deps, attempts);
  // Unknown (the provider could not say): assume one request's worth; it says more when asked too much.
  const room = reportedByProvider(quota) ? (quota.dailyAvailable ?? Number.POSITIVE_INFINITY) : quota.batch;
  return { room, calls };
}
