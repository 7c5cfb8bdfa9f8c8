/**
 * The backlog: targets that could not be purged now, kept as objects in COS until a drain purges them.
 *
 * An invocation defers what its lane's daily quota, the rate limit, a provider outage or its deadline
 * kept it from purging (`defer`); the drain (drain.ts) reads the queue back, purges, and rewrites or
 * deletes each entry only after the provider accepted its targets. The record formats are in entries.ts.
 */

import type { Clock } from "../foundation/clock";
import { laneKeyOf } from "../foundation/lane";
import type { LaneKey } from "../foundation/model";
import {
  type BacklogEntry,
  bodyFromKey,
  FOLDERS,
  keyStamp,
  queueKey,
  readEntry,
  readSent,
  recordKey,
  type SentRecord,
} from "./entries";
import { type ListedObject, mapLimit, type ObjectStore, simplePutEtag } from "./store";

/** COS requests in flight at once while reading or rewriting many records. */
export const STORE_CONCURRENCY = 16;

/** Queue keys a drain reads at a time: one GET Bucket page (COS lists at most 1,000 keys a page). */
export const QUEUE_PAGE_SIZE = 1_000;

/** A page of the queue as `Backlog.readQueuePage` read it. */
export interface QueuePage {
  /** The keys read, in key order. */
  readonly listed: readonly ListedObject[];
  readonly entries: Stored<BacklogEntry>[];
  readonly unreadable: Unreadable[];
  /** Keys are left after the last one read: the next page starts after it. */
  readonly more: boolean;
}

/** Targets of one lane deferred for one reason. */
export interface Deferral extends LaneKey {
  readonly targets: readonly string[];
  readonly reason: string;
  readonly message: string;
  /** Set for a call sent and never answered (`OutcomeUnknown`): when it was sent. */
  readonly sentAt?: number;
}

export interface Stored<T> {
  readonly key: string;
  readonly record: T;
}

/** A record this version could not read: reported, left in place. */
export interface Unreadable {
  readonly key: string;
  readonly problem: string;
}

export interface BacklogOptions {
  readonly store: ObjectStore;
  /** Folder of the bucket, ending in `/` (default `.cos-purge/`). */
  readonly prefix: string;
  readonly clock: Clock;
  /** Timeout of one COS call. */
  readonly timeoutMs: number;
  /** For record keys; default `Math.random`. */
  readonly random?: () => number;
}

/** Where the backlog lives, for messages: `cos://bucket/prefix`. */
export interface BacklogLocation {
  readonly bucket: string;
  readonly region: string;
  readonly prefix: string;
}

export class Backlog {
  readonly prefix: string;
  private readonly store: ObjectStore;
  private readonly clock: Clock;
  private readonly call: { readonly timeoutMs: number };
  private readonly random: () => number;

  constructor(options: BacklogOptions) {
    this.store = options.store;
    this.prefix = options.prefix;
    this.clock = options.clock;
    this.call = { timeoutMs: options.timeoutMs };
    this.random = options.random ?? Math.random;
  }

  /** The store, for leases and claims under this backlog's prefix. */
  get objects(): ObjectStore {
    return this.store;
  }

  /**
   * Writes one queue entry per deferral (lane and reason). Resolves once every entry is stored;
   * rejects if any write failed (entries already written stay: a retry of the invocation then writes
   * the rest again, and the drain deduplicates).
   */
  async defer(deferrals: readonly Deferral[], origin: string): Promise<string[]> {
    const now = this.clock.now();
    const unanswered = deferrals.filter(
      (deferral) => deferral.sentAt !== undefined && deferral.targets.length > 0,
    );
    const entries = deferrals
      .filter((deferral) => deferral.sentAt === undefined && deferral.targets.length > 0)
      .map(
        ({ targets, reason, message, sentAt: _sentAt, ...lane }): BacklogEntry => ({
          ...laneKeyOf(lane),
          targets: [...targets],
          reason,
          message,
          firstDeferredAt: now,
          deferredAt: now,
          tries: 0,
          origin,
        }),
      );
    const stored = [
      ...entries.map((entry) => () => this.add(entry)),
      ...unanswered.map((deferral) => () => this.deferUnanswered(deferral, deferral.sentAt ?? now)),
    ];
    return mapLimit(stored, STORE_CONCURRENCY, (write) => write());
  }

  /**
   * Keeps the targets of a call that was sent and never answered as a sent record: the next drain
   * looks for its task, and queues only what the provider did not receive (journal.ts), so that a
   * purge that did happen is not made twice.
   */
  async deferUnanswered(deferral: Deferral, sentAt: number): Promise<string> {
    const { targets, reason: _reason, message: _message, sentAt: _sentAt, ...lane } = deferral;
    return this.writeSent({
      ...laneKeyOf(lane),
      targets: [...targets],
      covers: [...targets],
      entryKeys: [],
      createdAt: sentAt,
      requeueIfMissing: true,
    });
  }

  /** Writes a new queue entry, a copy of it in its key when that fits (`queueKey`); returns its key. */
  async add(entry: BacklogEntry): Promise<string> {
    const body = JSON.stringify(entry);
    const key = queueKey(this.prefix, body, this.clock.now(), this.random);
    await this.store.put(key, body, this.call);
    return key;
  }

  /**
   * Queue keys with their size and age, without reading the entries (one LIST per 1000): every key, or
   * the first `maxKeys` of those queued after `after` (epoch ms: keys sort by their time stamp), which a
   * look for fresh uploads lists in one small request however long the queue is.
   */
  async listQueue(
    range: { readonly after?: number; readonly maxKeys?: number } = {},
  ): Promise<ListedObject[]> {
    const folder = `${this.prefix}${FOLDERS.queue}`;
    return this.store.list(folder, {
      ...this.call,
      ...(range.after === undefined ? {} : { after: `${folder}${keyStamp(range.after + 1)}` }),
      ...(range.maxKeys === undefined ? {} : { maxKeys: range.maxKeys }),
    });
  }

  /** Reads queue entries (all, or the listed ones). */
  async readQueue(listed?: readonly ListedObject[]): Promise<{
    entries: Stored<BacklogEntry>[];
    unreadable: Unreadable[];
  }> {
    return this.readAll(listed ?? (await this.listQueue()), readEntry);
  }

  /**
   * One page of the queue: up to `QUEUE_PAGE_SIZE` keys after `after`, read in key order until
   * `readUntil` (epoch ms): no read starts later, so a long queue never holds a drain past its deadline.
   * `listed` are the keys read (a prefix of the page); `more` says whether keys are left after them.
   */
  async readQueuePage(after: string | undefined, readUntil: number): Promise<QueuePage> {
    const page = await this.store.list(`${this.prefix}${FOLDERS.queue}`, {
      ...this.call,
      ...(after === undefined ? {} : { after }),
      maxKeys: QUEUE_PAGE_SIZE,
    });
    const { entries, unreadable, read } = await this.readAll(
      page,
      readEntry,
      () => this.clock.now() > readUntil,
    );
    const listed = page.slice(0, read);
    return { listed, entries, unreadable, more: read < page.length || page.length === QUEUE_PAGE_SIZE };
  }

  /** Reads the records of submitted targets that await confirmation. */
  async readSent(): Promise<{ entries: Stored<SentRecord>[]; unreadable: Unreadable[] }> {
    return this.readAll(await this.store.list(`${this.prefix}${FOLDERS.sent}`, this.call), readSent);
  }

  /** Writes a sent record under a new key, or rewrites it under `key`. */
  async writeSent(record: SentRecord, key?: string): Promise<string> {
    const at = key ?? recordKey(this.prefix, FOLDERS.sent, record.createdAt, this.random);
    await this.store.put(at, JSON.stringify(record), this.call);
    return at;
  }

  /** Rewrites an entry in place (the drain, holding the lease, is the only writer of existing keys). */
  async rewrite(key: string, entry: BacklogEntry): Promise<void> {
    await this.store.put(key, JSON.stringify(entry), this.call);
  }

  async remove(key: string): Promise<void> {
    await this.store.delete(key, this.call);
  }

  /**
   * Deletes records in as few requests as COS allows (1,000 keys each): one request where deleting
   * each alone cost one per record. Rejects with `KeysNotDeletedError` naming those not deleted.
   */
  async removeAll(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.store.deleteMany(keys, this.call);
  }

  /**
   * Removes `done` targets from the entries at `keys`: an entry left empty is deleted (all of them in
   * one batch, after the rewrites), one that lost targets is rewritten, others are not touched.
   * Idempotent, so a drain that died half-way can redo it.
   */
  async removeTargets(keys: readonly string[], done: ReadonlySet<string>): Promise<void> {
    const emptied: string[] = [];
    await mapLimit(keys, STORE_CONCURRENCY, async (key) => {
      const text = await this.store.get(key, this.call);
      if (text === undefined) return;
      const entry = readEntry(text);
      if (typeof entry === "string") return;
      const left = entry.targets.filter((target) => !done.has(target));
      if (left.length === entry.targets.length) return;
      if (left.length === 0) emptied.push(key);
      else await this.rewrite(key, { ...entry, targets: left });
    });
    await this.removeAll(emptied);
  }

  /**
   * Reads the listed records, at most `STORE_CONCURRENCY` at once; once `stop()` is true no further
   * read starts, and `read` counts the records read (always the first ones listed, as reads start in order).
   * A record whose key carries its body is read from the key when the listing proves it current.
   */
  private async readAll<T>(
    listed: readonly ListedObject[],
    read: (text: string) => T | string,
    stop: () => boolean = () => false,
  ): Promise<{ entries: Stored<T>[]; unreadable: Unreadable[]; read: number }> {
    const entries: Stored<T>[] = [];
    const unreadable: Unreadable[] = [];
    let stopAt = listed.length;
    const bodies = await mapLimit(listed, STORE_CONCURRENCY, async (object, index) => {
      // Time only moves forward: every read after the first one skipped is skipped too.
      if (index >= stopAt || stop()) {
        stopAt = Math.min(stopAt, index);
        return undefined;
      }
      return currentBodyInKey(object) ?? this.store.get(object.key, this.call);
    });
    listed.slice(0, stopAt).forEach((object, index) => {
      const text = bodies[index];
      // Deleted between the listing and the read: another drain finished it.
      if (text === undefined) return;
      const record = read(text);
      if (typeof record === "string") unreadable.push({ key: object.key, problem: record });
      else entries.push({ key: object.key, record });
    });
    return { entries, unreadable, read: stopAt };
  }
}

/**
 * The body a listed queue entry's key carries, when its listed ETag is that body's MD5: then the object
 * holds exactly that text, and the GET that would read it is saved (a third of a queued upload's COS
 * requests, and the seconds a drain of thousands spends before its purge call). Anything else (no ETag
 * listed, an entry rewritten in place since its key was made, a multipart or encrypted object's ETag, a
 * key that is not a `queueKey`) is `undefined`: the object is read, as before keys carried bodies.
 */
function currentBodyInKey(object: ListedObject): string | undefined {
  if (object.etag === undefined) return undefined;
  const body = bodyFromKey(object.key);
  return body !== undefined && simplePutEtag(body) === object.etag ? body : undefined;
}
