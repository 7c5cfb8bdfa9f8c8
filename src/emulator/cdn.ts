/**
 * CDN (`cdn`, API version 2018-06-06): URL and directory purge, URL push (prefetch), their quotas and
 * their history (cdn-tasks.ts).
 *
 * Behaviour imitated from the API reference:
 * - Unlike EdgeOne there is no FailedList: one URL on a domain the account does not have fails the whole
 *   call with `ResourceNotFound.CdnHostNotExists`.
 * - Quotas are counted per area. `Area` omitted means the domain's own acceleration area, which the
 *   emulator takes to be `mainland`; a push to `global` draws on both the mainland and overseas quotas.
 * - Directory targets end with `/`; a bad Area, FlushType or target is `InvalidParameter.CdnParamError`.
 */

import { array, boolean, optional, strictObject, string } from "zod/mini";
import { type ActionContext, type ActionTable, urlHost } from "./action";
import { ApiError, lookup, parseParams } from "./api-error";
import { describePurgeTasks, describePushTasks } from "./cdn-tasks";
import type { CdnQuotaKind } from "./config";
import type { QuotaErrorCodes } from "./quota";
import { newTaskId, type TaskRecord, taskTiming } from "./tasks";

const AREAS = ["mainland", "overseas"] as const;
type CdnArea = (typeof AREAS)[number];

/** The quota areas a request's `Area` draws on. */
const PURGE_AREAS: Readonly<Record<string, readonly CdnArea[]>> = {
  mainland: ["mainland"],
  overseas: ["overseas"],
};
const PUSH_AREAS: Readonly<Record<string, readonly CdnArea[]>> = { ...PURGE_AREAS, global: AREAS };

const QUOTA_CODES: Readonly<Record<CdnQuotaKind, QuotaErrorCodes>> = {
  url: {
    batch: "LimitExceeded.CdnPurgeUrlExceedBatchLimit",
    daily: "LimitExceeded.CdnPurgeUrlExceedDayLimit",
  },
  path: {
    batch: "LimitExceeded.CdnPurgePathExceedBatchLimit",
    daily: "LimitExceeded.CdnPurgePathExceedDayLimit",
  },
  push: { batch: "LimitExceeded.CdnPushExceedBatchLimit", daily: "LimitExceeded.CdnPushExceedDayLimit" },
};
const QUOTA_LABELS: Readonly<Record<CdnQuotaKind, string>> = {
  url: "URL purge",
  path: "directory purge",
  push: "URL push",
};

const FLUSH_TYPES: readonly string[] = ["flush", "delete"];
const PARAM_ERROR = "InvalidParameter.CdnParamError";

const httpHeader = strictObject({ Name: string(), Value: string() });

const purgeUrlsParams = strictObject({
  Urls: array(string()),
  Area: optional(string()),
  UrlEncode: optional(boolean()),
});
const purgePathParams = strictObject({
  Paths: array(string()),
  FlushType: string(),
  Area: optional(string()),
  UrlEncode: optional(boolean()),
});
const pushUrlsParams = strictObject({
  Urls: array(string()),
  UserAgent: optional(string()),
  Area: optional(string()),
  Layer: optional(string()),
  ParseM3U8: optional(boolean()),
  DisableRange: optional(boolean()),
  Headers: optional(array(httpHeader)),
  UrlEncode: optional(boolean()),
});
interface Submission {
  readonly kind: CdnQuotaKind;
  readonly targets: readonly string[];
  readonly area: string | undefined;
  readonly areas: Readonly<Record<string, readonly CdnArea[]>>;
  /** What DescribePurgeTasks reports as FlushType (URL purges always report `delete`). */
  readonly flushType: string;
}

/** The CDN actions, by X-TC-Action. */
export const CDN_ACTIONS: ActionTable = {
  PurgeUrlsCache: (raw, context) => {
    const params = parseParams(purgeUrlsParams, raw, PARAM_ERROR);
    return {
      TaskId: submit(context, {
        kind: "url",
        targets: params.Urls,
        area: params.Area,
        areas: PURGE_AREAS,
        flushType: "delete",
      }),
    };
  },

  PurgePathCache: (raw, context) => {
    const params = parseParams(purgePathParams, raw, PARAM_ERROR);
    if (!FLUSH_TYPES.includes(params.FlushType)) {
      throw new ApiError(PARAM_ERROR, `FlushType "${params.FlushType}" is not flush or delete.`);
    }
    const notDirectory = params.Paths.find((path) => !path.endsWith("/"));
    if (notDirectory !== undefined) {
      throw new ApiError(PARAM_ERROR, `Path "${notDirectory}" must end with "/".`);
    }
    return {
      TaskId: submit(context, {
        kind: "path",
        targets: params.Paths,
        area: params.Area,
        areas: PURGE_AREAS,
        flushType: params.FlushType,
      }),
    };
  },

  PushUrlsCache: (raw, context) => {
    const params = parseParams(pushUrlsParams, raw, PARAM_ERROR);
    return {
      TaskId: submit(context, {
        kind: "push",
        targets: params.Urls,
        area: params.Area,
        areas: PUSH_AREAS,
        flushType: "",
      }),
    };
  },

  DescribePurgeQuota: (raw, context) => {
    parseParams(strictObject({}), raw, PARAM_ERROR);
    return { UrlPurge: quotaRows(context, "url"), PathPurge: quotaRows(context, "path") };
  },

  DescribePushQuota: (raw, context) => {
    parseParams(strictObject({}), raw, PARAM_ERROR);
    return { UrlPush: quotaRows(context, "push") };
  },

  DescribePurgeTasks: (raw, context) => describePurgeTasks(context, raw),
  DescribePushTasks: (raw, context) => describePushTasks(context, raw),
};

/** Validates targets and area, charges the quotas, records the tasks; returns the TaskId. */
function submit(context: ActionContext, submission: Submission): string {
  const { kind, targets } = submission;
  const areaName = submission.area ?? "mainland";
  const areas = lookup(submission.areas, areaName);
  if (areas === undefined) {
    const accepted = Object.keys(submission.areas).join(", ");
    throw new ApiError(PARAM_ERROR, `Area "${areaName}" is not one of ${accepted}.`);
  }
  if (targets.length === 0) throw new ApiError(PARAM_ERROR, "At least one URL is required.");
  for (const target of targets) {
    const host = urlHost(target);
    if (host === undefined)
      throw new ApiError(
        PARAM_ERROR,
        `"${target}" must start with http:// or https:// and hold no raw space or control character.`,
      );
    if (!context.config.cdn.domains.includes(host)) {
      throw new ApiError(
        "ResourceNotFound.CdnHostNotExists",
        `The domain ${host} is not a CDN domain of this account.`,
      );
    }
  }
  const limit = context.config.cdn.quota[kind];
  const charges = areas.map((area) => ({
    key: quotaKey(kind, area),
    label: `${QUOTA_LABELS[kind]} (${area})`,
    limit,
    codes: QUOTA_CODES[kind],
    submitted: targets.length,
    accepted: targets.length,
  }));
  context.usage.charge(charges, context.now);

  const id = newTaskId();
  const shape = {
    service: "cdn",
    id,
    zoneId: "",
    type: kind,
    method: submission.flushType,
    area: areaName,
  } as const;
  const taskKind = kind === "push" ? "prefetch" : "purge";
  context.tasks.add(
    targets.map(
      (target): TaskRecord => ({
        ...shape,
        kind: taskKind,
        target,
        ...taskTiming(target, context.config.tasks, context.now),
      }),
    ),
  );
  return id;
}

function quotaKey(kind: CdnQuotaKind, area: CdnArea): string {
  return `cdn/${kind}/${area}`;
}

/** One `Quota` per area, as DescribePurgeQuota and DescribePushQuota list them. */
function quotaRows(context: ActionContext, kind: CdnQuotaKind): Record<string, unknown>[] {
  const limit = context.config.cdn.quota[kind];
  return AREAS.map((area) => ({
    Area: area,
    Batch: limit.batch,
    Total: limit.daily,
    Available: context.usage.available(quotaKey(kind, area), limit, context.now),
  }));
}
