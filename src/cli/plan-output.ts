/**
 * A plan as `cos-purge plan` and `cos-purge purge --dry-run` print it: the targets, the API requests
 * they would go out in (split with the providers' default batch sizes, since the real ones would need a
 * quota call), and what is not purged.
 */
import { fallbackQuota } from "../execute/quota";
import type { PlannedTarget, Provider, Spelling, TaskType } from "../foundation/model";
import { splitBatches, toLanes } from "../plan/plan";

/** The API action of each task type (providers/edgeone.ts and cdn.ts send these). */
const ACTIONS = {
  edgeone: {
    purge_url: "CreatePurgeTask",
    purge_prefix: "CreatePurgeTask",
    prefetch_url: "CreatePrefetchTask",
  },
  cdn: { purge_url: "PurgeUrlsCache", purge_prefix: "PurgePathCache", prefetch_url: "PushUrlsCache" },
} as const satisfies Record<Provider, Record<TaskType, string>>;

/** Where a lane purges, as the JSON shows it: `zoneId` for EdgeOne, `area` for CDN when one is set. */
export function laneWhere(lane: { provider: Provider; scope: string }): { zoneId?: string; area?: string } {
  if (lane.provider === "edgeone") return { zoneId: lane.scope };
  return lane.scope ? { area: lane.scope } : {};
}

export interface PlanOutput {
  targets: {
    provider: Provider;
    zoneId?: string;
    area?: string;
    type: TaskType;
    target: string;
    /** Who requests this URL for the key (see src/plan/urls.ts); empty for a URL given as is. */
    spellings: readonly Spelling[];
  }[];
  requests: {
    provider: Provider;
    action: string;
    zoneId?: string;
    area?: string;
    type: TaskType;
    targets: string[];
  }[];
  skipped: object[];
}

export function describePlan(targets: readonly PlannedTarget[], skipped: readonly object[]): PlanOutput {
  return {
    targets: targets.map((target) => ({
      provider: target.provider,
      ...laneWhere(target),
      type: target.type ?? "purge_url",
      target: target.url,
      spellings: target.spellings ?? [],
    })),
    requests: toLanes(targets).flatMap((lane) => {
      const type = lane.type ?? "purge_url";
      return splitBatches(lane.targets, fallbackQuota(lane).batch).map((batch) => ({
        provider: lane.provider,
        action: ACTIONS[lane.provider][type],
        ...laneWhere(lane),
        type,
        targets: batch,
      }));
    }),
    skipped: [...skipped],
  };
}
