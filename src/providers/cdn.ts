/**
 * Tencent Cloud CDN (`cdn`, 2018-06-06) behind the `Purger` interface: `PurgeUrlsCache`,
 * `PurgePathCache` (folders) and `PushUrlsCache` (prefetch), `DescribePurgeQuota` / `DescribePushQuota`
 * for their quotas, and `DescribePurgeTasks` / `DescribePushTasks` to read what became of them. The
 * scope of a lane is the area: "mainland", "overseas", or "" for wherever each domain is accelerated.
 * A prefetch always names its area (`prefetchArea`): without one, PushUrlsCache warms mainland only
 * ("不填充情况下，默认为 mainland", API 228/33600), which leaves an overseas audience cold.
 */
import type {
  Quota as CdnQuota,
  DescribePurgeQuotaResponse,
  DescribePurgeTasksResponse,
  DescribePushQuotaResponse,
  DescribePushTasksResponse,
  PurgeUrlsCacheResponse,
} from "tencentcloud-sdk-nodejs-cdn/tencentcloud/services/cdn/v20180606/cdn_models";
import { ApiError } from "../foundation/errors";
import {
  type CdnPrefetchArea,
  endedBadly,
  type PurgeReceipt,
  type Purger,
  type Quota,
  type TaskRecord,
  type TaskStatus,
  type TaskType,
} from "../foundation/model";
import type { CdnAction } from "../foundation/permissions";
import { type AdapterOptions, callApi, clientConfig, onFirstUse, send } from "./sdk";

const ACTIONS = {
  purge_url: "PurgeUrlsCache",
  purge_prefix: "PurgePathCache",
  prefetch_url: "PushUrlsCache",
} as const satisfies Record<TaskType, CdnAction>;

const QUOTA_ACTIONS = {
  purge_url: "DescribePurgeQuota",
  purge_prefix: "DescribePurgeQuota",
  prefetch_url: "DescribePushQuota",
} as const satisfies Record<TaskType, CdnAction>;

/** Where each type's quota is in its quota answer. */
const QUOTA_FIELD = {
  purge_url: "UrlPurge",
  purge_prefix: "PathPurge",
  prefetch_url: "UrlPush",
} as const satisfies Record<TaskType, string>;

/** CDN's task statuses in EdgeOne's words (`DescribePurgeTasks.Status`: fail, done, process). */
const STATUS: Readonly<Record<string, TaskStatus>> = {
  fail: "failed",
  done: "success",
  process: "processing",
  invalid: "invalid",
};

/** The `Limit` CDN's task queries take (the documented default is 20; 100 keeps the calls few). */
const TASK_PAGE = 100;
/** CDN task queries take times as `2018-08-08 00:00:00` in Beijing time (UTC+8). */
const UTC8_OFFSET_MS = 8 * 3_600_000;
const cdnTime = (epochMs: number): string =>
  new Date(epochMs + UTC8_OFFSET_MS).toISOString().slice(0, 19).replace("T", " ");
const fromCdnTime = (text: string): number => Date.parse(`${text.replace(" ", "T")}+08:00`) || 0;

/**
 * Builds the CDN adapter; the SDK loads on the first call. Build one per warm instance.
 */
export function createCdnPurger(
  options: AdapterOptions & { readonly prefetchArea: CdnPrefetchArea },
): Purger {
  const client = onFirstUse(async () => {
    const { Client } = await import(
      "tencentcloud-sdk-nodejs-cdn/tencentcloud/services/cdn/v20180606/cdn_client"
    );
    return new Client(clientConfig(options));
  });
  // Only actions of the permissions table (permissions.ts), from which the CAM policy is generated.
  const call = async <R>(action: CdnAction, request: object, timeout?: { timeoutMs?: number }) =>
    callApi("cdn", action, options, async () => send<R>(await client(), action, request, timeout));

  return {
    provider: "cdn",
    actions: ACTIONS,
    quotaActions: QUOTA_ACTIONS,

    /**
     * The quota of `type` in `area`. Without an area, CDN purges a URL in every area its domain is
     * accelerated in, spending each area's quota: the smallest numbers across areas are the ones that
     * bind.
     */
    async describeQuota(area, { type = "purge_url", ...timeout } = {}): Promise<Quota> {
      const action = QUOTA_ACTIONS[type];
      const response = await call<DescribePurgeQuotaResponse & DescribePushQuotaResponse>(
        action,
        {},
        timeout,
      );
      const field = QUOTA_FIELD[type];
      const all: CdnQuota[] = response[field] ?? [];
      // A prefetch goes where `prefetchArea` says; `global` warms, and charges, both areas.
      const where = type === "prefetch_url" ? options.prefetchArea : area;
      const quotas = all.filter((entry) => where === "" || where === "global" || entry.Area === where);
      if (quotas.length === 0) {
        throw new ApiError({
          provider: "cdn",
          action,
          code: "QuotaNotReported",
          message: `no ${field} quota${where ? ` for area ${where}` : ""}`,
          requestId: response.RequestId,
        });
      }
      const least = (pick: (entry: CdnQuota) => number) => Math.min(...quotas.map(pick));
      return {
        batch: least((entry) => entry.Batch),
        daily: least((entry) => entry.Total),
        dailyAvailable: least((entry) => entry.Available),
      };
    },

    async submit(area, targets, { type = "purge_url", ...timeout } = {}): Promise<PurgeReceipt> {
      const list = [...targets];
      const where = type === "prefetch_url" ? { Area: options.prefetchArea } : area ? { Area: area } : {};
      const request =
        type === "purge_prefix"
          ? // `flush` refreshes only what changed under the folder; `delete` would drop everything.
            { Paths: list, FlushType: "flush", ...where }
          : { Urls: list, ...where };
      const response = await call<PurgeUrlsCacheResponse>(ACTIONS[type], request, timeout);
      // CDN has no per-URL refusals: a call either takes every URL or fails.
      return { requestId: response.RequestId ?? "", taskId: response.TaskId ?? "", failed: [] };
    },

    async describeTasks(query, timeout = {}): Promise<TaskRecord[]> {
      const prefetch = query.type === "prefetch_url";
      const action: CdnAction = prefetch ? "DescribePushTasks" : "DescribePurgeTasks";
      // A task id or a start time is required.
      const select =
        query.taskId !== undefined
          ? { TaskId: query.taskId }
          : // Whole seconds: the end is rounded up, or a task created earlier in this second is missed.
            {
              StartTime: cdnTime(query.since ?? 0),
              EndTime: cdnTime(Math.ceil((query.until ?? Date.now()) / 1000) * 1000),
            };
      const records: TaskRecord[] = [];
      for (let offset = 0; ; offset += TASK_PAGE) {
        const request = {
          ...select,
          ...(prefetch ? {} : { PurgeType: query.type === "purge_prefix" ? "path" : "url" }),
          ...(query.scope ? { Area: query.scope } : {}),
          // CDN has one status for every task that did not purge: `fail` (timed out or canceled too).
          ...(query.statuses?.some((status) => endedBadly({ status })) ? { Status: "fail" } : {}),
          Offset: offset,
          Limit: TASK_PAGE,
        };
        const response = await call<DescribePurgeTasksResponse & DescribePushTasksResponse>(
          action,
          request,
          timeout,
        );
        const logs = (prefetch ? response.PushLogs : response.PurgeLogs) ?? [];
        for (const log of logs) {
          const path = "PurgeType" in log && log.PurgeType === "path";
          const type: TaskType = prefetch ? "prefetch_url" : path ? "purge_prefix" : "purge_url";
          records.push({
            taskId: log.TaskId,
            target: log.Url,
            type,
            status: STATUS[log.Status] ?? "processing",
            createdAt: fromCdnTime(log.CreateTime),
          });
        }
        if (logs.length < TASK_PAGE || offset + logs.length >= (response.TotalCount ?? 0)) return records;
      }
    },
  };
}
