/**
 * `cos-purge plan`: what an event would purge, computed by the same stages as the handler, without
 * calling any API. Requests are split with the providers' default batch sizes, since the real ones
 * (DescribeContentQuota / DescribePurgeQuota) would need a call.
 */
import { loadConfig } from "../config/config";
import { fallbackQuota } from "../execute/quota";
import type { Lane, Provider, Spelling } from "../model";
import { parseEvent } from "../plan/events";
import { planPurges, splitBatches, toLanes } from "../plan/plan";
import { createLogger } from "../report/log";

/** What each provider's purge call is, as the JSON shows it. */
const REQUEST_SHAPE = {
  edgeone: (lane: Lane) => ({ action: "CreatePurgeTask", zoneId: lane.scope, type: "purge_url" }),
  cdn: (lane: Lane) => ({ action: "PurgeUrlsCache", ...(lane.scope ? { area: lane.scope } : {}) }),
} as const satisfies Record<Provider, (lane: Lane) => object>;

export interface PlanOutput {
  targets: {
    provider: Provider;
    zoneId?: string;
    area?: string;
    type: "purge_url";
    target: string;
    /** Who requests this URL for the key (see src/plan/urls.ts). */
    spellings: readonly Spelling[];
  }[];
  requests: { provider: Provider; action: string; targets: string[] }[];
  skipped: object[];
}

export function planEvent(event: unknown, env: Record<string, string | undefined> = process.env): PlanOutput {
  const config = loadConfig(env);
  const parsed = parseEvent(event, config);
  const plan = planPurges(parsed.changes, config);
  const lanes = toLanes(plan.targets);
  return {
    targets: plan.targets.map((target) => ({
      provider: target.provider,
      ...(target.provider === "edgeone"
        ? { zoneId: target.scope }
        : target.scope
          ? { area: target.scope }
          : {}),
      type: "purge_url",
      target: target.url,
      spellings: target.spellings ?? [],
    })),
    requests: lanes.flatMap((lane) =>
      splitBatches(lane.targets, fallbackQuota(lane).batch).map((targets) => ({
        provider: lane.provider,
        ...REQUEST_SHAPE[lane.provider](lane),
        targets,
      })),
    ),
    skipped: [
      ...parsed.skipped,
      ...plan.skipped,
      ...parsed.rejected.map((record) => ({ ...record, reason: `malformed: ${record.problem}` })),
    ],
  };
}

export async function planCommand(event: unknown): Promise<number> {
  const output = planEvent(event);
  const log = createLogger({ write: (line) => process.stderr.write(`${line}\n`) });
  for (const record of output.skipped) log.warn("record not purged", { ...record });
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  return 0;
}
