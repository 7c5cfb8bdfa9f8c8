import type { LaneKey, Purger } from "./model";

/**
 * A lane as an id for grouping and maps: `provider scope type`, `purge_url` spelled out, so that a lane
 * with its type left out and one naming `purge_url` are the same lane. The one spelling of a lane id:
 * the planner, the executor, the quota book, the drain and the CLI all key lanes with it.
 */
export const laneOf = (lane: LaneKey): string => `${lane.provider} ${lane.scope} ${lane.type ?? "purge_url"}`;

/**
 * A lane's own fields (not its targets), `type` left out for `purge_url`, the default: what failures,
 * jobs and backlog records carry, so that a plain purge reads the same as before lanes had types.
 */
export function laneKeyOf(lane: LaneKey): LaneKey {
  const { provider, scope, type } = lane;
  return type === undefined || type === "purge_url" ? { provider, scope } : { provider, scope, type };
}

/**
 * `purger` with its `submit` replaced (to journal or count each submission), everything else passed
 * through. Written out rather than spread: a purger may be a class instance, whose methods a spread drops.
 */
export function withSubmit(purger: Purger, submit: Purger["submit"]): Purger {
  return {
    provider: purger.provider,
    actions: purger.actions,
    quotaActions: purger.quotaActions,
    describeQuota: (scope, options) => purger.describeQuota(scope, options),
    describeTasks: (query, options) => purger.describeTasks(query, options),
    submit,
  };
}
