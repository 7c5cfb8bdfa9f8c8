/**
 * The COS XML operations the emulator serves: PUT / GET / HEAD / DELETE Object, DELETE Multiple
 * Objects (delete-many.ts), GET Bucket (List Objects) and GET / PUT Bucket versioning. Each takes the resolved request and returns the status, headers and body to send, or
 * throws a {@link CosError}. Operations are synchronous, so concurrent requests never interleave.
 */

import type { IncomingHttpHeaders } from "node:http";
import { lookup } from "../api-error";
import type { BucketVersioning, EmulatorBucket } from "../config";
import type { FaultScript } from "../faults";
import { deleteMultipleObjects } from "./delete-many";
import { CosError } from "./errors";
import type { CosObjects } from "./objects";
import { listBucketXml, versioningXml } from "./xml";

/** GET Bucket returns at most 1,000 keys a page (List Objects reference: max-keys "up to 1,000"). */
export const MAX_KEYS = 1000;

export interface CosOperationRequest {
  readonly bucket: EmulatorBucket;
  readonly key: string;
  /** Decoded query parameters. */
  readonly query: ReadonlyMap<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly objects: CosObjects;
  /** The faults in force: DELETE Multiple Objects draws one per key (delete-many.ts). */
  readonly faults: FaultScript;
  /** The emulator clock, in ms. */
  readonly now: number;
}

export interface CosAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | string;
  /** What the call record shows as `response`. */
  readonly summary: Record<string, unknown>;
  /** What the call record adds to `params`, read from the body (the keys of a batch delete). */
  readonly received?: Record<string, unknown>;
}

interface CosOperation {
  /** Query parameters the operation takes; any other (a sub-resource such as `?acl`) is not emulated. */
  readonly query: (name: string) => boolean;
  readonly run: (request: CosOperationRequest) => CosAnswer;
}

const none = () => false;

/** The operations, by `<METHOD> object|bucket[?sub-resource]`, named as CAM names the actions. */
export const COS_OPERATIONS: Readonly<Record<string, { readonly action: string } & CosOperation>> = {
  "PUT object": { action: "PutObject", query: none, run: putObject },
  "GET object": { action: "GetObject", query: (name) => name.startsWith("response-"), run: getObject },
  "HEAD object": {
    action: "HeadObject",
    query: none,
    run: (request) => ({ ...getObject(request), body: "" }),
  },
  "DELETE object": { action: "DeleteObject", query: none, run: deleteObject },
  "GET bucket": {
    action: "GetBucket",
    query: (name) => ["prefix", "marker", "max-keys", "encoding-type"].includes(name),
    run: getBucket,
  },
  "GET bucket?versioning": { action: "GetBucketVersioning", query: versioningOnly, run: getVersioning },
  "PUT bucket?versioning": { action: "PutBucketVersioning", query: versioningOnly, run: putVersioning },
  // Named as COS's action list and the SDK's Scope name it; CAM checks cos:DeleteObject per key (436/8289).
  "POST bucket?delete": {
    action: "DeleteMultipleObjects",
    query: (name) => name === "delete",
    run: deleteMultipleObjects,
  },
};

/** The sub-resources the emulator knows; any other (`?acl`, ...) selects no operation's extras. */
const SUB_RESOURCES = ["versioning", "delete"];

/** The operation a method names on a bucket (`key` "") or an object, with its sub-resource if any. */
export function cosOperation(method: string, key: string, query: ReadonlyMap<string, string> = new Map()) {
  const subResource = key === "" ? SUB_RESOURCES.find((name) => query.has(name)) : undefined;
  const target = key === "" ? "bucket" : "object";
  return lookup(COS_OPERATIONS, `${method} ${target}${subResource === undefined ? "" : `?${subResource}`}`);
}

function versioningOnly(name: string): boolean {
  return name === "versioning";
}

/** The status PutBucketVersioning set, else the bucket's configured one; undefined = never enabled. */
function getVersioning(request: CosOperationRequest): CosAnswer {
  const status = request.objects.versioningOf(request.bucket.name) ?? request.bucket.versioning;
  return {
    status: 200,
    headers: { "Content-Type": "application/xml" },
    body: versioningXml(status),
    summary: { Status: status ?? null },
  };
}

/** `<VersioningConfiguration><Status>Enabled|Suspended</Status></VersioningConfiguration>`, else MalformedXML. */
function putVersioning(request: CosOperationRequest): CosAnswer {
  const body = request.body.toString("utf8");
  const match =
    /^\s*(?:<\?xml[^>]*\?>\s*)?<VersioningConfiguration>\s*<Status>(\w+)<\/Status>\s*<\/VersioningConfiguration>\s*$/.exec(
      body,
    );
  const status = match?.[1];
  if (status !== "Enabled" && status !== "Suspended") {
    throw new CosError(
      "MalformedXML",
      "The body must be <VersioningConfiguration><Status>Enabled|Suspended</Status></VersioningConfiguration>.",
    );
  }
  request.objects.setVersioning(request.bucket.name, status satisfies BucketVersioning);
  return { status: 200, headers: {}, body: "", summary: { Status: status } };
}

function putObject(request: CosOperationRequest): CosAnswer {
  const { bucket, key, objects } = request;
  const forbidOverwrite = header(request.headers, "x-cos-forbid-overwrite").toLowerCase() === "true";
  if (forbidOverwrite && objects.get(bucket.name, key) !== undefined) {
    throw new CosError(
      "FileAlreadyExists",
      "The object you specified already exists and can not be overwritten (x-cos-forbid-overwrite: true).",
    );
  }
  const contentType = header(request.headers, "content-type") || "application/octet-stream";
  const stored = objects.put(bucket.name, key, request.body, contentType, request.now);
  return { status: 200, headers: { ETag: stored.etag }, body: "", summary: { ETag: stored.etag } };
}

function getObject(request: CosOperationRequest): CosAnswer {
  const object = request.objects.get(request.bucket.name, request.key);
  if (object === undefined) throw new CosError("NoSuchKey", "The specified key does not exist.");
  const headers = {
    "Content-Type": request.query.get("response-content-type") ?? object.contentType,
    "Content-Length": String(object.body.length),
    ETag: object.etag,
    "Last-Modified": new Date(object.lastModified).toUTCString(),
    "x-cos-storage-class": "STANDARD",
  };
  return {
    status: 200,
    headers,
    body: object.body,
    summary: { ETag: object.etag, Size: object.body.length },
  };
}

/** COS answers 204 whether or not the key existed (DELETE Object reference). */
function deleteObject(request: CosOperationRequest): CosAnswer {
  const existed = request.objects.delete(request.bucket.name, request.key);
  return { status: 204, headers: {}, body: "", summary: { Deleted: existed } };
}

function getBucket(request: CosOperationRequest): CosAnswer {
  const { bucket, query } = request;
  const prefix = query.get("prefix") ?? "";
  const marker = query.get("marker") ?? "";
  const encodingType = query.get("encoding-type");
  if (encodingType !== undefined && encodingType !== "url") {
    throw new CosError("InvalidArgument", `encoding-type "${encodingType}" is not url.`);
  }
  const maxKeys = readMaxKeys(query.get("max-keys"));
  // One key more than the page shows says whether the listing is truncated.
  const matching = request.objects.page(bucket.name, prefix, marker, maxKeys + 1);
  const page = matching.slice(0, maxKeys);
  const isTruncated = matching.length > page.length;
  const xml = listBucketXml({
    bucket: bucket.name,
    appId: bucket.name.slice(bucket.name.lastIndexOf("-") + 1),
    prefix,
    marker,
    maxKeys,
    encodingType,
    objects: page,
    isTruncated,
  });
  return {
    status: 200,
    headers: { "Content-Type": "application/xml", "x-cos-bucket-region": bucket.region },
    body: xml,
    summary: {
      KeyCount: page.length,
      IsTruncated: isTruncated,
      NextMarker: isTruncated ? page.at(-1)?.key : null,
    },
  };
}

/** `max-keys`: default and ceiling 1,000 (a larger value is capped, as S3 does); not a count → InvalidArgument. */
function readMaxKeys(text: string | undefined): number {
  if (text === undefined || text === "") return MAX_KEYS;
  if (!/^\d{1,9}$/.test(text))
    throw new CosError("InvalidArgument", `max-keys "${text}" is not a whole number.`);
  return Math.min(Number(text), MAX_KEYS);
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}
