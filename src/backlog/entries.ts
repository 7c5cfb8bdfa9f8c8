/**
 * The backlog's records, as JSON objects under the backlog prefix (default `.cos-purge/`):
 *
 *     queue/<ms>-<rand>.<body>.json   targets waiting to be purged (a `BacklogEntry`); `.<body>`, the
 *                                     entry's JSON in base64url, only when the key stays within
 *                                     `QUEUE_KEY_MAX_BYTES` (else `queue/<ms>-<rand>.json`)
 *     sent/<ms>-<rand>.json           targets a drain submitted, until the provider confirms them
 *                                     (a `SentRecord`)
 *     lease/...                       who may drain now (lease.ts)
 *
 * Keys start with the time, so a listing is in age order and tells each record's age without reading it.
 * A queue entry's object holds its JSON whatever its key (older versions, operators and the CLI read
 * that); the copy in the key lets a drain skip the GET of an entry whose listed ETag proves the copy
 * current (`bodyFromKey`, backlog.ts): the LIST that finds the entry already carries both.
 * Every record is validated when read: a record this version cannot read is reported and left in place,
 * never deleted, so a newer or damaged record is not lost.
 */
import type { LaneKey, Provider, TaskType } from "../foundation/model";

/** Targets waiting in the backlog, all of one lane. */
export interface BacklogEntry extends LaneKey {
  readonly targets: readonly string[];
  /** Why they are waiting: a provider code, or ours (`QuotaExhausted`, `DeadlineReached`, `Queued`...). */
  readonly reason: string;
  readonly message: string;
  /** Epoch ms when the targets were first deferred. */
  readonly firstDeferredAt: number;
  /** Epoch ms of the latest deferral. */
  readonly deferredAt: number;
  /** How many drains tried these targets and failed for a retryable reason. */
  readonly tries: number;
  /** The SCF request id that deferred them first, to find its log. */
  readonly origin: string;
}

/** Targets a drain submitted, kept until the provider says how the task ended. */
export interface SentRecord extends LaneKey {
  /** What was submitted: URLs, or folder URLs for `purge_prefix`. */
  readonly targets: readonly string[];
  /** The queued targets the submission stands for: the targets, or every queued URL under a folder. */
  readonly covers: readonly string[];
  /** Queue entries the targets came from: after a crash, the next drain removes them there. */
  readonly entryKeys: readonly string[];
  /** Epoch ms just before the submit call. */
  readonly createdAt: number;
  /** The provider's task id, once the submit call answered. */
  readonly taskId?: string;
  /** True once the targets were removed from the queue entries. */
  readonly applied?: boolean;
  /**
   * Set for an invocation's call that was never answered: its targets are in no queue entry, so those
   * the provider turns out not to have received are queued by the confirming drain.
   */
  readonly requeueIfMissing?: boolean;
  /**
   * The history of the queue entries the targets came from (most tries, earliest deferral): a target
   * whose task fails goes back to the queue with it, so that a task failing every time raises the
   * overdue alarm instead of starting afresh at every drain.
   */
  readonly tries?: number;
  readonly firstDeferredAt?: number;
}

export const FOLDERS = { queue: "queue/", sent: "sent/", lease: "lease/" } as const;

const PROVIDERS: readonly Provider[] = ["edgeone", "cdn"];
const TYPES: readonly TaskType[] = ["purge_url", "purge_prefix", "prefetch_url"];

/** How far ahead of this instance's clock another instance's may be, for times read from keys. */
export const CLOCK_SKEW_MS = 10_000;

/** A time as keys carry it: epoch ms, 13 digits, so that keys list in time order. */
export const keyStamp = (time: number): string => String(Math.max(0, Math.floor(time))).padStart(13, "0");

/** 8 random hex digits: what keeps two keys stamped in the same millisecond apart. */
export const nonce = (random: () => number = Math.random): string =>
  Math.floor(random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, "0");

/** A new record key: `<prefix><folder><epoch ms, 13 digits>-<8 random hex>.json`. */
export function recordKey(prefix: string, folder: string, now: number, random: () => number): string {
  return `${prefix}${folder}${keyStamp(now)}-${nonce(random)}.json`;
}

/**
 * The longest queue key, in UTF-8 bytes, that carries its entry. COS allows object keys of up to 850
 * bytes (tencentcloud.com/document/product/436/13324); the margin keeps us clear of however COS counts
 * at the edge, and longer entries (long messages, many targets) are rare enough to pay their GET.
 */
export const QUEUE_KEY_MAX_BYTES = 800;

/** `/<13 digits>-<8 hex>` then, for a queue key that carries its entry, `.<base64url>`; then `.json`. */
const RECORD_KEY_END = /\/(\d{13})-[0-9a-f]{8}(?:\.([A-Za-z0-9_-]+))?\.json$/;

/**
 * A new queue entry's key: `<prefix>queue/<ms>-<rand>.<body in base64url>.json` when that stays within
 * `QUEUE_KEY_MAX_BYTES`, else the plain `recordKey`. `body` is the exact text stored in the object.
 */
export function queueKey(prefix: string, body: string, now: number, random: () => number): string {
  const plain = recordKey(prefix, FOLDERS.queue, now, random);
  const payload = Buffer.from(body, "utf8").toString("base64url");
  const carrying = `${plain.slice(0, -".json".length)}.${payload}.json`;
  return Buffer.byteLength(carrying, "utf8") <= QUEUE_KEY_MAX_BYTES ? carrying : plain;
}

/** The epoch ms a record key starts with, or `undefined` for a key not made by `recordKey` or `queueKey`. */
export function keyTime(key: string): number | undefined {
  const match = RECORD_KEY_END.exec(key);
  return match ? Number(match[1]) : undefined;
}

/**
 * The entry text a queue key carries, or `undefined` for a key without one. Only a name: the caller
 * trusts it only when the listed ETag proves the object holds the same text (an entry rewritten in
 * place keeps its key and its first body in it).
 */
export function bodyFromKey(key: string): string | undefined {
  const payload = RECORD_KEY_END.exec(key)?.[2];
  return payload === undefined ? undefined : Buffer.from(payload, "base64url").toString("utf8");
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");
const isTime = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/** The lane fields of a record, or a problem. */
function readLane(json: Json): LaneKey | string {
  const { provider, scope, type } = json;
  if (!PROVIDERS.includes(provider as Provider))
    return `provider ${JSON.stringify(provider)} is not edgeone or cdn`;
  if (typeof scope !== "string") return "scope is not a string";
  if (type !== undefined && !TYPES.includes(type as TaskType))
    return `type ${JSON.stringify(type)} is unknown`;
  return { provider: provider as Provider, scope, ...(type === undefined ? {} : { type: type as TaskType }) };
}

function parse(text: string): Json | string {
  try {
    const json: unknown = JSON.parse(text);
    return isObject(json) ? json : "not a JSON object";
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
}

/** Reads a queue entry; a string says what is wrong with it. */
export function readEntry(text: string): BacklogEntry | string {
  const json = parse(text);
  if (typeof json === "string") return json;
  const lane = readLane(json);
  if (typeof lane === "string") return lane;
  const { targets, reason, message, firstDeferredAt, deferredAt, tries, origin } = json;
  if (!isStringList(targets)) return "targets is not a list of URLs";
  if (!isTime(firstDeferredAt) || !isTime(deferredAt)) return "firstDeferredAt or deferredAt is not a time";
  return {
    ...lane,
    targets,
    reason: typeof reason === "string" ? reason : "Unknown",
    message: typeof message === "string" ? message : "",
    firstDeferredAt,
    deferredAt,
    tries: typeof tries === "number" && tries >= 0 ? tries : 0,
    origin: typeof origin === "string" ? origin : "",
  };
}

/** Reads a sent record; a string says what is wrong with it. */
export function readSent(text: string): SentRecord | string {
  const json = parse(text);
  if (typeof json === "string") return json;
  const lane = readLane(json);
  if (typeof lane === "string") return lane;
  const { targets, covers, entryKeys, createdAt, taskId, applied, requeueIfMissing, tries, firstDeferredAt } =
    json;
  if (!isStringList(targets) || !isStringList(entryKeys)) return "targets or entryKeys is not a list";
  if (covers !== undefined && !isStringList(covers)) return "covers is not a list";
  if (!isTime(createdAt)) return "createdAt is not a time";
  return {
    ...lane,
    targets,
    covers: covers ?? targets,
    entryKeys,
    createdAt,
    ...(typeof taskId === "string" && taskId !== "" ? { taskId } : {}),
    ...(applied === true ? { applied } : {}),
    ...(requeueIfMissing === true ? { requeueIfMissing } : {}),
    ...(typeof tries === "number" && tries >= 0 ? { tries } : {}),
    ...(isTime(firstDeferredAt) ? { firstDeferredAt } : {}),
  };
}

export { laneOf } from "../foundation/lane";
