/** What `cos-purge purge` prints for people: the plan of a dry run, and the report of a purge. */
import type { Provider } from "../foundation/model";
import type { describePlan } from "./plan-output";
import { laneWhere } from "./plan-output";
import type { PurgeReport } from "./purge-command";

const MAX_JOB_LINES = 10;
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
const where = (lane: { provider: Provider; scope: string }) =>
  `${lane.provider} ${laneWhere(lane).zoneId ?? laneWhere(lane).area ?? "(every area)"}`;

function skippedText(skipped: readonly object[]): string {
  if (skipped.length === 0) return "";
  const lines = skipped.map((record) => {
    const { key, reason } = record as { key?: string; reason?: string };
    return `  ${key ?? "?"}: ${reason ?? ""}\n`;
  });
  return `Not purged, by the rules (${skipped.length}):\n${lines.join("")}`;
}

export function planText(plan: ReturnType<typeof describePlan>): string {
  const lines = [
    `Would purge ${plural(plan.targets.length, "target")} in ${plural(plan.requests.length, "request")} (dry run: no API called).\n`,
  ];
  for (const request of plan.requests) {
    lines.push(
      `  ${where({ provider: request.provider, scope: request.zoneId ?? request.area ?? "" })} ${request.type} (${request.action}):\n`,
    );
    for (const target of request.targets) lines.push(`    ${target}\n`);
  }
  return lines.join("") + skippedText(plan.skipped);
}

export function reportText(report: PurgeReport): string {
  const seconds = (report.durationMs / 1000).toFixed(1);
  const dry = report.dryRun ? " (PURGE_DRY_RUN is set: nothing was sent)" : "";
  const lines = [
    `Purged ${report.purged} of ${plural(report.planned, "URL")} in ${plural(report.apiCalls, "API call")}, ${seconds} s${dry}.\n`,
  ];
  // A bulk purge makes many requests: the first ones say enough (--json lists them all).
  for (const job of report.jobs.slice(0, MAX_JOB_LINES)) {
    lines.push(
      `  ${where(job)}: task ${job.taskId}, ${plural(job.targets, "URL")} (RequestId ${job.requestId})\n`,
    );
  }
  if (report.jobs.length > MAX_JOB_LINES)
    lines.push(`  and ${report.jobs.length - MAX_JOB_LINES} more requests.\n`);
  if (report.alreadyPurged > 0)
    lines.push(`  ${report.alreadyPurged} already purged by an earlier attempt.\n`);
  if (report.failures.length > 0) {
    lines.push(`Not purged (${report.failed}):\n`);
    for (const failure of report.failures) {
      const first = failure.targets[0] ?? "";
      const more = failure.count > 1 ? ` and ${failure.count - 1} more` : "";
      lines.push(`  ${failure.code} on ${where(failure)}: ${first}${more}\n    ${failure.message}\n`);
      if (failure.requestId) lines.push(`    RequestId ${failure.requestId}\n`);
      if (failure.hint) lines.push(`    Fix: ${failure.hint}\n`);
    }
  }
  if (report.deferrals.length > 0) {
    lines.push(`Deferred to the backlog, for a drain to purge (${report.deferred}):\n`);
    for (const deferral of report.deferrals) {
      const first = deferral.targets[0] ?? "";
      const more = deferral.count > 1 ? ` and ${deferral.count - 1} more` : "";
      lines.push(`  ${deferral.reason} on ${where(deferral)}: ${first}${more}\n`);
    }
  }
  for (const quota of report.quota) {
    lines.push(
      `Quota left today, ${where(quota)} ${quota.type ?? "purge_url"}: ${quota.dailyAvailable} of ${quota.daily}.\n`,
    );
  }
  return lines.join("") + skippedText(report.skipped);
}
