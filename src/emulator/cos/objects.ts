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

/** Objects per bucket, listed in UTF-8 byte order as GET Bucket lists them. */
export class CosObjects {
  readonly #buckets = new Map<string, Map<string, StoredObject>>();
  readonly #versioning = new Map<string, BucketVersioning>();

  /** What PutBucketVersioning set on `bucket`, if it was called. */
  versioningOf(bucket: string): BucketVersioning | undefined {
    return this.#versioning.get(bucket);
  }

  setVersioning(bucket: string, status: BucketVersioning): void {
    this.#versioning.set(bucket, status);
  }

  get(bucket: string, key: string): StoredObject | undefined {
    return this.#buckets.get(bucket)?.get(key);
  }

  put(bucket: string, key: string, body: Buffer, contentType: string, now: number): StoredObject {
    const etag = `"${createHash("md5").update(body).digest("hex")}"`;
    const object: StoredObject = { bucket, key, body, etag, lastModified: now, contentType };
    let objects = this.#buckets.get(bucket);
    if (objects === undefined) {
      objects = new Map();
      this.#buckets.set(bucket, objects);
    }
    objects.set(key, object);
    return object;
  }

  /** Whether there was such an object. */
  delete(bucket: string, key: string): boolean {
    return this.#buckets.get(bucket)?.delete(key) ?? false;
  }

  /** The objects of `bucket` (or of every bucket) whose key starts with `prefix`, in key order. */
  list(bucket?: string, prefix = ""): StoredObject[] {
    const buckets = bucket === undefined ? [...this.#buckets.values()] : [this.#buckets.get(bucket)];
    return buckets
      .flatMap((objects) => [...(objects?.values() ?? [])])
      .filter((object) => object.key.startsWith(prefix))
      .sort((a, b) => a.bucket.localeCompare(b.bucket) || compareKeys(a.key, b.key));
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
