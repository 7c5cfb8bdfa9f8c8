/**
 * COS behind the `ObjectStore` interface: the bucket folder the backlog of pending purges lives in.
 *
 * cos-nodejs-sdk-v5 (~40 ms to require as `dist/cos-sdk.js`, its unused parts shimmed: ARCHITECTURE.md)
 * is reached through `import()` on the first call, which esbuild turns into a lazy initialiser: an
 * invocation that never touches the backlog never runs it.
 *
 * Retries. The SDK retries 5xx answers and network errors by itself, four attempts in all with no delay
 * (sdk/base.js `submitRequest`), and offers no switch. That is kept for reads, deletes, listings and
 * plain writes: they are idempotent, the attempts are immediate and few, and the deadline below bounds
 * them. It is turned off for a create-only write (`ifAbsent`) by sending the body as a stream (the SDK
 * never retries a streamed body): if a first attempt lands but its answer is lost, a retry would meet
 * the object it just wrote and read as "someone else holds this key". The caller's own retry policy,
 * which knows the deadline and backs off, decides instead.
 */

import { Readable } from "node:stream";
import { CosPurgeError, TRANSPORT_CODES } from "../foundation/errors";
import { redact } from "../foundation/log";
import type { ListedObject, ObjectStore } from "../foundation/object-store";
import { deleteInBatches } from "./cos-delete-many";
import { addressingFor, isLocalEndpoint } from "./cos-endpoint";
import { VERSIONED_BUCKET, versionedBucket, versioningDenied, versioningStatus } from "./cos-versioning";
import { onFirstUse } from "./sdk";

/** The bucket folder the backlog lives in, as the backlog needs it (foundation/object-store.ts). Keys are full object keys. */
export type { ObjectStore };

export interface CosStoreOptions {
  /** `<name>-<APPID>`, e.g. `examplebucket-1250000000`. */
  readonly bucket: string;
  /** e.g. `ap-guangzhou`. */
  readonly region: string;
  /**
   * `COS_ENDPOINT`. Unset: the real COS, `https://<bucket>.cos.<region>.myqcloud.com`. A host
   * (`cos-internal.ap-guangzhou.tencentcos.cn`, or a template with `{Bucket}` / `{Region}`): HTTPS to
   * that host, with `{Bucket}.` put in front unless it names the bucket itself (COS is addressed by
   * virtual host only). `http(s)://host:port`: a local server such as the emulator, addressed by path
   * (`/<bucket>/<key>`).
   */
  readonly endpoint?: string;
  /** Read before every call, so that rotated execution-role keys are picked up. */
  readonly credentials: () => { secretId: string; secretKey: string; token?: string };
  /** Timeout of one request (one attempt of the SDK). */
  readonly requestTimeoutMs: number;
}

/** A failed COS call: the COS error code (or `NetworkError` / `Timeout` / `HttpError.<status>`), status and RequestId. */
export class StorageError extends CosPurgeError {
  override readonly name = "StorageError";
  /** The SDK method that failed, e.g. `putObject`. */
  readonly operation: string;
  readonly key: string;
  readonly httpStatus?: number;
  /** COS's `x-cos-request-id`, what Tencent Cloud support asks for. */
  readonly requestId?: string;

  constructor(context: {
    readonly operation: string;
    readonly key: string;
    readonly code: string;
    readonly message: string;
    readonly httpStatus?: number | undefined;
    readonly requestId?: string | undefined;
  }) {
    super(`COS ${context.operation} of "${context.key}" failed with ${context.code}: ${context.message}`, {
      code: context.code,
    });
    this.operation = context.operation;
    this.key = context.key;
    if (context.httpStatus !== undefined) this.httpStatus = context.httpStatus;
    if (context.requestId) this.requestId = context.requestId;
  }
}

/** The SDK, loaded on the first call. */
const loadSdk = async () => (await import("cos-nodejs-sdk-v5")).default;
/** What a call does with a client of the SDK. */
type SdkRun<T> = (cos: InstanceType<Awaited<ReturnType<typeof loadSdk>>>) => Promise<T>;

/** GET Bucket returns at most 1,000 keys a page. */
const PAGE_SIZE = 1000;

/**
 * Builds the COS adapter; the SDK loads on the first call. Build one per warm instance.
 * @throws {CosPurgeError} `InvalidCosEndpoint` for an endpoint that is neither a host nor `http(s)://host[:port]`.
 */
export function createCosStore(options: CosStoreOptions): ObjectStore {
  const addressing = addressingFor(options.endpoint);
  const local = isLocalEndpoint(options.endpoint);
  const sdk = onFirstUse(loadSdk);
  const bucket = { Bucket: options.bucket, Region: options.region };

  /** One call with a fresh client: the credentials of this moment, a per-attempt timeout, a deadline. */
  const request = async <T>(
    operation: string,
    key: string,
    timeoutMs: number | undefined,
    run: SdkRun<T>,
  ): Promise<T> => {
    const limit = Math.max(1, Math.min(options.requestTimeoutMs, timeoutMs ?? Number.POSITIVE_INFINITY));
    try {
      const credentials = options.credentials();
      const COS = await sdk();
      const cos = new COS({
        SecretId: credentials.secretId,
        SecretKey: credentials.secretKey,
        ...(credentials.token === undefined ? {} : { SecurityToken: credentials.token }),
        ...addressing,
        Timeout: limit,
      });
      // The SDK's request fork sends through HTTP(S)_PROXY / http(s)_proxy from the environment unless
      // `proxy` is set (cos-request lib/getProxyFromURI.js), and the SDK's own `Proxy` option can only
      // set one. Loopback (the emulator) is never reached through a proxy: an explicit null turns it off.
      if (local) cos.on("before-send", (request: { proxy?: unknown }) => (request.proxy = null));
      return await withDeadline(run(cos), limit, () => ({ operation, key, limit }));
    } catch (error) {
      throw toStorageError(operation, key, error);
    }
  };

  // The bucket's versioning, read once per warm instance before its first use (cos-versioning.ts says
  // why); a failed read is tried again by the next call, a versioned bucket refused by every call but
  // a hint's (object-store.ts `HintOption`), which the check is skipped for.
  const versioning = onFirstUse(async () => {
    try {
      return versioningStatus(
        await request("getBucketVersioning", "", undefined, (cos) => cos.getBucketVersioning(bucket)),
      );
    } catch (error) {
      if (!(error instanceof StorageError) || error.code !== "AccessDenied") throw error;
      throw new StorageError({
        operation: "getBucketVersioning",
        key: "",
        code: error.code,
        message: versioningDenied(options.bucket, error.message),
        httpStatus: error.httpStatus,
        requestId: error.requestId,
      });
    }
  });
  /** A request after the versioning check; `hint` skips it (object-store.ts `HintOption` says when). */
  const call = async <T>(
    operation: string,
    key: string,
    timeoutMs: number | undefined,
    run: SdkRun<T>,
    hint = false,
  ): Promise<T> => {
    if (hint) return request(operation, key, timeoutMs, run);
    const status = await versioning();
    if (status !== "") {
      throw new StorageError({
        operation,
        key,
        code: VERSIONED_BUCKET,
        message: versionedBucket(options, status),
      });
    }
    return request(operation, key, timeoutMs, run);
  };

  return {
    async put(key, body, putOptions = {}) {
      const bytes = Buffer.from(body, "utf8");
      try {
        await call(
          "putObject",
          key,
          putOptions.timeoutMs,
          (cos) =>
            cos.putObject({
              ...bucket,
              Key: key,
              ContentType: "text/plain; charset=utf-8",
              ContentLength: bytes.length,
              ...(putOptions.ifAbsent
                ? { Body: Readable.from([bytes]), Headers: { "x-cos-forbid-overwrite": "true" } }
                : { Body: bytes }),
            }),
          putOptions.hint === true && putOptions.ifAbsent !== true,
        );
        return true;
      } catch (error) {
        // The code COS gives a refused create-only PUT is unconfirmed (409 FileAlreadyExists is
        // expected, see src/emulator/cos/errors.ts): any 409 on an ifAbsent write means the key exists.
        if (putOptions.ifAbsent && error instanceof StorageError && error.httpStatus === 409) return false;
        throw error;
      }
    },

    async get(key, getOptions = {}) {
      try {
        const result = await call("getObject", key, getOptions.timeoutMs, (cos) =>
          cos.getObject({ ...bucket, Key: key }),
        );
        return result.Body.toString("utf8");
      } catch (error) {
        if (error instanceof StorageError && error.code === "NoSuchKey") return undefined;
        throw error;
      }
    },

    async delete(key, deleteOptions = {}) {
      const result = await call("deleteObject", key, deleteOptions.timeoutMs, (cos) =>
        cos.deleteObject({ ...bucket, Key: key }),
      );
      // COS answers 204 for a key that does not exist; the SDK turns any 404 (a missing bucket) into a
      // success flagged BucketNotFound, which must not pass for a delete.
      if ((result as { BucketNotFound?: boolean }).BucketNotFound) {
        throw new StorageError({
          operation: "deleteObject",
          key,
          code: "NoSuchBucket",
          message: `bucket ${options.bucket} (${options.region}) does not exist or is not reachable at this endpoint`,
          httpStatus: 404,
        });
      }
    },

    async deleteMany(keys, deleteOptions = {}) {
      await deleteInBatches(
        keys,
        (batch) =>
          call("deleteMultipleObject", batch[0] ?? "", deleteOptions.timeoutMs, (cos) =>
            cos.deleteMultipleObject({ ...bucket, Quiet: false, Objects: batch.map((Key) => ({ Key })) }),
          ),
        (error, batch) => toStorageError("deleteMultipleObject", batch[0] ?? "", error),
      );
    },

    async list(prefix, listOptions = {}) {
      // With timeoutMs, the whole listing (every page) must end within it; each page gets what is left.
      const deadline = listOptions.timeoutMs === undefined ? undefined : Date.now() + listOptions.timeoutMs;
      const entries: ListedObject[] = [];
      const maxKeys = listOptions.maxKeys ?? Number.POSITIVE_INFINITY;
      for (let marker = listOptions.after ?? ""; ; ) {
        const left = deadline === undefined ? undefined : deadline - Date.now();
        if (left !== undefined && left <= 0) {
          throw new StorageError({
            operation: "getBucket",
            key: prefix,
            code: TRANSPORT_CODES.timeout,
            message: `listing did not finish within ${listOptions.timeoutMs} ms (${entries.length} keys read)`,
          });
        }
        const page = await call(
          "getBucket",
          prefix,
          left,
          (cos) =>
            // encoding-type=url: keys come back percent-encoded, so any key survives the XML.
            cos.getBucket({
              ...bucket,
              Prefix: prefix,
              Marker: marker,
              MaxKeys: Math.max(1, Math.min(PAGE_SIZE, maxKeys - entries.length)),
              EncodingType: "url",
            }),
          listOptions.hint === true,
        );
        const keys = page.Contents.map((object) => ({
          key: decodeURIComponent(object.Key),
          size: Number(object.Size),
          lastModified: Date.parse(object.LastModified),
          // What lets the backlog trust a queue entry's copy in its key without a GET (backlog.ts).
          ...(typeof object.ETag === "string" && object.ETag !== "" ? { etag: object.ETag } : {}),
        }));
        entries.push(...keys); // a page: at most 1,000 arguments
        const last = keys.at(-1);
        // The next page starts after the last key listed (which is what NextMarker holds, GET Bucket reference).
        const done = String(page.IsTruncated) !== "true" || entries.length >= maxKeys;
        if (done || last === undefined) return entries;
        marker = last.key;
      }
    },
  };
}

/** Rejects with a Timeout once `ms` have passed; the SDK offers no way to cancel, so a late answer is ignored. */
function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  describe: () => { operation: string; key: string; limit: number },
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const { operation, key, limit } = describe();
      reject(
        new StorageError({
          operation,
          key,
          code: TRANSPORT_CODES.timeout,
          message: `no answer within ${limit} ms`,
        }),
      );
    }, ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/**
 * Normalises what the SDK rejected with. A COS error carries `code` (the XML `Code`), `statusCode` and
 * the `x-cos-request-id` header; a bare status (no XML, e.g. HEAD or a gateway) a numeric `code`; a
 * network error or timeout no status. Only code, message and request id are copied, never the thrown
 * object (it holds the request URL and headers), and SecretIds are masked in the message all the same.
 */
export function toStorageError(operation: string, key: string, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const fields = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const message = String(redact(text(fields.message) ?? String(error)));
  const headers = (
    typeof fields.headers === "object" && fields.headers !== null ? fields.headers : {}
  ) as Record<string, unknown>;
  const requestId = text(headers["x-cos-request-id"]);
  const status = typeof fields.statusCode === "number" ? fields.statusCode : undefined;
  const code = text(fields.code);
  if (error instanceof CosPurgeError) return new StorageError({ operation, key, code: error.code, message });
  if (status !== undefined) {
    const cosCode = code !== undefined && !/^\d+$/.test(code) ? code : `HttpError.${status}`;
    return new StorageError({ operation, key, code: cosCode, message, httpStatus: status, requestId });
  }
  const timedOut = /TIMEDOUT|timeout/i.test(`${code ?? ""} ${message}`);
  return new StorageError({
    operation,
    key,
    code: timedOut ? TRANSPORT_CODES.timeout : TRANSPORT_CODES.network,
    message,
  });
}
