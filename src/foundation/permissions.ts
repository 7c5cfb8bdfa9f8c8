/**
 * Every API action cos-purge can call, per service, with what needs it: the one table the adapters
 * take their action names from (a name not in it does not type-check) and the CAM policies in
 * README.md and docs/cam/ are generated from (`npm run docs`, scripts/cam-docs.ts). A test drives
 * every adapter method against the emulator and checks that each action it sent is listed here.
 *
 * Resources (tencent-cloud.md §10): EdgeOne grants per zone, `qcs::teo::uin/<uin>:zone/<ZoneId>`; CDN
 * resource-level authorisation is not confirmed for these actions, so `*`; COS per object prefix, with
 * listing (`GetBucket`) limited by the `cos:prefix` condition (CAM examples, COS docs 436/7749, 436/30614).
 */

/** EdgeOne (`teo`, 2022-09-01). */
export const TEO_ACTIONS = {
  CreatePurgeTask: "purge URLs (purge_url) and folders (purge_prefix: collapse, `purge --prefix`)",
  CreatePrefetchTask: "prefetch (PURGE_PREFETCH)",
  DescribeContentQuota:
    "read the batch size and today's quota of each task type (without it: conservative defaults and a warning)",
  DescribePurgeTasks:
    "confirm a drain's purges, and look up an unanswered call before resending it; `cos-purge tasks`",
  DescribePrefetchTasks: "confirm a drain's prefetches; `cos-purge tasks`",
} as const;

/** CDN (`cdn`, 2018-06-06). */
export const CDN_ACTIONS = {
  PurgeUrlsCache: "purge URLs",
  PurgePathCache: "purge folders (collapse, `purge --prefix`)",
  PushUrlsCache: "prefetch (PURGE_PREFETCH)",
  DescribePurgeQuota:
    "read the URL and folder purge batch size and today's quota (without it: conservative defaults and a warning)",
  DescribePushQuota: "read the prefetch quota (PURGE_PREFETCH, `cos-purge quota`)",
  DescribePurgeTasks:
    "confirm a drain's purges, and look up an unanswered call before resending it; `cos-purge tasks`",
  DescribePushTasks: "confirm a drain's prefetches; `cos-purge tasks`",
} as const;

/** COS, for the backlog (backlog/, providers/cos.ts): objects under PURGE_BACKLOG_PREFIX only. */
export const COS_OBJECT_ACTIONS = {
  PutObject: "write queue entries, sent records, leases and retry markers",
  GetObject: "read them",
  DeleteObject:
    "remove settled entries, sent records, expired leases and old markers (also what DELETE Multiple Objects needs, key by key)",
} as const;

/**
 * COS API operations CAM authorises through another action: DELETE Multiple Objects (`POST /?delete`)
 * "checks each deleted object for cos:DeleteObject" outside anonymous access (COS API 436/8289), so the
 * policies grant no action of its own.
 */
export const COS_OPERATIONS_AUTHORISED_BY = {
  DeleteMultipleObjects: "DeleteObject",
} as const satisfies Readonly<Record<string, keyof typeof COS_OBJECT_ACTIONS>>;

/** COS bucket-level actions of the backlog. */
export const COS_BUCKET_ACTIONS = {
  GetBucket: "list the backlog's folders (always with the prefix, which the condition requires)",
  GetBucketVersioning:
    "check at start that the bucket is not versioned (the drain lease relies on x-cos-forbid-overwrite)",
} as const;

export type TeoAction = keyof typeof TEO_ACTIONS;
export type CdnAction = keyof typeof CDN_ACTIONS;
export type CosAction = keyof typeof COS_OBJECT_ACTIONS | keyof typeof COS_BUCKET_ACTIONS;

/** A CAM policy statement, as the console and `tccli cam CreatePolicy` take it. */
export interface PolicyStatement {
  readonly effect: "allow";
  readonly action: readonly string[];
  readonly resource: readonly string[];
  readonly condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface Policy {
  readonly version: "2.0";
  readonly statement: readonly PolicyStatement[];
}

const camActions = (service: string, table: object): string[] =>
  Object.keys(table).map((action) => `${service}:${action}`);

/** Least privilege for EdgeOne: every action the code can call, on the zones configured. */
export function edgeonePolicy(): Policy {
  return {
    version: "2.0",
    statement: [
      {
        effect: "allow",
        action: camActions("teo", TEO_ACTIONS),
        resource: ["qcs::teo::uin/<your-uin>:zone/<ZoneId>"],
      },
    ],
  };
}

/** Least privilege for CDN: every action the code can call (resource-level auth unconfirmed: `*`). */
export function cdnPolicy(): Policy {
  return {
    version: "2.0",
    statement: [{ effect: "allow", action: camActions("cdn", CDN_ACTIONS), resource: ["*"] }],
  };
}

/** The backlog: objects under its prefix only; listing only with that prefix. */
export function backlogPolicy(): Policy {
  const bucket = "qcs::cos:<region>:uid/<appid>:<bucket>";
  return {
    version: "2.0",
    statement: [
      {
        effect: "allow",
        action: camActions("cos", COS_OBJECT_ACTIONS),
        resource: [`${bucket}/<prefix>*`],
      },
      {
        effect: "allow",
        action: ["cos:GetBucket"],
        resource: [`${bucket}/*`],
        condition: { string_like: { "cos:prefix": "<prefix>*" } },
      },
      { effect: "allow", action: ["cos:GetBucketVersioning"], resource: [`${bucket}/*`] },
    ],
  };
}

/** Every policy, by the file docs/cam/ holds it in. */
export const POLICIES = {
  "edgeone.json": edgeonePolicy,
  "cdn.json": cdnPolicy,
  "backlog.json": backlogPolicy,
} as const;
