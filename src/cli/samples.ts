/**
 * Trigger events as SCF delivers them (tencent-cloud.md §1, shaped after the documentation's sample in
 * test/fixtures/cos-event-doc-sample.json). `cos-purge demo` sends these, and tests build theirs
 * with them, so both say what matters and nothing else:
 *
 *     cosEvent(cosRecord({ key: "img/a.png" }), cosRecord({ key: "old.png", event: "cos:ObjectRemove:Delete" }))
 *     ckafkaEvent(cosEvent(cosRecord({ key: "a.png" })))
 *
 * Records are plain mutable JSON, so a test can break one field: `record.cos.cosObject.key = 42`.
 */

export const APPID = "1250000000";
export const BUCKET = "examplebucket";

/** Event names COS sends (the `*` form comes from triggers configured with a wildcard). */
export type CosEventName =
  | `cos:ObjectCreated:${"*" | "Put" | "Post" | "Copy" | "CompleteMultipartUpload" | "Origin" | "Replication"}`
  | `cos:ObjectRemove:${"*" | "Delete" | "DeleteMarkerCreated"}`
  | `cos:ObjectRestore:${"*" | "Post" | "Completed"}`;

export interface CosRecordOptions {
  /** Object key as stored in COS, without the leading slash: "img/a b.png". */
  readonly key: string;
  /** Default "cos:ObjectCreated:Put"; any string, to test unknown names. */
  readonly event?: CosEventName | (string & {});
  readonly appid?: string;
  /** Short bucket name, without the appid. */
  readonly bucket?: string;
  /** `meta["x-cos-request-id"]`: default a new id per record; `null` leaves it out. */
  readonly requestId?: string | null;
  /** Unix seconds. */
  readonly eventTime?: number;
  readonly size?: number;
}

export interface CosRecord {
  cos: {
    cosSchemaVersion: string;
    cosObject: { url: string; meta: Record<string, string>; vid: string; key: unknown; size: number };
    cosBucket: { region: string; name: unknown; appid: unknown };
    cosNotificationId: string;
  };
  event: { eventName: unknown; eventVersion: string; eventTime: unknown; eventSource: string; reqid: number };
}

export interface CosEvent {
  Records: unknown[];
}

let requests = 0;

/** One COS trigger record; defaults describe a fresh upload to examplebucket-1250000000 in Guangzhou. */
export function cosRecord(options: CosRecordOptions): CosRecord {
  // Now by default: a fresh event, as COS sends it (an old one may be SCF's retry: backlog/markers.ts).
  const {
    key,
    appid = APPID,
    bucket = BUCKET,
    eventTime = Math.floor(Date.now() / 1000),
    size = 1024,
  } = options;
  requests += 1;
  const requestId = options.requestId === undefined ? `req-${requests}` : options.requestId;
  // Like COS's own `url`: percent-encoded key (tencent-cloud.md §1), on the bucket's default host.
  const encoded = key.split("/").map(encodeURIComponent).join("/").replaceAll("!", "%21");
  return {
    cos: {
      cosSchemaVersion: "1.0",
      cosObject: {
        url: `http://${bucket}-${appid}.cos.ap-guangzhou.myqcloud.com/${encoded}`,
        meta: { "Content-Type": "", ...(requestId === null ? {} : { "x-cos-request-id": requestId }) },
        vid: "",
        key: `/${appid}/${bucket}/${key}`,
        size,
      },
      cosBucket: { region: "gz", name: bucket, appid },
      cosNotificationId: "unknown",
    },
    event: {
      eventName: options.event ?? "cos:ObjectCreated:Put",
      eventVersion: "1.0",
      eventTime,
      eventSource: "qcs::cos",
      reqid: 179398952 + requests,
    },
  };
}

/** A COS trigger delivery holding these records (or anything in their place, to test malformed ones). */
export function cosEvent(...records: unknown[]): CosEvent {
  return { Records: records };
}

/** A CKafka trigger delivery: one message per COS event (a string is used as the raw `msgBody`). */
export function ckafkaEvent(...messages: (CosEvent | string)[]): { Records: unknown[] } {
  return {
    Records: messages.map((message, offset) => ({
      Ckafka: {
        topic: "cos-events",
        partition: 0,
        offset,
        msgKey: "",
        msgBody: typeof message === "string" ? message : JSON.stringify(message),
      },
    })),
  };
}

/** A timer trigger delivery. */
export function timerEvent(message = ""): {
  Type: "Timer";
  TriggerName: string;
  Time: string;
  Message: string;
} {
  return { Type: "Timer", TriggerName: "every-hour", Time: "2024-05-01T00:00:00Z", Message: message };
}
