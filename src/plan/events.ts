/**
 * Trigger event → the object changes it reports.
 *
 * Every record ends up in exactly one of `changes`, `skipped` (deliberately not purged) or `rejected`
 * (unreadable), so one bad record never hides the good ones beside it: whatever reading a record throws
 * rejects that record, and a rejected value is quoted within a bounded size and depth. Only an event
 * that is not a trigger event at all throws. Nothing in an event can change configuration: templates that let event
 * fields override settings let whoever can write the event choose what gets purged.
 */

import { CosPurgeError } from "../foundation/errors";
import type {
  ChangeKind,
  ObjectChange,
  ParsedEvent,
  RejectedRecord,
  SkippedRecord,
} from "../foundation/model";
import { changeVersion } from "./version";

/** The delivery as a whole is not a COS, CKafka or timer trigger event. */
export class EventError extends CosPurgeError {
  override readonly name = "EventError";

  constructor(message: string) {
    super(message, { code: "InvalidEvent" });
  }
}

/**
 * What each COS event family means for cached copies, by the middle part of `cos:<Family>:<Action>`.
 * Any action of a family counts (Put, Post, Copy, CompleteMultipartUpload, Origin, Replication, `*`...),
 * so a new upload path does not silently stop purging. Note COS writes `ObjectRemove`, not "ObjectRemoved".
 */
const EVENT_FAMILIES = {
  ObjectCreated: "created",
  ObjectRemove: "removed",
  // Restoring an archived object makes a readable copy of the same bytes: cached copies are still right.
  ObjectRestore: "restored",
} as const satisfies Record<string, ChangeKind | "restored">;

const EVENT_NAME = /^cos:([A-Za-z]+):([A-Za-z]+|\*)$/;

/** `/<appid>/<bucket>/<key>`; `s` because a key may contain a newline. */
const COS_KEY = /^\/([^/]+)\/([^/]+)\/(.*)$/s;

/** Longest value quoted in a rejection, so one huge field cannot flood the log. */
const MAX_VALUE_CHARS = 200;

type Json = Record<string, unknown>;

/** Where a record sits: its id in reports and the path of its root in the event, for messages. */
interface Place {
  readonly record: string;
  readonly path: string;
}

/** Thrown while reading one record; `parseEvent` catches it into `rejected` and reads on. */
class Malformed extends Error {
  constructor(readonly rejected: RejectedRecord) {
    super(rejected.problem);
  }
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Deepest nesting written out in a rejection; deeper levels show as `[…]` / `{…}`. */
const MAX_VALUE_DEPTH = 10;

/**
 * The value of a rejected field, short enough to log. Objects are written as JSON by `boundedJson`,
 * never `JSON.stringify`: a record holding an array nested 6,000 deep (12 KB of JSON, which `JSON.parse`
 * reads happily) overflows the stack of a recursive serializer, and a cyclic object makes it throw.
 */
function preview(value: unknown): unknown {
  if (typeof value === "object" && value !== null) {
    const text = boundedJson(value, MAX_VALUE_CHARS + 1);
    return text.length <= MAX_VALUE_CHARS ? text : `${text.slice(0, MAX_VALUE_CHARS)}… (cut)`;
  }
  if (typeof value !== "string" || value.length <= MAX_VALUE_CHARS) return value;
  return `${value.slice(0, MAX_VALUE_CHARS)}… (${value.length} chars)`;
}

/**
 * JSON of `value`, stopped once it is `limit` characters long and written `[…]` / `{…}` below
 * `MAX_VALUE_DEPTH` levels, so the time, the memory and the stack it takes are bounded whatever the value.
 */
function boundedJson(value: unknown, limit: number): string {
  let out = "";
  const write = (text: string): boolean => {
    out += text;
    return out.length < limit;
  };
  const walk = (item: unknown, depth: number): boolean => {
    if (Array.isArray(item)) {
      if (depth >= MAX_VALUE_DEPTH) return write("[…]");
      if (!write("[")) return false;
      for (let i = 0; i < item.length; i += 1) {
        if ((i > 0 && !write(",")) || !walk(item[i], depth + 1)) return false;
      }
      return write("]");
    }
    if (isObject(item)) {
      if (depth >= MAX_VALUE_DEPTH) return write("{…}");
      if (!write("{")) return false;
      let first = true;
      for (const [key, field] of Object.entries(item)) {
        if (!write(`${first ? "" : ","}${JSON.stringify(key)}:`) || !walk(field, depth + 1)) return false;
        first = false;
      }
      return write("}");
    }
    return write(typeof item === "bigint" ? String(item) : (JSON.stringify(item) ?? "null"));
  };
  walk(value, 0);
  return out;
}

function malformed(place: Place, field: string, value: unknown, problem: string): Malformed {
  const path = field === "" ? place.path : `${place.path}.${field}`;
  return new Malformed({ record: place.record, field: path, value: preview(value), problem });
}

/** A record the reader failed on in a way it did not foresee: rejected with what was thrown. */
function unreadable(place: Place, error: unknown): RejectedRecord {
  const thrown = error instanceof Error ? `${error.name}: ${error.message}` : String(preview(error));
  return {
    record: place.record,
    field: place.path,
    value: undefined,
    problem: `could not be read (${thrown})`,
  };
}

/** The value at a dotted path, or undefined when any step is missing or not an object. */
function peek(root: Json, path: string): unknown {
  let value: unknown = root;
  for (const step of path.split(".")) value = isObject(value) ? value[step] : undefined;
  return value;
}

function readString(root: Json, place: Place, field: string, accepted: string): string {
  const value = peek(root, field);
  if (typeof value === "string") return value;
  const found = value === undefined ? "missing" : "not a string";
  throw malformed(place, field, value, `${found}; expected ${accepted}`);
}

function readObject(value: unknown, place: Place, accepted: string): Json {
  if (isObject(value)) return value;
  throw malformed(place, "", value, `not an object; expected ${accepted}`);
}

function readEventName(record: Json, place: Place): { name: string; kind: ChangeKind | "restored" } {
  const accepted = "cos:ObjectCreated:*, cos:ObjectRemove:* or cos:ObjectRestore:* (with any action)";
  const name = readString(record, place, "event.eventName", accepted);
  const family = EVENT_NAME.exec(name)?.[1];
  if (family === undefined || !Object.hasOwn(EVENT_FAMILIES, family)) {
    throw malformed(place, "event.eventName", name, `unknown COS event; expected ${accepted}`);
  }
  return { name, kind: EVENT_FAMILIES[family as keyof typeof EVENT_FAMILIES] };
}

/**
 * The object key and full bucket name, from `cosObject.key` (`/<appid>/<bucket>/<key>`, raw, not
 * percent-encoded). `cosObject.url` is not used: its host differs for accelerated and custom domains,
 * which is what makes Tencent's template crash.
 */
function readKey(record: Json, place: Place): { key: string; bucket: string } {
  const field = "cos.cosObject.key";
  const raw = readString(record, place, field, "/<appid>/<bucket>/<object key>");
  const match = COS_KEY.exec(raw);
  const [appid, name, key] = match ? match.slice(1) : [];
  if (appid === undefined || name === undefined || key === undefined) {
    throw malformed(place, field, raw, "expected /<appid>/<bucket>/<object key>");
  }
  for (const [part, found] of Object.entries({ appid, name })) {
    const stated = peek(record, `cos.cosBucket.${part}`);
    const scalar = typeof stated === "string" || typeof stated === "number";
    if (stated === undefined || (scalar && String(stated) === found)) continue;
    // Never `String(stated)` of an object: an array nested thousands deep overflows the stack in `join`.
    const shown = scalar ? `"${preview(String(stated))}"` : String(preview(stated));
    throw malformed(place, field, raw, `starts with "${found}" but cos.cosBucket.${part} is ${shown}`);
  }
  if (key === "") throw malformed(place, field, raw, "no object key after /<appid>/<bucket>/");
  return { key, bucket: `${name}-${appid}` };
}

/**
 * COS's short region codes (`cosBucket.region` in older events, tencent-cloud.md §1) as the SDK's
 * region names. Newer events also carry `cosRegion`/`s3Region`, and `cosObject.url` names the region
 * when the bucket's default domain is used; this table is the last resort.
 */
const SHORT_REGIONS: Readonly<Record<string, string>> = {
  bj: "ap-beijing",
  sh: "ap-shanghai",
  gz: "ap-guangzhou",
  cd: "ap-chengdu",
  cq: "ap-chongqing",
  nj: "ap-nanjing",
  hk: "ap-hongkong",
  sgp: "ap-singapore",
  bkk: "ap-bangkok",
  jkt: "ap-jakarta",
  tokyo: "ap-tokyo",
  seoul: "ap-seoul",
  ca: "na-toronto",
  sv: "na-siliconvalley",
  va: "na-ashburn",
  fra: "eu-frankfurt",
  sao: "sa-saopaulo",
};

/** The bucket's region, or "" when nothing in the record says. */
function readRegion(record: Json): string {
  for (const field of ["cos.cosBucket.cosRegion", "cos.cosBucket.s3Region"]) {
    const value = peek(record, field);
    if (typeof value === "string" && /^[a-z]{2,}(-[a-z0-9]+)+$/.test(value)) return value;
  }
  const url = peek(record, "cos.cosObject.url");
  const fromUrl =
    typeof url === "string" ? /\.cos\.([a-z]{2,}(?:-[a-z0-9]+)+)\.myqcloud\.com\//.exec(url)?.[1] : undefined;
  if (fromUrl !== undefined) return fromUrl;
  const short = peek(record, "cos.cosBucket.region");
  if (typeof short !== "string") return "";
  return /^[a-z]{2,}(-[a-z0-9]+)+$/.test(short) ? short : (SHORT_REGIONS[short] ?? "");
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

/** `event.eventTime` as epoch ms: Unix seconds in current events, an ISO string in older ones. */
function readEventTime(record: Json): number | undefined {
  const time = peek(record, "event.eventTime");
  if (typeof time === "number" && Number.isFinite(time)) return time * 1000;
  const parsed = typeof time === "string" ? Date.parse(time) : Number.NaN;
  return Number.isNaN(parsed) ? undefined : parsed;
}

function readCosRecord(
  value: unknown,
  place: Place,
  purgeOn: readonly ChangeKind[],
): ObjectChange | SkippedRecord {
  const record = readObject(value, place, "a COS record { cos, event }");
  const { name: eventName, kind } = readEventName(record, place);
  const { key, bucket } = readKey(record, place);
  const skip = (reason: string): SkippedRecord => ({ record: place.record, key, reason });
  if (kind === "restored") return skip("restore event: the restored copy holds the bytes already cached");
  if (!purgeOn.includes(kind)) return skip(`PURGE_EVENTS does not include "${kind}"`);
  // The console's "create folder" writes an empty object named `dir/`; it is never served.
  if (key.endsWith("/")) return skip("folder marker (key ends with /)");
  return {
    key,
    kind,
    eventName,
    bucket,
    region: readRegion(record),
    record: place.record,
    version: changeVersion({
      requestId: peek(record, "cos.cosObject.meta.x-cos-request-id"),
      vid: peek(record, "cos.cosObject.vid"),
      record,
    }),
    ...optional("eventTime", readEventTime(record)),
  };
}

/** A CKafka message wraps one COS event, as a JSON string in `msgBody`. */
function readCkafkaMessage(value: unknown, place: Place): { records: unknown[]; path: string } {
  const message = readObject(value, place, "a CKafka record { Ckafka: { msgBody } }");
  const body = readString(message, place, "Ckafka.msgBody", "a JSON string holding a COS event");
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch (error) {
    throw malformed(place, "Ckafka.msgBody", body, `not JSON (${(error as Error).message})`);
  }
  const records = isObject(event) ? event.Records : undefined;
  if (!Array.isArray(records)) {
    throw malformed(place, "Ckafka.msgBody", body, 'expected a COS event {"Records": [...]}');
  }
  return { records, path: `${place.path}.Ckafka.msgBody.Records` };
}

function isCkafkaRecord(value: unknown): boolean {
  return isObject(value) && "Ckafka" in value;
}

/**
 * Reads a trigger event: COS (`{Records:[{cos, event}]}`), CKafka carrying COS events
 * (`{Records:[{Ckafka:{msgBody}}]}`, record ids "message/record") or timer (`{Type:"Timer"}`, no changes).
 * Accepts the whole `Config` as options.
 *
 * @throws EventError when the event is not an object with a `Records` array (nor a timer event).
 */
export function parseEvent(
  event: unknown,
  options: { readonly purgeOn: readonly ChangeKind[] },
): ParsedEvent {
  if (!isObject(event)) {
    throw new EventError(
      `event is ${event === null ? "null" : Array.isArray(event) ? "an array" : typeof event}; expected a COS, CKafka or timer trigger event object`,
    );
  }
  if (event.Type === "Timer") return { source: "timer", records: 0, changes: [], skipped: [], rejected: [] };
  const records = event.Records;
  if (!Array.isArray(records)) {
    const found = records === undefined ? "has no Records" : `has Records of type ${typeof records}`;
    throw new EventError(
      `event ${found}; expected {"Records": [...]} (COS or CKafka trigger) or {"Type": "Timer"}`,
    );
  }

  const changes: ObjectChange[] = [];
  const skipped: SkippedRecord[] = [];
  const rejected: RejectedRecord[] = [];
  const read = (value: unknown, place: Place, readRecord: (value: unknown, place: Place) => void) => {
    try {
      readRecord(value, place);
    } catch (error) {
      // Whatever one record makes the reader throw (a bug of ours included) rejects that record only.
      rejected.push(error instanceof Malformed ? error.rejected : unreadable(place, error));
    }
  };
  const readCos = (value: unknown, place: Place) => {
    const outcome = readCosRecord(value, place, options.purgeOn);
    if ("reason" in outcome) skipped.push(outcome);
    else changes.push(outcome);
  };

  const readCkafka = (value: unknown, place: Place) => {
    const inner = readCkafkaMessage(value, place);
    for (const [at, cosRecord] of inner.records.entries()) {
      read(cosRecord, { record: `${place.record}/${at}`, path: `${inner.path}[${at}]` }, readCos);
    }
  };

  for (const [index, value] of records.entries()) {
    read(
      value,
      { record: String(index), path: `Records[${index}]` },
      isCkafkaRecord(value) ? readCkafka : readCos,
    );
  }

  const source = records.some(isCkafkaRecord) ? "ckafka" : "cos";
  return { source, records: changes.length + skipped.length + rejected.length, changes, skipped, rejected };
}
