/**
 * EdgeOne DescribePurgeTasks / DescribePrefetchTasks, with the rules of the API reference (teo_models.d.ts):
 * - `ZoneId` is required (optional in the SDK type, required since 2024-05-30);
 * - a time range (`StartTime` / `EndTime`) or a `job-id` filter is required ("时间与 job-id 必填一个");
 * - the range spans at most 7 days; times are ISO 8601 to the second (`2022-01-01T00:00:00+08:00`);
 * - filters `job-id`, `target` (substring with `Fuzzy`), `domains`, `statuses`, `type` (purge only),
 *   `Filters.Values` at most 20; `Limit` at most 1000 (default 20);
 * - `statuses` takes processing|success|failed|timeout|canceled, DescribePrefetchTasks also `invalid`
 *   (the origin answered non-2xx): a purge task is never `invalid`.
 * The error codes for a missing range and a range over 7 days are not documented;
 * `InvalidParameter.ParameterError` is the service's general one.
 */

import { array, boolean, gte, int, lte, maxLength, optional, strictObject, string } from "zod/mini";
import { type ActionContext, urlHost } from "./action";
import { ApiError, lookup, parseParams } from "./api-error";
import { paginate, type TaskRecord, taskPhase } from "./tasks";
import { findZone, PARAM_ERROR } from "./teo-zone";
import { isoSeconds, parseIsoTime } from "./time";

const MAX_RANGE_MS = 7 * 24 * 60 * 60 * 1000;

const describeTasksParams = strictObject({
  ZoneId: string(),
  StartTime: optional(string()),
  EndTime: optional(string()),
  Offset: optional(int().check(gte(0))),
  Limit: optional(int().check(gte(1), lte(1000))),
  Filters: optional(
    array(
      strictObject({
        Name: string(),
        Values: array(string()).check(maxLength(20)),
        Fuzzy: optional(boolean()),
      }),
    ),
  ),
});

type TaskFilter = (task: TaskRecord, values: readonly string[], fuzzy: boolean, now: number) => boolean;

/**
 * The `statuses` values each query documents. The real answer to another value is undocumented; the
 * emulator refuses it, so a client filtering purge tasks by `invalid` (a prefetch status) fails here
 * rather than finding nothing there.
 */
const STATUSES: Readonly<Record<TaskRecord["kind"], readonly string[]>> = {
  purge: ["processing", "success", "failed", "timeout", "canceled"],
  prefetch: ["processing", "success", "failed", "timeout", "canceled", "invalid"],
};

/** DescribePurgeTasks / DescribePrefetchTasks filters (`Fuzzy` only matters for `target`). */
const TASK_FILTERS: Readonly<Record<string, TaskFilter>> = {
  "job-id": (task, values) => values.includes(task.id),
  target: (task, values, fuzzy) =>
    values.some((value) => (fuzzy ? task.target.includes(value) : task.target === value)),
  domains: (task, values) => values.includes(urlHost(task.target) ?? task.target),
  statuses: (task, values, _fuzzy, now) => values.includes(taskPhase(task, now)),
  type: (task, values) => values.includes(task.type),
};

/** Lists the zone's tasks of `kind`, newest first: `{TotalCount, Tasks}`. */
export function describeTeoTasks(
  context: ActionContext,
  raw: unknown,
  kind: TaskRecord["kind"],
): Record<string, unknown> {
  const params = parseParams(describeTasksParams, raw, PARAM_ERROR);
  findZone(context, params.ZoneId);
  const byJob = (params.Filters ?? []).some((filter) => filter.Name === "job-id");
  if (params.StartTime === undefined && params.EndTime === undefined && !byJob) {
    throw new ApiError(PARAM_ERROR, "StartTime and EndTime, or a job-id filter, are required.");
  }
  const start = readTime(params.StartTime, "StartTime");
  const end = readTime(params.EndTime, "EndTime");
  if (start !== undefined || end !== undefined) {
    const to = end ?? context.now;
    if (to - (start ?? to) > MAX_RANGE_MS) {
      throw new ApiError(PARAM_ERROR, "The time range between StartTime and EndTime must not exceed 7 days.");
    }
  }
  const from = start ?? Number.NEGATIVE_INFINITY;
  const to = end ?? Number.POSITIVE_INFINITY;
  const filters = (params.Filters ?? []).map((filter) => {
    const test = lookup(TASK_FILTERS, filter.Name);
    // DescribePrefetchTasks has no `type` filter.
    if (test === undefined || (kind === "prefetch" && filter.Name === "type")) {
      throw new ApiError(PARAM_ERROR, `Filters.Name "${filter.Name}" is not supported.`);
    }
    const unknownStatus =
      filter.Name === "statuses" ? filter.Values.find((value) => !STATUSES[kind].includes(value)) : undefined;
    if (unknownStatus !== undefined) {
      throw new ApiError(
        PARAM_ERROR,
        `Filters statuses value "${unknownStatus}" is not a ${kind} task status; expected one of ${STATUSES[kind].join(", ")}.`,
      );
    }
    return (task: TaskRecord) => test(task, filter.Values, filter.Fuzzy ?? false, context.now);
  });
  const matching = context.tasks.find(
    (task) =>
      task.service === "teo" &&
      task.kind === kind &&
      task.zoneId === params.ZoneId &&
      task.createdAt >= from &&
      task.createdAt <= to &&
      filters.every((keep) => keep(task)),
  );
  const { page, total } = paginate(matching, params.Offset, params.Limit);
  return { TotalCount: total, Tasks: page.map((task) => toTask(task, context.now)) };
}

/**
 * `StartTime` / `EndTime` are "Timestamp ISO8601", documented as `2022-01-01T00:00:00+08:00` (API data
 * types 664/78558): to the second, with a zone. The emulator refuses anything else, milliseconds
 * included, with the service's parameter error, so a client sending another form fails its tests
 * rather than meeting the real API's refusal first.
 */
const TEO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})$/;

function readTime(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = TEO_TIME.test(text) ? parseIsoTime(text) : undefined;
  if (ms === undefined) {
    throw new ApiError(
      PARAM_ERROR,
      `${field} "${text}" is not an ISO 8601 time to the second with a zone, like 2022-01-01T00:00:00+08:00.`,
    );
  }
  return ms;
}

/** A task as the SDK's `Task` type declares it. */
function toTask(task: TaskRecord, now: number): Record<string, unknown> {
  const phase = taskPhase(task, now);
  return {
    JobId: task.id,
    Target: task.target,
    Type: task.type,
    ...(task.method === "" ? {} : { Method: task.method }),
    Status: phase,
    CreateTime: isoSeconds(task.createdAt),
    UpdateTime: isoSeconds(phase === "processing" ? task.createdAt : task.finishedAt),
    ...(phase === "failed"
      ? { FailType: "taskFailed", FailMessage: "The emulator was configured to fail this task." }
      : {}),
    ...(phase === "timeout" ? { FailMessage: "The emulator was configured to time this task out." } : {}),
    ...(phase === "canceled" ? { FailMessage: "The emulator was configured to cancel this task." } : {}),
  };
}
