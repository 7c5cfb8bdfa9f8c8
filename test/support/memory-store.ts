import {
  type KeyNotDeleted,
  KeysNotDeletedError,
  type ListedObject,
  type ListOptions,
  type ObjectStore,
  simplePutEtag,
} from "../../src/backlog/store";
import type { Clock } from "../../src/foundation/clock";
import { CosPurgeError } from "../../src/foundation/errors";

export interface StoreOp {
  /** `deleteMany` is one request for many keys (its first key in `key`); `delete` one key, alone or in it. */
  readonly op: "put" | "get" | "delete" | "deleteMany" | "list";
  readonly key: string;
}

/**
 * An `ObjectStore` in memory, with COS's semantics (forbid-overwrite, list in key order, a batch
 * delete answered per key) and scripted failures: for the pure drain logic and property tests. As on
 * the emulator, `failWith` sees a `deleteMany` once as the request (failing it whole) and then each
 * of its keys as a `delete` (failing that key alone). The COS adapter itself is tested against the
 * emulator (test/integration/cos-store.test.ts).
 */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, { body: string; lastModified: number }>();
  readonly ops: StoreOp[] = [];
  /** Return an Error to make that operation fail (before it takes effect). */
  failWith: ((op: StoreOp) => Error | undefined) | undefined;

  constructor(private readonly clock: Clock) {}

  async put(key: string, body: string, options: { ifAbsent?: boolean } = {}): Promise<boolean> {
    await this.step({ op: "put", key });
    if (options.ifAbsent && this.objects.has(key)) return false;
    this.objects.set(key, { body, lastModified: this.clock.now() });
    return true;
  }

  async get(key: string): Promise<string | undefined> {
    await this.step({ op: "get", key });
    return this.objects.get(key)?.body;
  }

  async delete(key: string): Promise<void> {
    await this.step({ op: "delete", key });
    this.objects.delete(key);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) return;
    try {
      await this.step({ op: "deleteMany", key: unique[0] as string });
    } catch (error) {
      const code = (error as { code?: string }).code ?? "InternalError";
      throw new KeysNotDeletedError(
        unique.map((key) => ({ key, code, message: String(error) })),
        unique.length,
      );
    }
    const notDeleted: KeyNotDeleted[] = [];
    for (const key of unique) {
      const error = this.failWith?.({ op: "delete", key });
      if (error === undefined) this.objects.delete(key);
      else
        notDeleted.push({
          key,
          code: (error as { code?: string }).code ?? "InternalError",
          message: error.message,
        });
    }
    if (notDeleted.length > 0) throw new KeysNotDeletedError(notDeleted, unique.length);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListedObject[]> {
    await this.step({ op: "list", key: prefix });
    const after = options.after ?? "";
    return (
      [...this.objects.entries()]
        .filter(([key]) => key.startsWith(prefix) && key > after)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, options.maxKeys ?? Number.POSITIVE_INFINITY)
        // The ETag as COS lists an object written by one PUT (the emulator's too: src/emulator/cos/objects.ts).
        .map(([key, { body, lastModified }]) => ({
          key,
          size: Buffer.byteLength(body, "utf8"),
          lastModified,
          etag: simplePutEtag(body),
        }))
    );
  }

  keys(prefix = ""): string[] {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  private async step(op: StoreOp): Promise<void> {
    this.ops.push(op);
    await Promise.resolve();
    const error = this.failWith?.(op);
    if (error) throw error;
  }
}

/** What the COS adapter throws, for scripted failures. */
export function storageError(code = "InternalError"): Error {
  return new CosPurgeError(`fake COS ${code}`, { code });
}
