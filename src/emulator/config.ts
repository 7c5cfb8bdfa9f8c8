/**
 * The emulator's configuration: who may call it, which zones, domains and COS buckets exist, the quotas,
 * the faults to inject, the rate limit and how purge tasks finish.
 *
 * `POST /_emulator/config` and `Emulator.configure` take an {@link EmulatorConfigInput}. Each top-level
 * field sent replaces that field of the current config, and whatever it leaves out inside is filled from
 * {@link DEFAULT_EMULATOR_CONFIG} (so `{"cdn":{"domains":["a.example"]}}` keeps the default CDN quotas).
 */

import {
  array,
  enum as enumOf,
  gte,
  type input,
  int,
  keyof,
  lte,
  minLength,
  optional,
  type output,
  partial,
  pipe,
  refine,
  regex,
  strictObject,
  string,
  transform,
} from "zod/mini";
import { ENGLISH_MESSAGES } from "./english";
import { type Fault, faultSchema } from "./faults";

/** A bare hostname, as EdgeOne zones and CDN accounts list their domains (no scheme, port or path). */
export const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

const count = int().check(gte(0));
const hostname = pipe(
  string().check(
    regex(HOSTNAME, "must be a bare hostname such as www.example.com (no scheme, port or path)"),
  ),
  transform((name: string) => name.toLowerCase()),
);
const quotaLimitInput = strictObject({ batch: optional(count), daily: optional(count) });

const teoQuotaInput = partial(
  strictObject({
    purge_url: quotaLimitInput,
    purge_prefix: quotaLimitInput,
    purge_host: quotaLimitInput,
    purge_all: quotaLimitInput,
    purge_cache_tag: quotaLimitInput,
    prefetch_url: quotaLimitInput,
  }),
);
const cdnQuotaInput = partial(
  strictObject({ url: quotaLimitInput, path: quotaLimitInput, push: quotaLimitInput }),
);

/** The quota types DescribeContentQuota reports: the five purge types, then `prefetch_url`. */
export const TEO_QUOTA_TYPES = keyof(teoQuotaInput).options;
export type TeoQuotaType = (typeof TEO_QUOTA_TYPES)[number];
/** CDN quota kinds: URL purge, directory (path) purge and URL push (prefetch). */
export const CDN_QUOTA_KINDS = keyof(cdnQuotaInput).options;
export type CdnQuotaKind = (typeof CDN_QUOTA_KINDS)[number];

/**
 * A COS bucket name is `<name>-<APPID>` (lower-case letters, digits and `-`, 1–50 characters before the
 * APPID); the SDK splits it at the last `-` and refuses other names.
 */
export const BUCKET_NAME = /^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?-\d{1,20}$/;
const bucketInput = strictObject({
  name: string().check(regex(BUCKET_NAME, "must be <name>-<APPID>, e.g. examplebucket-1250000000")),
  region: string().check(regex(/^[a-z]+(?:-[a-z0-9]+)+$/, "must be a COS region such as ap-guangzhou")),
  /** Versioning as GetBucketVersioning reports it; omitted = never enabled. */
  versioning: optional(enumOf(["Enabled", "Suspended"])),
});

const zoneInput = strictObject({
  zoneId: string().check(minLength(1)),
  domains: array(hostname),
  quota: optional(teoQuotaInput),
});

/** Schema of the body of `POST /_emulator/config`. Every field is optional. */
export const emulatorConfigInputSchema = strictObject({
  credentials: optional(
    array(
      strictObject({ secretId: string().check(minLength(1)), secretKey: string().check(minLength(1)) }),
    ).check(minLength(1)),
  ),
  zones: optional(
    array(zoneInput).check(
      refine(
        (zones) => new Set(zones.map((zone) => zone.zoneId)).size === zones.length,
        "zoneId must be unique",
      ),
    ),
  ),
  cdn: optional(strictObject({ domains: optional(array(hostname)), quota: optional(cdnQuotaInput) })),
  cos: optional(
    strictObject({
      buckets: optional(
        array(bucketInput).check(
          refine(
            (buckets) => new Set(buckets.map((bucket) => bucket.name)).size === buckets.length,
            "bucket names must be unique",
          ),
        ),
      ),
    }),
  ),
  faults: optional(array(faultSchema)),
  /** Requests per second per service and action; 0 turns the limit off. */
  rateLimit: optional(count),
  /** Latency added to every API call, in milliseconds. */
  latencyMs: optional(int().check(gte(0), lte(600_000))),
  tasks: optional(
    strictObject({
      processingMs: optional(count),
      outcome: optional(enumOf(["success", "failed", "timeout", "canceled"])),
      failTargets: optional(array(string().check(minLength(1)))),
    }),
  ),
});

/** What `POST /_emulator/config` and `Emulator.configure` accept (see docs/emulator.md). */
export type EmulatorConfigInput = input<typeof emulatorConfigInputSchema>;

/** Targets one request may carry (`batch`) and targets accepted per day (`daily`). */
export interface QuotaLimit {
  readonly batch: number;
  readonly daily: number;
}

export interface EmulatorCredential {
  readonly secretId: string;
  readonly secretKey: string;
}

/** An EdgeOne site. Targets whose host is not one of its `domains` come back in `FailedList`. */
export interface EmulatorZone {
  readonly zoneId: string;
  readonly domains: readonly string[];
  readonly quota: Readonly<Record<TeoQuotaType, QuotaLimit>>;
}

/** The CDN account: its domains and its quotas, counted separately per area (mainland, overseas). */
export interface EmulatorCdn {
  readonly domains: readonly string[];
  readonly quota: Readonly<Record<CdnQuotaKind, QuotaLimit>>;
}

/** A COS bucket the emulator serves; objects live in memory until `reset({ cos: true })`. */
export interface EmulatorBucket {
  /** `<name>-<APPID>`, e.g. `examplebucket-1250000000`. */
  readonly name: string;
  /** Its region, checked against a `<bucket>.cos.<region>.myqcloud.com` Host. */
  readonly region: string;
  /** Its versioning at the start (PutBucketVersioning changes it); undefined = never enabled. */
  readonly versioning?: BucketVersioning | undefined;
}

/** COS versioning, once enabled, can only be suspended, never return to "never enabled". */
export type BucketVersioning = "Enabled" | "Suspended";

/** The COS side of the account. */
export interface EmulatorCos {
  readonly buckets: readonly EmulatorBucket[];
}

/** How purge and prefetch tasks finish, as Describe*Tasks reports them. */
export interface TaskBehaviour {
  /** Tasks report `processing` for this long after creation, then their outcome. */
  readonly processingMs: number;
  /** The outcome of every task (`timeout`, `canceled`: EdgeOne's statuses; CDN reports both as `fail`). */
  readonly outcome: "success" | "failed" | "timeout" | "canceled";
  /** Tasks whose target contains one of these strings fail when `outcome` is success. */
  readonly failTargets: readonly string[];
}

/** The effective configuration, every field resolved. */
export interface EmulatorConfig {
  readonly credentials: readonly EmulatorCredential[];
  readonly zones: readonly EmulatorZone[];
  readonly cdn: EmulatorCdn;
  readonly cos: EmulatorCos;
  /** Faults still in force, `times` showing the hits each has left. */
  readonly faults: readonly Fault[];
  readonly rateLimit: number;
  readonly latencyMs: number;
  readonly tasks: TaskBehaviour;
}

/** Thrown for a config that does not validate; the message names each offending field. */
export class EmulatorConfigError extends Error {
  override readonly name = "EmulatorConfigError";
}

// The documentation's example shows Batch 2000 / Daily 10000 for every EdgeOne type; real numbers
// depend on the plan.
const TEO_DEFAULT_LIMIT: QuotaLimit = { batch: 2000, daily: 10_000 };
const TEO_DEFAULT_QUOTA = Object.fromEntries(
  TEO_QUOTA_TYPES.map((type) => [type, TEO_DEFAULT_LIMIT]),
) as Record<TeoQuotaType, QuotaLimit>;
// CDN defaults per area (PurgeUrlsCache / PurgePathCache / PushUrlsCache API reference): directories are
// 500 per request but only 100 a day, so a request of 101-500 fails with the day limit, as it does there.
const CDN_DEFAULT_QUOTA: Record<CdnQuotaKind, QuotaLimit> = {
  url: { batch: 1000, daily: 10_000 },
  path: { batch: 500, daily: 100 },
  push: { batch: 500, daily: 1000 },
};

/** What the emulator starts with: users point the function at it with no other set-up. */
export const DEFAULT_EMULATOR_CONFIG: EmulatorConfig = deepFreeze({
  credentials: [{ secretId: "AKIDEMULATOR00000000000000000000000", secretKey: "emulator-secret-key" }],
  zones: [
    { zoneId: "zone-emulator", domains: ["www.example.com", "static.example.com"], quota: TEO_DEFAULT_QUOTA },
  ],
  cdn: { domains: ["cdn.example.com", "www.example.com"], quota: CDN_DEFAULT_QUOTA },
  cos: { buckets: [{ name: "examplebucket-1250000000", region: "ap-guangzhou" }] },
  faults: [],
  rateLimit: 20,
  latencyMs: 0,
  tasks: { processingMs: 0, outcome: "success", failTargets: [] },
});

/**
 * Validates `raw` and returns `current` with the fields it names replaced.
 * @throws {EmulatorConfigError} naming each offending field.
 */
export function applyConfigInput(current: EmulatorConfig, raw: unknown): EmulatorConfig {
  const result = emulatorConfigInputSchema.safeParse(raw, ENGLISH_MESSAGES);
  if (!result.success) {
    const problems = result.error.issues.map((issue) =>
      issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
    );
    throw new EmulatorConfigError(`Invalid emulator config: ${problems.join("; ")}`);
  }
  const input = result.data;
  const defaults = DEFAULT_EMULATOR_CONFIG;
  return deepFreeze({
    credentials: input.credentials ?? current.credentials,
    zones:
      input.zones?.map((zone) => ({
        zoneId: zone.zoneId,
        domains: zone.domains,
        quota: fillQuota(TEO_QUOTA_TYPES, TEO_DEFAULT_QUOTA, zone.quota),
      })) ?? current.zones,
    cdn: input.cdn
      ? {
          domains: input.cdn.domains ?? defaults.cdn.domains,
          quota: fillQuota(CDN_QUOTA_KINDS, defaults.cdn.quota, input.cdn.quota),
        }
      : current.cdn,
    cos: input.cos ? { buckets: input.cos.buckets ?? defaults.cos.buckets } : current.cos,
    faults: input.faults ?? current.faults,
    rateLimit: input.rateLimit ?? current.rateLimit,
    latencyMs: input.latencyMs ?? current.latencyMs,
    tasks: input.tasks
      ? {
          processingMs: input.tasks.processingMs ?? defaults.tasks.processingMs,
          outcome: input.tasks.outcome ?? defaults.tasks.outcome,
          failTargets: input.tasks.failTargets ?? defaults.tasks.failTargets,
        }
      : current.tasks,
  });
}

type QuotaLimitInput = output<typeof quotaLimitInput>;

function fillQuota<K extends string>(
  keys: readonly K[],
  defaults: Readonly<Record<K, QuotaLimit>>,
  input: Partial<Record<K, QuotaLimitInput | undefined>> | undefined,
): Record<K, QuotaLimit> {
  const entries = keys.map((key) => {
    const given = input?.[key];
    return [key, { batch: given?.batch ?? defaults[key].batch, daily: given?.daily ?? defaults[key].daily }];
  });
  return Object.fromEntries(entries) as Record<K, QuotaLimit>;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
