/**
 * EdgeOne (`teo`, 2022-09-01) behind the `Purger` interface: `CreatePurgeTask` (types `purge_url` and
 * `purge_prefix`), `CreatePrefetchTask`, `DescribeContentQuota` for their quotas, and
 * `DescribePurgeTasks` / `DescribePrefetchTasks` to read what became of them. The scope of a lane is
 * its ZoneId.
 */

import type {
  CreatePrefetchTaskResponse,
  CreatePurgeTaskRequest,
  CreatePurgeTaskResponse,
  DescribeContentQuotaResponse,
  DescribePurgeTasksRequest,
  DescribePurgeTasksResponse,
} from "tencentcloud-sdk-nodejs-teo/tencentcloud/services/teo/v20220901/teo_models";
import { ApiError } from "../foundation/errors";
import type { PurgeReceipt, Purger, Quota, TaskRecord, TaskStatus, TaskType } from "../foundation/model";
import type { TeoAction } from "../foundation/permissions";
import { type AdapterOptions, callApi, clientConfig, onFirstUse, send } from "./sdk";

const ACTIONS = {
  purge_url: "CreatePurgeTask",
  purge_prefix: "CreatePurgeTask",
  prefetch_url: "CreatePrefetchTask",
} as const satisfies Record<TaskType, TeoAction>;

/** One call reports every type's quota: purge types in `PurgeQuota`, `prefetch_url` in `PrefetchQuota`. */
const QUOTA_ACTION: TeoAction = "DescribeContentQuota";

/** `DescribePurgeTasks` and `DescribePrefetchTasks` accept at most a 7-day range (tencent-cloud.md §3). */
const MAX_RANGE_S = 7 * 86_400;
/** The largest `Limit` the task queries accept. */
const TASK_PAGE = 1_000;

/**
 * A task query's `StartTime` / `EndTime` (seconds since the epoch) in the documented form,
 * `2022-01-01T00:00:00+08:00`: ISO 8601 to the second, no fraction (API data types 664/78558,
 * tencent-cloud.md); milliseconds are a parameter error.
 */
function teoTime(seconds: number): string {
  const beijing = new Date((seconds + BEIJING_OFFSET_S) * 1000);
  return beijing.toISOString().replace(/\.\d{3}Z$/, "+08:00");
}
const BEIJING_OFFSET_S = 8 * 3_600;

/**
 * Builds the EdgeOne adapter; the SDK loads on the first call. Build one per warm instance.
 */
export function createEdgeOnePurger(options: AdapterOptions): Purger {
  // Only the 2022-09-01 client: the package's index also loads the 2022-01-06 API (~40 ms more).
  const client = onFirstUse(async () => {
    const { Client } = await import(
      "tencentcloud-sdk-nodejs-teo/tencentcloud/services/teo/v20220901/teo_client"
    );
    return new Client(clientConfig(options));
  });
  // Only actions of the permissions table (permissions.ts), from which the CAM policy is generated.
  const call = async <R>(action: TeoAction, request: object, timeout?: { timeoutMs?: number }) =>
    callApi("edgeone", action, options, async () => send<R>(await client(), action, request, timeout));

  return {
    provider: "edgeone",
    actions: ACTIONS,
    quotaActions: { purge_url: QUOTA_ACTION, purge_prefix: QUOTA_ACTION, prefetch_url: QUOTA_ACTION },

    async describeQuota(zoneId, { type = "purge_url", ...timeout } = {}): Promise<Quota> {
      const response = await call<DescribeContentQuotaResponse>(QUOTA_ACTION, { ZoneId: zoneId }, timeout);
      const list = type === "prefetch_url" ? response.PrefetchQuota : response.PurgeQuota;
      const quota = list?.find((entry) => entry.Type === type);
      if (quota === undefined) {
        throw new ApiError({
          provider: "edgeone",
          action: QUOTA_ACTION,
          code: "QuotaNotReported",
          message: `no ${type} quota reported for zone ${zoneId}`,
          requestId: response.RequestId,
        });
      }
      return { batch: quota.Batch, daily: quota.Daily, dailyAvailable: quota.DailyAvailable };
    },

    async submit(zoneId, targets, { type = "purge_url", ...timeout } = {}): Promise<PurgeReceipt> {
      const action = ACTIONS[type];
      // purge_prefix keeps the default Method, `invalidate`: cached copies are revalidated with the
      // origin (a 304 when unchanged) instead of dropped, so collapsing a folder costs the origin little.
      const request: CreatePurgeTaskRequest | { ZoneId: string; Targets: string[] } =
        type === "prefetch_url"
          ? { ZoneId: zoneId, Targets: [...targets] }
          : { ZoneId: zoneId, Type: type, Targets: [...targets] };
      const response = await call<CreatePurgeTaskResponse | CreatePrefetchTaskResponse>(
        action,
        request,
        timeout,
      );
      return {
        requestId: response.RequestId ?? "",
        taskId: response.JobId ?? "",
        // A successful call may still refuse some targets (tencent-cloud.md §3); null means none.
        failed: (response.FailedList ?? []).map((entry) => ({
          reason: entry.Reason,
          targets: entry.Targets ?? [],
        })),
      };
    },

    async describeTasks(query, timeout = {}): Promise<TaskRecord[]> {
      const prefetch = query.type === "prefetch_url";
      const action: TeoAction = prefetch ? "DescribePrefetchTasks" : "DescribePurgeTasks";
      // ZoneId plus a job-id filter or a time range are required (since 2024-05, tencent-cloud.md §3).
      // Whole seconds, widened outwards, so the range still holds every task of the milliseconds asked.
      const end = Math.ceil((query.until ?? Date.now()) / 1000);
      const range =
        query.taskId === undefined
          ? {
              StartTime: teoTime(Math.max(Math.floor((query.since ?? 0) / 1000), end - MAX_RANGE_S)),
              EndTime: teoTime(end),
            }
          : {};
      const filters = [
        ...(query.taskId === undefined ? [] : [{ Name: "job-id", Values: [query.taskId] }]),
        ...(query.statuses === undefined ? [] : [{ Name: "statuses", Values: [...query.statuses] }]),
      ];
      const records: TaskRecord[] = [];
      for (let offset = 0; ; offset += TASK_PAGE) {
        const request: DescribePurgeTasksRequest = {
          ZoneId: query.scope,
          ...range,
          Offset: offset,
          Limit: TASK_PAGE,
          ...(filters.length > 0 ? { Filters: filters } : {}),
        };
        const response = await call<DescribePurgeTasksResponse>(action, request, timeout);
        const tasks = response.Tasks ?? [];
        for (const task of tasks) {
          const type = (task.Type ?? (prefetch ? "prefetch_url" : "purge_url")) as TaskType;
          records.push({
            taskId: task.JobId ?? "",
            target: task.Target ?? "",
            type: prefetch ? "prefetch_url" : type,
            status: (task.Status ?? "processing") as TaskStatus,
            createdAt: Date.parse(task.CreateTime ?? "") || 0,
            ...(task.FailType ? { failType: task.FailType } : {}),
          });
        }
        if (tasks.length < TASK_PAGE || offset + tasks.length >= (response.TotalCount ?? 0)) return records;
      }
    },
  };
}
