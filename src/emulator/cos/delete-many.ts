/**
 * DELETE Multiple Objects (`POST /?delete`, COS API 436/8289): up to 1,000 keys of one bucket in one
 * request, answered per key.
 *
 *     <Delete><Quiet>true|false</Quiet><Object><Key>a</Key></Object>…</Delete>      (Content-MD5 required)
 *     → 200 <DeleteResult><Deleted><Key/></Deleted>…<Error><Key/><Code/><Message/></Error>…</DeleteResult>
 *
 * Quiet answers only the keys that failed; Verbose every key. A key that does not exist (or is empty)
 * counts as deleted ("COS itself will not return an error message", 436/8289). COS checks
 * `cos:DeleteObject` for each key (436/8289, "授权说明"), so a fault scripted for `DeleteObject` is drawn
 * once per key and fails that key alone, answered in its `<Error>`; a fault scripted for
 * `DeleteMultipleObjects` fails the whole request, as for any other action.
 *
 * Error codes: `BadDigest` for a Content-MD5 that does not match the body (COS error codes, 436/7730).
 * UNCONFIRMED for COS, taken from S3, whose API this one copies: `MissingContentMD5` without the header,
 * `MalformedXML` for a body that is not a `<Delete>` or names no key or more than 1,000.
 */

import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { CosError } from "./errors";
import type { CosAnswer, CosOperationRequest } from "./operations";
import { deleteResultXml, type KeyOutcome, unescapeXml } from "./xml";

/** "单次请求支持最多删除1000个对象" (436/8289). */
export const MAX_DELETE_KEYS = 1000;

/** Deletes the keys the body names; the fault script decides, key by key, which fail. */
export function deleteMultipleObjects(request: CosOperationRequest): CosAnswer {
  checkContentMd5(request.headers, request.body);
  const { quiet, keys } = readDeleteBody(request.body.toString("utf8"));
  const outcomes = keys.map((key): KeyOutcome => {
    const terminal = request.faults.draw("cos", "DeleteObject").terminal;
    if (terminal === undefined) {
      request.objects.delete(request.bucket.name, key);
      return { key, deleted: true };
    }
    // A key inside a batch has no connection of its own to drop or status to answer: a scripted `http`
    // or `drop` fails that key as COS's own failure would.
    if (terminal.kind === "error") {
      return { key, deleted: false, code: terminal.code, message: terminal.message ?? "Fault injected." };
    }
    return { key, deleted: false, code: "InternalError", message: `Fault injected (${terminal.kind}).` };
  });
  const failed = outcomes.filter((outcome) => !outcome.deleted).length;
  return {
    status: 200,
    headers: { "Content-Type": "application/xml" },
    body: deleteResultXml(quiet ? outcomes.filter((outcome) => !outcome.deleted) : outcomes),
    summary: { Deleted: keys.length - failed, Errors: failed },
    received: { Objects: keys.length, Quiet: quiet, Keys: keys },
  };
}

function checkContentMd5(headers: IncomingHttpHeaders, body: Buffer): void {
  const given = headers["content-md5"];
  if (given === undefined || given === "") {
    throw new CosError("MissingContentMD5", "Missing required header for this request: Content-MD5.");
  }
  const expected = createHash("md5").update(body).digest("base64");
  if (given !== expected) {
    throw new CosError(
      "BadDigest",
      `The Content-MD5 you specified (${String(given)}) does not match the MD5 of the body received (${expected}).`,
    );
  }
}

const DELETE_BODY = /^\s*(?:<\?xml[^>]*\?>\s*)?<Delete>([\s\S]*)<\/Delete>\s*$/;
const CHILD = /\s*<(Quiet|Object)>([\s\S]*?)<\/\1>\s*/y;
const OBJECT = /^\s*<Key>([^<]*)<\/Key>\s*$/;

/** The `<Delete>` body: Quiet (default false) and each `<Object><Key>`, in order; else MalformedXML. */
export function readDeleteBody(text: string): { quiet: boolean; keys: string[] } {
  const inner = DELETE_BODY.exec(text)?.[1];
  if (inner === undefined) throw malformed("the body is not a <Delete> element");
  let quiet = false;
  const keys: string[] = [];
  CHILD.lastIndex = 0;
  while (CHILD.lastIndex < inner.length) {
    const child = CHILD.exec(inner);
    if (child === null) throw malformed("<Delete> holds something other than <Quiet> and <Object>");
    const [, name, content = ""] = child;
    if (name === "Quiet") {
      if (content !== "true" && content !== "false")
        throw malformed(`<Quiet> is "${content}", not true or false`);
      quiet = content === "true";
      continue;
    }
    if (/<VersionId>/.test(content)) {
      throw new CosError(
        "NotImplemented",
        "The emulator keeps no object versions: <VersionId> is not emulated.",
      );
    }
    const key = OBJECT.exec(content)?.[1];
    if (key === undefined) throw malformed("an <Object> holds no single <Key>");
    keys.push(unescapeXml(key));
  }
  if (keys.length === 0) throw malformed("<Delete> names no <Object>");
  if (keys.length > MAX_DELETE_KEYS) {
    throw malformed(`<Delete> names ${keys.length} objects; at most ${MAX_DELETE_KEYS} are accepted`);
  }
  return { quiet, keys };
}

function malformed(why: string): CosError {
  return new CosError(
    "MalformedXML",
    `The XML you provided was not well-formed or did not validate against our published schema: ${why}.`,
  );
}
