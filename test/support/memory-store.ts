import type { ListedObject, ListOptions, ObjectStore } from "../../src/backlog/store";
import type { Clock } from "../../src/foundation/clock";
import { CosPurgeError } from "../../src/foundation/errors";

export interface StoreOp {
  readonly op: "put" | "get" | "delete" | "list";
  readonly key: string;
}

/**
 * An `ObjectStore` in memory, with COS's semantics (forbid-overwrite, list in key order) and scripted
 * failures: for the pure drain logic and property tests. The COS adapter itself is tested against the
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

  async list(prefix: string, options: ListOptions = {}): Promise<ListedObject[]> {
    await this.step({ op: "list", key: prefix });
    const after = options.after ?? "";
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix) && key > after)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, options.maxKeys ?? Number.POSITIVE_INFINITY)
      .map(([key, { body, lastModified }]) => ({ key, size: body.length, lastModified }));
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
