/**
 * EdgeOne (`teo`, API version 2022-09-01): the content-management actions cos-purge uses.
 *
 * Behaviour imitated from the API reference and the SDK's error tables:
 * - Targets are owned by zones. A target whose host is not a domain of the zone is not purged and comes
 *   back in `FailedList`, while the call itself succeeds and the rest is purged.
 * - URL and prefix targets must carry a scheme (`InvalidParameter.Target` otherwise).
 * - Quotas per zone and type: `LimitExceeded.BatchQuota` per request, `LimitExceeded.DailyQuota` per day.
 * - An unknown ZoneId is answered with `UnauthorizedOperation.NoPermission` (teo-zone.ts says why).
 */

import { array, boolean, optional, type output, strictObject, string } from "zod/mini";
import { type ActionContext, type ActionTable, urlHost } from "./action";
import { ApiError, parseParams } from "./api-error";
import { type EmulatorZone, HOSTNAME, TEO_QUOTA_TYPES, type TeoQuotaType } from "./config";
import type { QuotaErrorCodes } from "./quota";
import { newTaskId, type TaskRecord, taskTiming } from "./tasks";
import { describeTeoTasks } from "./teo-tasks";
import { findZone, PARAM_ERROR } from "./teo-zone";

/** EdgeOne answers every quota type with the same two codes. */
const QUOTA_CODES: QuotaErrorCodes = { batch: "LimitExceeded.BatchQuota", daily: "LimitExceeded.DailyQuota" };

/** What a request's targets turned into: what will be purged, and what the zone does not own. */
interface SortedTargets {
  readonly accepted: readonly string[];
  readonly failed: readonly { Reason: string; Targets: string[] }[];
}

const cacheTagParam = strictObject({ Domains: array(string()) });

const createPurgeTaskParams = strictObject({
  ZoneId: string(),
  Type: string(),
  Method: optional(string()),
  Targets: optional(array(string())),
  EncodeUrl: optional(boolean()),
  CacheTag: optional(cacheTagParam),
});
type CreatePurgeTaskParams = output<typeof createPurgeTaskParams>;

const createPrefetchTaskParams = strictObject({
  ZoneId: string(),
  Targets: optional(array(string())),
  Mode: optional(string()),
  EncodeUrl: optional(boolean()),
  Headers: optional(array(strictObject({ Name: string(), Value: string() }))),
  PrefetchMediaSegments: optional(string()),
});

const URL_EXPECTED = "must be a URL with http:// or https:// and no raw space or control character";

type PurgeType = Exclude<TeoQuotaType, "prefetch_url">;

/** How each purge type reads its Targets (CreatePurgeTask reference). */
const PURGE_TYPES: Readonly<
  Record<PurgeType, (zone: EmulatorZone, params: CreatePurgeTaskParams) => SortedTargets>
> = {
  purge_url: (zone, params) => sortByHost(zone, params.Targets, urlHost, URL_EXPECTED),
  purge_prefix: (zone, params) => sortByHost(zone, params.Targets, urlHost, URL_EXPECTED),
  purge_host: (zone, params) =>
    sortByHost(zone, params.Targets, bareHostname, "must be a hostname without scheme"),
  // The whole zone is one target; DescribePurgeTasks reports it under the ZoneId.
  purge_all: (zone) => ({ accepted: [zone.zoneId], failed: [] }),
  purge_cache_tag: (zone, params) => sortCacheTags(zone, params),
};

const METHODS: readonly string[] = ["invalidate", "delete"];

/** The EdgeOne actions, by X-TC-Action. */
export const TEO_ACTIONS: ActionTable = {
  CreatePurgeTask: (raw, context) => {
    const params = parseParams(createPurgeTaskParams, raw, PARAM_ERROR);
    const zone = findZone(context, params.ZoneId);
    const type = params.Type;
    if (!isPurgeType(type)) {
      const types = Object.keys(PURGE_TYPES).join(", ");
      throw new ApiError(PARAM_ERROR, `Type "${type}" is not one of ${types}.`);
    }
    const method = params.Method ?? "invalidate";
    if (!METHODS.includes(method)) {
      throw new ApiError(PARAM_ERROR, `Method "${method}" is not invalidate or delete.`);
    }
    const sorted = PURGE_TYPES[type](zone, params);
    const submitted = type === "purge_all" ? 1 : (params.Targets?.length ?? 0);
    chargeZone(context, zone, type, submitted, sorted.accepted.length);
    const jobId = addTasks(context, zone, sorted.accepted, { kind: "purge", type, method });
    return { JobId: jobId, FailedList: sorted.failed };
  },

  CreatePrefetchTask: (raw, context) => {
    const params = parseParams(createPrefetchTaskParams, raw, PARAM_ERROR);
    const zone = findZone(context, params.ZoneId);
    const sorted = sortByHost(zone, params.Targets, urlHost, URL_EXPECTED);
    chargeZone(context, zone, "prefetch_url", params.Targets?.length ?? 0, sorted.accepted.length);
    const jobId = addTasks(context, zone, sorted.accepted, {
      kind: "prefetch",
      type: "prefetch_url",
      method: "",
    });
    return { JobId: jobId, FailedList: sorted.failed };
  },

  DescribeContentQuota: (raw, context) => {
    const params = parseParams(strictObject({ ZoneId: string() }), raw, PARAM_ERROR);
    const zone = findZone(context, params.ZoneId);
    const quotaOf = (type: TeoQuotaType) => {
      const limit = zone.quota[type];
      const available = context.usage.available(quotaKey(zone, type), limit, context.now);
      return { Type: type, Batch: limit.batch, Daily: limit.daily, DailyAvailable: available };
    };
    return {
      PurgeQuota: TEO_QUOTA_TYPES.filter((type) => type !== "prefetch_url").map(quotaOf),
      PrefetchQuota: [quotaOf("prefetch_url")],
    };
  },

  DescribePurgeTasks: (raw, context) => describeTeoTasks(context, raw, "purge"),
  DescribePrefetchTasks: (raw, context) => describeTeoTasks(context, raw, "prefetch"),
};

function isPurgeType(type: string): type is PurgeType {
  return Object.hasOwn(PURGE_TYPES, type);
}

function bareHostname(target: string): string | undefined {
  return HOSTNAME.test(target) ? target.toLowerCase() : undefined;
}

function requireTargets(targets: readonly string[] | undefined): readonly string[] {
  if (targets === undefined || targets.length === 0) {
    throw new ApiError("InvalidParameter.Target", "Targets must list at least one target.");
  }
  return targets;
}

/** Splits targets into those on the zone and those not (FailedList); a malformed one fails the call. */
function sortByHost(
  zone: EmulatorZone,
  targets: readonly string[] | undefined,
  hostOf: (target: string) => string | undefined,
  expectation: string,
): SortedTargets {
  const accepted: string[] = [];
  const foreign: string[] = [];
  for (const target of requireTargets(targets)) {
    const host = hostOf(target);
    if (host === undefined)
      throw new ApiError("InvalidParameter.Target", `Target "${target}" ${expectation}.`);
    (zone.domains.includes(host) ? accepted : foreign).push(target);
  }
  const reason = `The domain is not an acceleration domain of zone ${zone.zoneId}.`;
  return { accepted, failed: foreign.length > 0 ? [{ Reason: reason, Targets: foreign }] : [] };
}

/** Cache tags are not URLs: the domains they apply to come in CacheTag.Domains, which must be the zone's. */
function sortCacheTags(zone: EmulatorZone, params: CreatePurgeTaskParams): SortedTargets {
  const tags = requireTargets(params.Targets);
  const domains = params.CacheTag?.Domains ?? [];
  if (domains.length === 0) {
    throw new ApiError("MissingParameter", "CacheTag.Domains is required when Type is purge_cache_tag.");
  }
  const unknown = domains.filter((domain) => !zone.domains.includes(domain.toLowerCase()));
  if (unknown.length > 0) {
    throw new ApiError(
      "InvalidParameter.DomainNotFound",
      `CacheTag.Domains not on zone ${zone.zoneId}: ${unknown.join(", ")}.`,
    );
  }
  return { accepted: tags, failed: [] };
}

function quotaKey(zone: EmulatorZone, type: TeoQuotaType): string {
  return `teo/${zone.zoneId}/${type}`;
}

function chargeZone(
  context: ActionContext,
  zone: EmulatorZone,
  type: TeoQuotaType,
  submitted: number,
  accepted: number,
): void {
  const charge = { key: quotaKey(zone, type), label: type, limit: zone.quota[type], codes: QUOTA_CODES };
  context.usage.charge([{ ...charge, submitted, accepted }], context.now);
}

function addTasks(
  context: ActionContext,
  zone: EmulatorZone,
  targets: readonly string[],
  shape: Pick<TaskRecord, "kind" | "type" | "method">,
): string {
  const id = newTaskId();
  context.tasks.add(
    targets.map((target) => ({
      ...shape,
      service: "teo",
      id,
      zoneId: zone.zoneId,
      target,
      area: "",
      ...taskTiming(target, context.config.tasks, context.now),
    })),
  );
  return id;
}
