/**
 * What the backlog needs of object storage: a handful of operations on whole small objects. The COS
 * adapter (providers/cos.ts, `cos-nodejs-sdk-v5`) implements it; tests use an in-memory one.
 */
import { createHash } from "node:crypto";
import { CosPurgeError } from "./errors";

/** One object as listed: key, size in bytes, last-modified epoch ms, and ETag when the listing gave one. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: number;
  /** As GET Bucket lists it, quotes included: `simplePutEtag(body)` for an object written by one PUT. */
  readonly etag?: string;
}

/**
 * The ETag COS gives an object written by one simple PUT: the MD5 of its bytes in hex, in double quotes
 * (COS common response headers, 436/7729). Multipart uploads and some server-side encryption get other
 * ETags: a caller comparing with it must treat a mismatch as "unknown", never as "different".
 */
export const simplePutEtag = (body: string): string =>
  `"${createHash("md5").update(body, "utf8").digest("hex")}"`;

export interface StoreCallOptions {
  readonly timeoutMs?: number;
}

/**
 * For a write or listing of hints, objects no guarantee of the backlog rests on (busy marks: a wrong or
 * missing one only changes how `auto` routes an upload). The COS adapter then skips its check of the
 * bucket's versioning (providers/cos-versioning.ts), which only create-once writes need: an instance that
 * only leaves and reads busy marks pays two requests, not three. A create-once write is checked anyway.
 */
export interface HintOption {
  readonly hint?: boolean;
}

/** A listing that starts after a key and stops after a number of keys: one page of a long folder. */
export interface ListOptions extends StoreCallOptions, HintOption {
  /** Only keys after this one, in key order (GET Bucket's `marker`). */
  readonly after?: string;
  /** At most this many keys; no further page is requested once they are listed. */
  readonly maxKeys?: number;
}

/** A key `deleteMany` did not delete, with why (the COS code, e.g. `AccessDenied`, or the request's failure). */
export interface KeyNotDeleted {
  readonly key: string;
  readonly code: string;
  readonly message: string;
}

/**
 * Some keys of a `deleteMany` were not deleted. The keys it does not name were: a caller may act on
 * those (entries settled) and leave the rest for the next drain, which finds them again.
 */
export class KeysNotDeletedError extends CosPurgeError {
  override readonly name = "KeysNotDeletedError";

  constructor(
    readonly notDeleted: readonly KeyNotDeleted[],
    readonly of: number,
  ) {
    const first = notDeleted[0];
    super(
      `COS deleted ${of - notDeleted.length} of ${of} keys; not deleted: ${notDeleted.length}` +
        (first === undefined ? "" : `, the first "${first.key}" with ${first.code}: ${first.message}`),
      { code: first?.code ?? "InternalError" },
    );
  }
}

/** A bucket, reached with the function's credentials. Every failure throws (see `StorageError`). */
export interface ObjectStore {
  /**
   * Writes `body` under `key`. With `ifAbsent`, COS's `x-cos-forbid-overwrite: true` makes the write
   * refuse to replace an existing key, and the call resolves `false`: the one atomic "create once" COS
   * offers, on which leases and once-only markers rest.
   */
  put(
    key: string,
    body: string,
    options?: StoreCallOptions & HintOption & { readonly ifAbsent?: boolean },
  ): Promise<boolean>;
  /** The object's body, or `undefined` when there is no such key. */
  get(key: string, options?: StoreCallOptions): Promise<string | undefined>;
  /** Deletes `key`; resolves also when it did not exist. */
  delete(key: string, options?: StoreCallOptions): Promise<void>;
  /**
   * Deletes every key of `keys` (COS: DELETE Multiple Objects, 1,000 keys a request), a missing key
   * counting as deleted. Resolves only when every key is gone; otherwise rejects, once every request
   * has been tried, with a {@link KeysNotDeletedError} naming each key not deleted (all others were).
   */
  deleteMany(keys: readonly string[], options?: StoreCallOptions): Promise<void>;
  /** The keys under `prefix` in key order: all pages, or those `options` select. */
  list(prefix: string, options?: ListOptions): Promise<ListedObject[]>;
}
