/**
 * What identifies one change of one object: the idempotency key of the ledger (execute/ledger.ts) and
 * the retry markers (backlog/markers.ts). A platform retry of the delivery must carry the same value, and
 * two uploads never may, or the second would be skipped as already purged.
 */
import { createHash } from "node:crypto";

/**
 * The COS request id; else the version id (`vid`, with bucket versioning on); else the record itself.
 * Not `eventTime`: it is Unix seconds, so two uploads of one key within a second would read as one.
 * A re-delivery repeats the record byte for byte, while two uploads differ in it (`event.reqid`, the
 * request's signature, size, time). A record that cannot be serialised gets "" (never skipped).
 */
export function changeVersion(fields: {
  readonly requestId: unknown;
  readonly vid: unknown;
  readonly record: unknown;
}): string {
  if (typeof fields.requestId === "string" && fields.requestId !== "") return fields.requestId;
  if (typeof fields.vid === "string" && fields.vid !== "") return `vid:${fields.vid}`;
  try {
    return `record:${createHash("sha256").update(JSON.stringify(fields.record)).digest("hex").slice(0, 32)}`;
  } catch {
    // Too deeply nested for JSON.stringify: no key at all is safer than a wrong one.
    return "";
  }
}
