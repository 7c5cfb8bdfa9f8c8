/**
 * `cos-purge quota`: today's purge and prefetch quotas, per EdgeOne zone and CDN area, as the providers
 * report them (DescribeContentQuota, DescribePurgeQuota, DescribePushQuota).
 */
import { loadConfig } from "../config/config";
import type { Provider, TaskType } from "../foundation/model";
import { apiSession, configuredScopes, reportFailures } from "./api-calls";
import { EXIT, exitCodeForFailures } from "./exit-codes";
import { out, outJson, table } from "./output";
import { laneWhere } from "./plan-output";

const TYPES: readonly TaskType[] = ["purge_url", "purge_prefix", "prefetch_url"];

export interface QuotaRow {
  readonly provider: Provider;
  readonly zoneId?: string;
  readonly area?: string;
  readonly type: TaskType;
  readonly batch: number;
  readonly daily: number;
  readonly dailyAvailable: number;
}

export async function quotaCommand(
  options: { readonly json: boolean },
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const config = loadConfig(env);
  const session = apiSession(config, env);
  const rows: QuotaRow[] = [];
  // Without CDN_AREA, CDN purges wherever a domain is accelerated: each area has its own quota.
  for (const scope of configuredScopes(config, ["mainland", "overseas"])) {
    for (const type of TYPES) {
      const lane = { ...scope, type };
      const action = session.purgers[lane.provider]?.quotaActions[type] ?? "";
      const quota = await session.call(lane, action, (purger, timeoutMs) =>
        purger.describeQuota(lane.scope, { type, timeoutMs }),
      );
      if (quota) rows.push({ provider: lane.provider, ...laneWhere(lane), type, ...quota });
    }
  }
  // An area or type the account does not have is reported as no quota: not an error, no row.
  const failures = session.failures.filter((failure) => failure.error.code !== "QuotaNotReported");
  if (options.json) outJson(rows);
  else if (rows.length > 0) {
    out(
      table(
        ["provider", "zone/area", "type", "batch", "daily", "left today"],
        rows.map((row) => [
          row.provider,
          row.zoneId ?? row.area ?? "",
          row.type,
          row.batch,
          row.daily,
          row.dailyAvailable,
        ]),
      ),
    );
  }
  reportFailures("quota", failures);
  if (failures.length === 0) return EXIT.done;
  return exitCodeForFailures(failures.map((failure) => failure.error.code));
}
