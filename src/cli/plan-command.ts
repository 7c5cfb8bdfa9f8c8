/**
 * `cos-purge plan`: what an event would purge, computed by the same stages as the handler, without
 * calling any API.
 */
import { loadConfig } from "../config/config";
import { createLogger } from "../foundation/log";
import { parseEvent } from "../plan/events";
import { planPurges } from "../plan/plan";
import { outJson, toStderr } from "./output";
import { describePlan, type PlanOutput } from "./plan-output";

export type { PlanOutput } from "./plan-output";

export function planEvent(event: unknown, env: Record<string, string | undefined> = process.env): PlanOutput {
  const config = loadConfig(env);
  const parsed = parseEvent(event, config);
  const plan = planPurges(parsed.changes, config);
  return describePlan(plan.targets, [
    ...parsed.skipped,
    ...plan.skipped,
    ...parsed.rejected.map((record) => ({ ...record, reason: `malformed: ${record.problem}` })),
  ]);
}

export async function planCommand(event: unknown): Promise<number> {
  const output = planEvent(event);
  const log = createLogger({ write: toStderr });
  for (const record of output.skipped) log.warn("record not purged", { ...record });
  outJson(output);
  return 0;
}
