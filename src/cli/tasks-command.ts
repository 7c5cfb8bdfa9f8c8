/**
 * `cos-purge tasks`: recent purge and prefetch tasks of every configured zone and CDN area, with their
 * status, failed ones first (DescribePurgeTasks, DescribePrefetchTasks, DescribePushTasks).
 */
import { loadConfig } from "../config/config";
import { CosPurgeError } from "../foundation/errors";
import {
  endedBadly,
  type LaneKey,
  type Provider,
  type TaskRecord,
  type TaskStatus,
  type TaskType,
} from "../foundation/model";
import { apiSession, configuredScopes, reportFailures } from "./api-calls";
import { UsageError } from "./args";
import { EXIT, exitCodeForFailures } from "./exit-codes";
import { out, outJson, table } from "./output";
import { laneWhere } from "./plan-output";

/** The task queries of each provider: EdgeOne's purge query returns every purge type at once. */
const QUERIES = {
  edgeone: [
    { type: "purge_url", action: "DescribePurgeTasks" },
    { type: "prefetch_url", action: "DescribePrefetchTasks" },
  ],
  cdn: [
    { type: "purge_url", action: "DescribePurgeTasks" },
    { type: "purge_prefix", action: "DescribePurgeTasks" },
    { type: "prefetch_url", action: "DescribePushTasks" },
  ],
} as const satisfies Record<Provider, readonly { type: TaskType; action: string }[]>;

/** Tasks that ended without purging (or prefetching), as the drain judges them (model.ts), come first. */
const RANK = (status: TaskStatus): number => (endedBadly({ status }) ? 0 : status === "processing" ? 1 : 2);

/** Both APIs read at most 7 days back (tencent-cloud.md §3). */
export const MAX_SINCE_MS = 7 * 86_400_000;
const UNITS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `--since`: a duration back from now (`90s`, `30m`, `1h`, `2d`) or a date (`2026-11-26T08:00:00Z`).
 * @returns epoch ms
 * @throws UsageError for anything else, the future, or more than 7 days back.
 */
export function parseSince(text: string, now: number): number {
  const duration = /^(\d+)([smhd])$/.exec(text.trim());
  const since = duration
    ? now - Number(duration[1]) * UNITS[duration[2] as keyof typeof UNITS]
    : /^\d{4}-\d\d-\d\d/.test(text)
      ? Date.parse(text)
      : Number.NaN;
  if (Number.isNaN(since)) {
    throw new UsageError(
      `--since ${text}: expected a duration like 30m, 1h or 2d, or a date like 2026-11-26T08:00:00Z.`,
    );
  }
  if (since > now) throw new UsageError(`--since ${text}: that is in the future.`);
  if (now - since > MAX_SINCE_MS) {
    throw new UsageError(`--since ${text}: the task APIs keep at most 7 days; use 7d or less.`);
  }
  return since;
}

export interface TaskRow {
  readonly provider: Provider;
  readonly zoneId?: string;
  readonly area?: string;
  readonly taskId: string;
  readonly target: string;
  readonly type: TaskType;
  readonly status: TaskStatus;
  /** ISO 8601, UTC. */
  readonly createdAt: string;
  readonly failType?: string;
}

export interface TasksOptions {
  readonly json: boolean;
  readonly job?: string;
  readonly since: number;
  readonly failedOnly: boolean;
}

export async function tasksCommand(
  options: TasksOptions,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const config = loadConfig(env);
  const session = apiSession(config, env);
  const now = Date.now();
  const found: (TaskRecord & LaneKey)[] = [];
  for (const scope of configuredScopes(config, [""])) {
    for (const { type, action } of QUERIES[scope.provider]) {
      const lane = { ...scope, type };
      const range =
        options.job === undefined ? { since: options.since, until: now } : { taskId: options.job };
      const records = await session.call(lane, action, (purger, timeoutMs) =>
        purger.describeTasks({ scope: lane.scope, type, ...range }, { timeoutMs }),
      );
      for (const record of records ?? [])
        found.push({ ...record, provider: scope.provider, scope: scope.scope });
    }
  }
  // A mistyped or expired id finds nothing: "No tasks" and exit 0 would pass a script's check.
  if (options.job !== undefined && found.length === 0 && session.failures.length === 0) {
    throw new CosPurgeError(
      `no task with id ${JSON.stringify(options.job)} in any configured zone or CDN area. Check the id (as purge prints it: an EdgeOne JobId or a CDN TaskId); the APIs keep tasks for 7 days.`,
      { code: "TaskNotFound" },
    );
  }
  const rows = found
    .filter((task) => !options.failedOnly || endedBadly(task))
    .sort((a, b) => RANK(a.status) - RANK(b.status) || b.createdAt - a.createdAt)
    .map(
      (task): TaskRow => ({
        provider: task.provider,
        ...laneWhere(task),
        taskId: task.taskId,
        target: task.target,
        type: task.type,
        status: task.status,
        createdAt: new Date(task.createdAt).toISOString(),
        ...(task.failType ? { failType: task.failType } : {}),
      }),
    );
  if (options.json) outJson(rows);
  else if (rows.length === 0)
    out(
      `No ${options.failedOnly ? "failed " : ""}tasks${options.job ? ` with id ${options.job}` : " in that time"}.\n`,
    );
  else {
    out(
      table(
        ["status", "type", "provider", "zone/area", "created", "task", "target"],
        rows.map((row) => [
          row.failType ? `${row.status} (${row.failType})` : row.status,
          row.type,
          row.provider,
          row.zoneId ?? row.area ?? (row.provider === "cdn" ? "(every area)" : ""),
          row.createdAt.replace(/\.\d+Z$/, "Z"),
          row.taskId,
          row.target,
        ]),
      ),
    );
  }
  reportFailures("tasks", session.failures);
  if (session.failures.length > 0)
    return exitCodeForFailures(session.failures.map((failure) => failure.error.code));
  return rows.some(endedBadly) ? EXIT.notDone : EXIT.done;
}
