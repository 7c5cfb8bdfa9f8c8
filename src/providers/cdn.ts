/**
 * Tencent Cloud CDN (`cdn`, 2018-06-06) behind the `Purger` interface: `PurgeUrlsCache`, and
 * `DescribePurgeQuota` for its quota. The scope of a lane is the area: "mainland", "overseas", or ""
 * for wherever each domain is accelerated.
 */
import type {
  DescribePurgeQuotaResponse,
  PurgeUrlsCacheRequest,
  PurgeUrlsCacheResponse,
} from "tencentcloud-sdk-nodejs-cdn/tencentcloud/services/cdn/v20180606/cdn_models";
import type { Purger, Quota } from "../model";
import { ApiError } from "../report/errors";
import { type AdapterOptions, callApi, clientConfig, onFirstUse, send } from "./sdk";

/**
 * Builds the CDN adapter; the SDK loads on the first call. Build one per warm instance.
 */
export function createCdnPurger(options: AdapterOptions): Purger {
  const client = onFirstUse(async () => {
    const { Client } = await import(
      "tencentcloud-sdk-nodejs-cdn/tencentcloud/services/cdn/v20180606/cdn_client"
    );
    return new Client(clientConfig(options));
  });

  return {
    provider: "cdn",
    action: "PurgeUrlsCache",

    /**
     * The URL purge quota of `area`. Without an area, CDN purges a URL in every area its domain is
     * accelerated in, spending each area's quota: the smallest numbers across areas are the ones that
     * bind.
     */
    async describeQuota(area, call): Promise<Quota> {
      const action = "DescribePurgeQuota";
      const response = await callApi("cdn", action, options, async () =>
        send<DescribePurgeQuotaResponse>(await client(), action, {}, call),
      );
      const quotas = (response.UrlPurge ?? []).filter((entry) => area === "" || entry.Area === area);
      if (quotas.length === 0) {
        throw new ApiError({
          provider: "cdn",
          action,
          code: "QuotaNotReported",
          message: `no UrlPurge quota${area ? ` for area ${area}` : ""}`,
          requestId: response.RequestId,
        });
      }
      const least = (pick: (entry: (typeof quotas)[number]) => number) => Math.min(...quotas.map(pick));
      return {
        batch: least((entry) => entry.Batch),
        daily: least((entry) => entry.Total),
        dailyAvailable: least((entry) => entry.Available),
      };
    },

    async purge(area, urls, call) {
      const request: PurgeUrlsCacheRequest = { Urls: [...urls], ...(area ? { Area: area } : {}) };
      const response = await callApi("cdn", "PurgeUrlsCache", options, async () =>
        send<PurgeUrlsCacheResponse>(await client(), "PurgeUrlsCache", request, call),
      );
      // CDN has no per-URL refusals: a call either takes every URL or fails.
      return { requestId: response.RequestId ?? "", taskId: response.TaskId ?? "", failed: [] };
    },
  };
}
