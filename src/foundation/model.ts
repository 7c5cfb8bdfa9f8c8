/**
 * The shapes that flow through the pipeline:
 *
 *     event → ObjectChange[] → PlannedTarget[] → Lane[] (per provider and zone/area) → provider calls → Summary
 *
 * Pure data, no behaviour: every stage imports from here, so no stage imports another's internals.
 */

export type Provider = "edgeone" | "cdn";

/** What happened to an object: both kinds make its cached copies stale. */
export type ChangeKind = "created" | "removed";

/**
 * The ways clients percent-encode a key into a URL path, each named after who sends it (urls.ts has
 * the rules, the sources and what was measured). Listed by share of traffic, browsers first; targets
 * list their spellings in this order.
 */
export const SPELLINGS = ["chromium", "whatwg", "webkit", "requests", "component", "rfc3986"] as const;

export type Spelling = (typeof SPELLINGS)[number];

export type CdnArea = "mainland" | "overseas";
/** Where CDN `PushUrlsCache` warms: `global` is both areas (and draws on both areas' push quota). */
export type CdnPrefetchArea = CdnArea | "global";

/** Lowest level of the lines the function logs (`PURGE_LOG_LEVEL`). */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * What a provider task does to its targets, in EdgeOne's words (tencent-cloud.md §3–4):
 * - `purge_url`: the URLs themselves (EdgeOne `CreatePurgeTask`, CDN `PurgeUrlsCache`);
 * - `purge_prefix`: everything under folder URLs ending in `/` (EdgeOne `CreatePurgeTask`
 *   type `purge_prefix`, CDN `PurgePathCache`);
 * - `prefetch_url`: warm the URLs (EdgeOne `CreatePrefetchTask`, CDN `PushUrlsCache`).
 * Each type has its own quota, so each is a lane of its own.
 */
export type TaskType = "purge_url" | "purge_prefix" | "prefetch_url";

/** One changed object, read out of a COS event record. */
export interface ObjectChange {
  /** Object key without leading slash, exactly as stored in COS (not percent-encoded). */
  readonly key: string;
  readonly kind: ChangeKind;
  readonly eventName: string;
  readonly bucket: string;
  /** The bucket's region (`ap-guangzhou`), or "" when the record does not say. */
  readonly region: string;
  /** Index of the record in the delivery (for CKafka: "message/record", e.g. "3/0"). */
  readonly record: string;
  /**
   * Identifies this change of this object: the COS request id, else the version id, else a digest of
   * the record (plan/version.ts). A platform retry of the same delivery carries the same value and two
   * uploads never do, so it is the idempotency key.
   */
  readonly version: string;
  /** When COS reported the change (epoch ms), if the record says: tells a late retry from a new event. */
  readonly eventTime?: number;
}

/** A record deliberately not purged (folder marker, restore event, excluded key...). Not a failure. */
export interface SkippedRecord {
  readonly record: string;
  readonly key?: string;
  readonly reason: string;
}

/** A record that could not be read. Reported as a failure; the records beside it still purge. */
export interface RejectedRecord {
  readonly record: string;
  /** Path of the offending field inside the record, e.g. "cos.cosObject.key". */
  readonly field: string;
  /** The value found (truncated for the log), or undefined when missing. */
  readonly value: unknown;
  /** What was wrong and what is accepted. */
  readonly problem: string;
}

export interface ParsedEvent {
  /** "cos" (COS trigger), "ckafka" (COS events wrapped in CKafka messages), "timer", or "unknown". */
  readonly source: "cos" | "ckafka" | "timer";
  readonly records: number;
  readonly changes: readonly ObjectChange[];
  readonly skipped: readonly SkippedRecord[];
  readonly rejected: readonly RejectedRecord[];
}

/** Where objects are served: one domain (with optional base path) on one provider. */
export interface Site {
  readonly provider: Provider;
  /** EdgeOne zone that owns the domain; absent for CDN. */
  readonly zoneId?: string;
  /** Scheme and host, no trailing slash: "https://www.example.com". */
  readonly origin: string;
  /** Path the bucket is served under, "" or "/static" (no trailing slash). */
  readonly basePath: string;
  /** Environment variable the site came from, for messages ("eoDomains_1"). */
  readonly variable: string;
}

/**
 * A queue of targets that share one API, one zone or area, and one quota:
 * EdgeOne `CreatePurgeTask` per zone, CDN `PurgeUrlsCache` per area.
 */
export interface LaneKey {
  readonly provider: Provider;
  /** EdgeOne ZoneId, or CDN area ("mainland", "overseas", or "" for the domain's own). */
  readonly scope: string;
  /** What the lane's tasks do; absent means `purge_url`, the lane of every plain purge. */
  readonly type?: TaskType;
}

export interface PlannedTarget extends LaneKey {
  /** Absolute URL with scheme, never containing a raw `?` or `#`. */
  readonly url: string;
  /** Object keys this URL stands for (several records may map to one URL). */
  readonly keys: readonly string[];
  /**
   * Which spellings of those keys this URL is (one URL is often several: `a.png` is all of them).
   * Set by `planPurges`; absent on a target made elsewhere, which then shows no spelling.
   */
  readonly spellings?: readonly Spelling[];
}

export interface Lane extends LaneKey {
  readonly targets: readonly string[];
}

/** What the provider says about one lane's quota (DescribeContentQuota / DescribePurgeQuota). */
export interface Quota {
  /** Most targets accepted in one request. */
  readonly batch: number;
  /** Targets allowed per day. */
  readonly daily: number;
  /** Targets left today. */
  readonly dailyAvailable: number;
}

/** A successful provider call. */
export interface PurgeReceipt {
  readonly requestId: string;
  /** EdgeOne JobId or CDN TaskId. */
  readonly taskId: string;
  /** Targets the provider refused although the call succeeded (EdgeOne `FailedList`). */
  readonly failed: readonly { readonly reason: string; readonly targets: readonly string[] }[];
}

/** Per-call options: the executor shortens a call's timeout to the time left before the deadline. */
export interface CallOptions {
  readonly timeoutMs: number;
}

/** Per-call options of `Purger.submit` and `describeQuota`: which task type (default `purge_url`). */
export interface TaskCallOptions extends Partial<CallOptions> {
  readonly type?: TaskType;
}

/** Status of a provider task, as EdgeOne words it (CDN's `done` reads as `success`). */
export type TaskStatus = "processing" | "success" | "failed" | "timeout" | "canceled" | "invalid";

/**
 * The statuses a purge task ends with when it did not purge: what EdgeOne DescribePurgeTasks' `statuses`
 * filter takes besides processing and success (it documents no `invalid`), so the filter that finds
 * them. CDN has one status for all three, `fail`, read as `failed` (providers/cdn.ts).
 */
export const PURGE_ENDED_BADLY = ["failed", "timeout", "canceled"] as const satisfies readonly TaskStatus[];

/**
 * The statuses a task ends with when it did not do its work, so that it must be done again: a purge's,
 * and `invalid`, a prefetch's only (DescribePrefetchTasks: the origin answered non-2xx).
 */
const ENDED_BADLY: ReadonlySet<TaskStatus> = new Set([...PURGE_ENDED_BADLY, "invalid"]);

/**
 * Whether `task` ended without purging (or prefetching): the one rule the drain's journal
 * (drain/confirm.ts), the sweep of failed tasks (drain/failed-tasks.ts) and `cos-purge tasks --failed`
 * share, so that no purge is silently lost by one of them.
 */
export const endedBadly = (task: Pick<TaskRecord, "status">): boolean => ENDED_BADLY.has(task.status);

/** Which tasks `Purger.describeTasks` reads: those of some task ids, or those created since a time. */
export interface TaskQuery {
  readonly scope: string;
  /** `purge_url` and `purge_prefix` read purge tasks, `prefetch_url` prefetch tasks. */
  readonly type: TaskType;
  /** Epoch ms; tasks created at or after. Required without `taskId` (both APIs require a range or an id). */
  readonly since?: number;
  readonly until?: number;
  readonly taskId?: string;
  /**
   * Only tasks that ended so (EdgeOne `statuses` filter; CDN `Status: fail` for failed or timeout, its one
   * status for a task that did not purge).
   */
  readonly statuses?: readonly TaskStatus[];
}

/** One target of a provider task, as `DescribePurgeTasks` / `DescribePrefetchTasks` report it. */
export interface TaskRecord {
  readonly taskId: string;
  readonly target: string;
  readonly type: TaskType;
  readonly status: TaskStatus;
  /** Epoch ms. */
  readonly createdAt: number;
  /** EdgeOne `FailType` (quotaExceeded, taskFailed, originPullFailed...), when it failed. */
  readonly failType?: string;
}

/**
 * One provider behind one SDK client, built once per warm instance.
 * Implementations throw `ApiError` (errors.ts) for every failed call.
 */
export interface Purger {
  readonly provider: Provider;
  /** API action of each task type, for rate limiting and messages: "CreatePurgeTask", "PurgeUrlsCache"... */
  readonly actions: Readonly<Record<TaskType, string>>;
  /** API action that reads each task type's quota: "DescribeContentQuota", "DescribePushQuota"... */
  readonly quotaActions: Readonly<Record<TaskType, string>>;
  describeQuota(scope: string, options?: TaskCallOptions): Promise<Quota>;
  submit(scope: string, targets: readonly string[], options?: TaskCallOptions): Promise<PurgeReceipt>;
  /** The tasks matching `query`, every page read; a task of several targets is one record per target. */
  describeTasks(query: TaskQuery, options?: Partial<CallOptions>): Promise<TaskRecord[]>;
}

/**
 * Error classes from the classification table in errors.ts; `unknown` is a code no table knows (or an
 * exception of our own): neither retried at once nor given up, but kept in the backlog and tried later.
 */
export type ErrorClass = "retry" | "quota" | "fatal" | "unknown";

/** Targets that were not purged, grouped by cause. */
export interface Failure extends LaneKey {
  /**
   * Provider error code, `FailedList` reason, or one of ours: "DeadlineReached", "QuotaExhausted",
   * "OutcomeUnknown" (the last call was sent and never answered: the provider may have purged them).
   */
  readonly code: string;
  readonly class: ErrorClass | "rejected" | "deadline" | "unknown";
  readonly message: string;
  /** What the user should do about it. */
  readonly hint: string;
  readonly requestId?: string;
  /** For `OutcomeUnknown`: when the unanswered call was sent (epoch ms), to look for its task. */
  readonly sentAt?: number;
  readonly targets: readonly string[];
}

export interface Job extends LaneKey {
  readonly taskId: string;
  readonly requestId: string;
  readonly targets: number;
}

export interface QuotaReport extends LaneKey, Quota {}

/** Result of executing a plan. Every planned target is in exactly one of purged / failures / alreadyPurged. */
export interface Execution {
  readonly purged: readonly string[];
  readonly failures: readonly Failure[];
  readonly jobs: readonly Job[];
  readonly quota: readonly QuotaReport[];
  /** Total API calls made (purge and quota), for the summary. */
  readonly apiCalls: number;
  /** Folder purges that stood for many URLs (collapse), when any. */
  readonly collapsed?: readonly CollapsedFolderReport[];
}

/** One folder purge that stood for `count` URLs of its zone or area. */
export interface CollapsedFolderReport extends LaneKey {
  readonly prefix: string;
  readonly count: number;
}

/** An API endpoint: host (with port when not the default) and protocol, as the SDK's httpProfile wants them. */
export interface Endpoint {
  readonly protocol: "https://" | "http://";
  /** "teo.tencentcloudapi.com" or "127.0.0.1:8080". */
  readonly host: string;
}

/** Everything the function reads from its environment, validated once at cold start (config.ts). */
export interface Config {
  /** EdgeOne sites (from ZoneId*, eoDomains*) then CDN sites (from cdnHosts*). Never empty. */
  readonly sites: readonly Site[];
  readonly teoEndpoint: Endpoint;
  readonly cdnEndpoint: Endpoint;
  /** CDN `Area` for PurgeUrlsCache; "" lets CDN purge wherever the domain is accelerated. */
  readonly cdnArea: CdnArea | "";
  /**
   * CDN `Area` of PushUrlsCache, always sent: without it CDN warms mainland only (API 228/33600).
   * `PURGE_PREFETCH_AREA`, else `cdnArea`, else "global".
   */
  readonly prefetchArea: CdnPrefetchArea;
  /** Bucket folder served at the domain root: only keys under it purge, with it removed. "" = none. */
  readonly keyPrefix: string;
  /** Glob patterns on the object key (after keyPrefix is removed). Empty include = everything. */
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** Globs like `include`: created keys matching one are warmed after their purge. Empty = off. */
  readonly prefetch: readonly string[];
  /** Which change kinds purge. */
  readonly purgeOn: readonly ChangeKind[];
  /** "index.html" makes `dir/index.html` also purge `dir/`; "" disables. */
  readonly indexDocument: string;
  /** URL spellings purged for each key, in `SPELLINGS` order; always contains "chromium". */
  readonly spellings: readonly Spelling[];
  /** Plan and log, but call no purge API. */
  readonly dryRun: boolean;
  /** Attempts per request for retryable errors (1 = no retry). */
  readonly maxAttempts: number;
  /** Timeout of one API call. */
  readonly requestTimeoutMs: number;
  /** How an invocation purges: at once, only via the backlog, or at once unless under pressure. */
  readonly mode: PurgeMode;
  /** How soon queued work is drained. */
  readonly windowMs: number;
  readonly backlog: BacklogConfig;
  /** Folder collapse; `minFiles` 0 is off. */
  readonly collapse: { readonly minFiles: number; readonly allowRoot: boolean };
  /** Lowest level logged; `debug` adds a line per API request. */
  readonly logLevel: LogLevel;
}

export type PurgeMode = "auto" | "direct" | "queue";

/** Where the backlog lives and when it alarms (backlog/). */
export interface BacklogConfig {
  /** `name-appid`; undefined means the bucket of the triggering event. */
  readonly bucket: string | undefined;
  /** `ap-guangzhou`; undefined means the triggering bucket's region. */
  readonly region: string | undefined;
  /** Folder of the bucket, ending in `/`. */
  readonly prefix: string;
  /** `COS_ENDPOINT` as written (see providers/cos.ts); undefined means the bucket's own domain. */
  readonly endpoint: string | undefined;
  readonly alarmAgeMs: number;
  readonly alarmTries: number;
}
