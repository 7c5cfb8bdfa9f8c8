import type { LaneKey } from "../model";

/**
 * A lane's own fields (not its targets), `type` left out for `purge_url`, the default: what failures,
 * jobs and backlog records carry, so that a plain purge reads the same as before lanes had types.
 */
export function laneKeyOf(lane: LaneKey): LaneKey {
  const { provider, scope, type } = lane;
  return type === undefined || type === "purge_url" ? { provider, scope } : { provider, scope, type };
}
