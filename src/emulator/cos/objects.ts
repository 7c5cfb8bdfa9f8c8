/**
 * The objects of the emulated buckets, and the versioning PutBucketVersioning set, in memory. They
 * outlive `reset()` (a backlog kept in COS is state a test sets up on purpose); `reset({ cos: true })`
 * forgets them.
 */

import { createHash } from "node:crypto";
import type { BucketVersioning } from "../config";

export interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly body: Buffer;
  /** `"<md5 hex>"`, quotes included, as COS sends it for a simple upload. */
  readonly etag: string;
  /** ms since the epoch, by the emulator clock. */
  readonly lastModified: number;
  readonly contentType: string;
}

/**
 * One bucket's objects, and their keys kept sorted: a listing is a binary search and a walk, not a sort
 * of the whole bucket per GET Bucket page (a 100,000-entry backlog listed a page at a time made that
 * quadratic: `npm run bench -- --only backlog`).
 */
class BucketObjects {
  readonly byKey = new Map<string, StoredObject>();
  readonly #sorted: string[] = [];

  put(object: StoredObject): void {
    if (!this.byKey.has(object.key)) this.#sorted.splice(this.#firstAtOrAfter(object.key), 0, object.key);
    this.byKey.set(object.key, object);
  }

  delete(key: string): boolean {
    if (!this.byKey.delete(key)) return false;
    this.#sorted.splice(this.#firstAtOrAfter(key), 1);
    return true;
  }

  /** Up to `limit` objects whose key starts with `prefix` and sorts after `after`, in key order. */
  list(prefix: string, after: string, limit: number): StoredObject[] {
    const objects: StoredObject[] = [];
    const from = Math.max(this.#firstAtOrAfter(prefix), after === "" ? 0 : this.#firstAfter(after));
    // Keys sharing a prefix are contiguous in byte order: the walk stops at the first that does not.
    for (let i = from; i < this.#sorted.length && objects.length < limit; i += 1) {
      const key = this.#sorted[i] as string;
      if (!key.startsWith(prefix)) break;
      objects.push(this.byKey.get(key) as StoredObject);
    }
    return objects;
  }

  /** Index of the first key not before `key`. */
  #firstAtOrAfter(key: string): number {
    return this.#search((other) => compareKeys(other, key) < 0);
  }

  /** Index of the first key after `key`. */
  #firstAfter(key: string): number {
    return this.#search((other) => compareKeys(other, key) <= 0);
  }

  /** The first index whose key is not `before` (binary search; `before` holds for a prefix of the keys). */
  #search(before: (key: string) => boolean): number {
    let low = 0;
    let high = this.#sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (before(this.#sorted[middle] as string)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** Objects per bucket, listed in UTF-8 byte order as GET Bucket lists them. */
export class CosObjects {
  readonly #buckets = new Map<string, BucketObjects>();
  readonly #versioning = new Map<string, BucketVersioning>();

  /** What PutBucketVersioning set on `bucket`, if it was called. */
  versioningOf(bucket: string): BucketVersioning | undefined {
    return this.#versioning.get(bucket);
  }

  setVersioning(bucket: string, status: BucketVersioning): void {
    this.#versioning.set(bucket, status);
  }

  get(bucket: string, key: string): StoredObject | undefined {
    return this.#buckets.get(bucket)?.byKey.get(key);
  }

  put(bucket: string, key: string, body: Buffer, contentType: string, now: number): StoredObject {
    const etag = `"${createHash("md5").update(body).digest("hex")}"`;
    const object: StoredObject = { bucket, key, body, etag, lastModified: now, contentType };
    let objects = this.#buckets.get(bucket);
    if (objects === undefined) {
      objects = new BucketObjects();
      this.#buckets.set(bucket, objects);
    }
    objects.put(object);
    return object;
  }

  /** Whether there was such an object. */
  delete(bucket: string, key: string): boolean {
    return this.#buckets.get(bucket)?.delete(key) ?? false;
  }

  /** The objects of `bucket` (or of every bucket) whose key starts with `prefix`, in key order. */
  list(bucket?: string, prefix = ""): StoredObject[] {
    const names =
      bucket === undefined ? [...this.#buckets.keys()].sort((a, b) => a.localeCompare(b)) : [bucket];
    return names.flatMap((name) => this.#buckets.get(name)?.list(prefix, "", Number.POSITIVE_INFINITY) ?? []);
  }

  /** One GET Bucket page: up to `limit` keys of `bucket` under `prefix` after `marker` ("" = from the start). */
  page(bucket: string, prefix: string, marker: string, limit: number): StoredObject[] {
    return this.#buckets.get(bucket)?.list(prefix, marker, limit) ?? [];
  }

  clear(): void {
    this.#buckets.clear();
    this.#versioning.clear();
  }
}

/** UTF-8 byte order ("UTF-8 lexicographical order", GET Bucket reference), not UTF-16 code units. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
