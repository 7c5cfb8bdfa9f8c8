/**
 * CDN DescribePurgeTasks and DescribePushTasks, as the SDK types declare them (cdn_models.d.ts):
 * - `TaskId` or `StartTime` is required ("TaskId 和起始时间必须指定一项"); times are
 *   `YYYY-MM-DD HH:mm:ss`, Beijing time;
 * - `PurgeLogs[{TaskId, Url, Status, PurgeType, FlushType, CreateTime}]` (no Area in `PurgeTask`),
 *   `PushLogs[{TaskId, Url, Status, Percent, CreateTime, Area, UpdateTime}]`;
 * - statuses `process`, `done`, `fail` (push also `invalid`, not emulated).
 */

import { enum as enumOf, gte, int, lte, optional, type output, strictObject, string } from "zod/mini";
import type { ActionContext } from "./action";
import { ApiError, parseParams } from "./api-error";
import { paginate, type TaskPhase, type TaskRecord, taskPhase } from "./tasks";
import { beijingDateTime, parseBeijingDateTime } from "./time";

const PARAM_ERROR = "InvalidParameter.CdnParamError";

/** How CDN spells task status. */
const CDN_STATUS: Readonly<Record<TaskPhase, string>> = {
  processing: "process",
  success: "done",
  failed: "fail",
  // CDN has no timeout or canceled status (fail, done, process): a task that ended without purging failed.
  timeout: "fail",
  canceled: "fail",
};

const common = {
  StartTime: optional(string()),
  EndTime: optional(string()),
  TaskId: optional(string()),
  Offset: optional(int().check(gte(0))),
  Limit: optional(int().check(gte(1), lte(1000))),
  Keyword: optional(string()),
  Area: optional(
    enumOf(["mainland", "overseas", "global"], { error: "must be mainland, overseas or global" }),
  ),
};
const describePurgeTasksParams = strictObject({
  ...common,
  PurgeType: optional(enumOf(["url", "path"], { error: "must be url or path" })),
  Status: optional(enumOf(["fail", "done", "process"], { error: "must be fail, done or process" })),
});
const describePushTasksParams = strictObject({
  ...common,
  Status: optional(
    enumOf(["fail", "done", "process", "invalid"], { error: "must be fail, done, process or invalid" }),
  ),
});

type CommonParams = Pick<
  output<typeof describePushTasksParams>,
  "StartTime" | "EndTime" | "TaskId" | "Keyword" | "Area" | "Status"
>;

export function describePurgeTasks(context: ActionContext, raw: unknown): Record<string, unknown> {
  const params = parseParams(describePurgeTasksParams, raw, PARAM_ERROR);
  const matching = findTasks(context, params, "purge").filter(
    (task) => params.PurgeType === undefined || task.type === params.PurgeType,
  );
  const { page, total } = paginate(matching, params.Offset, params.Limit);
  return { PurgeLogs: page.map((task) => toPurgeLog(task, context.now)), TotalCount: total };
}

export function describePushTasks(context: ActionContext, raw: unknown): Record<string, unknown> {
  const params = parseParams(describePushTasksParams, raw, PARAM_ERROR);
  const { page, total } = paginate(findTasks(context, params, "prefetch"), params.Offset, params.Limit);
  return { PushLogs: page.map((task) => toPushLog(task, context.now)), TotalCount: total };
}

/** The CDN tasks of `kind` the common parameters select, newest first. */
function findTasks(context: ActionContext, params: CommonParams, kind: TaskRecord["kind"]): TaskRecord[] {
  if (params.TaskId === undefined && params.StartTime === undefined) {
    throw new ApiError(PARAM_ERROR, "TaskId or StartTime is required.");
  }
  const from = readTime(params.StartTime, "StartTime") ?? Number.NEGATIVE_INFINITY;
  const to = readTime(params.EndTime, "EndTime") ?? Number.POSITIVE_INFINITY;
  return context.tasks.find(
    (task) =>
      task.service === "cdn" &&
      task.kind === kind &&
      (params.TaskId === undefined || task.id === params.TaskId) &&
      (params.Keyword === undefined || task.target.includes(params.Keyword)) &&
      (params.Status === undefined || CDN_STATUS[taskPhase(task, context.now)] === params.Status) &&
      (params.Area === undefined || task.area === params.Area) &&
      task.createdAt >= from &&
      task.createdAt <= to,
  );
}

function readTime(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseBeijingDateTime(text);
  if (ms === undefined)
    throw new ApiError(PARAM_ERROR, `${field} "${text}" is not in the form 2018-08-08 00:00:00.`);
  return ms;
}

/** A task as the SDK's `PurgeTask` type declares it. */
function toPurgeLog(task: TaskRecord, now: number): Record<string, unknown> {
  return {
    TaskId: task.id,
    Url: task.target,
    Status: CDN_STATUS[taskPhase(task, now)],
    PurgeType: task.type,
    FlushType: task.method,
    CreateTime: beijingDateTime(task.createdAt),
  };
}

/** A task as the SDK's `PushTask` type declares it. */
function toPushLog(task: TaskRecord, now: number): Record<string, unknown> {
  const phase = taskPhase(task, now);
  return {
    TaskId: task.id,
    Url: task.target,
    Status: CDN_STATUS[phase],
    Percent: phase === "processing" ? 0 : 100,
    CreateTime: beijingDateTime(task.createdAt),
    Area: task.area,
    UpdateTime: beijingDateTime(phase === "processing" ? task.createdAt : task.finishedAt),
  };
}
