/**
 * EdgeOne (`teo`, 2022-09-01) behind the `Purger` interface: `CreatePurgeTask` with type `purge_url`,
 * and `DescribeContentQuota` for its quota.
 */

import type {
  CreatePurgeTaskRequest,
  CreatePurgeTaskResponse,
  DescribeContentQuotaResponse,
} from "tencentcloud-sdk-nodejs-teo/tencentcloud/services/teo/v20220901/teo_models";
import type { Purger, Quota } from "../model";
import { ApiError } from "../report/errors";
import { type AdapterOptions, callApi, clientConfig, onFirstUse, send } from "./sdk";

const PURGE_TYPE = "purge_url";

/**
 * Builds the EdgeOne adapter; the SDK loads on the first call. Build one per warm instance.
 * The scope of a lane is its ZoneId.
 */
export function createEdgeOnePurger(options: AdapterOptions): Purger {
  // Only the 2022-09-01 client: the package's index also loads the 2022-01-06 API (~40 ms more).
  const client = onFirstUse(async () => {
    const { Client } = await import(
      "tencentcloud-sdk-nodejs-teo/tencentcloud/services/teo/v20220901/teo_client"
    );
    return new Client(clientConfig(options));
  });

  return {
    provider: "edgeone",
    action: "CreatePurgeTask",

    async describeQuota(zoneId, call): Promise<Quota> {
      const action = "DescribeContentQuota";
      const response = await callApi("edgeone", action, options, async () =>
        send<DescribeContentQuotaResponse>(await client(), action, { ZoneId: zoneId }, call),
      );
      const quota = response.PurgeQuota?.find((entry) => entry.Type === PURGE_TYPE);
      if (quota === undefined) {
        throw new ApiError({
          provider: "edgeone",
          action,
          code: "QuotaNotReported",
          message: `no ${PURGE_TYPE} entry in PurgeQuota for zone ${zoneId}`,
          requestId: response.RequestId,
        });
      }
      return { batch: quota.Batch, daily: quota.Daily, dailyAvailable: quota.DailyAvailable };
    },

    async purge(zoneId, targets, call) {
      const request: CreatePurgeTaskRequest = { ZoneId: zoneId, Type: PURGE_TYPE, Targets: [...targets] };
      const response = await callApi("edgeone", "CreatePurgeTask", options, async () =>
        send<CreatePurgeTaskResponse>(await client(), "CreatePurgeTask", request, call),
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
  };
}
