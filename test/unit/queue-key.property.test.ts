/**
 * A queue entry's key carries its body when it fits (entries.ts `queueKey`), and the backlog takes an
 * entry from its key only when the listed ETag proves the object holds that body (backlog.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import {
  type BacklogEntry,
  bodyFromKey,
  keyTime,
  QUEUE_KEY_MAX_BYTES,
  queueKey,
  readEntry,
  recordKey,
} from "../../src/backlog/entries";
import type { ListOptions } from "../../src/backlog/store";
import { FakeClock } from "../support/fake-clock";
import { MemoryStore } from "../support/memory-store";

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/** Text of any Unicode (no lone surrogates: JSON.stringify would escape them, COS keys cannot hold them). */
const text = (maxLength: number) => fc.string({ unit: "grapheme", maxLength, size: "large" });
const entry = fc.record({
  provider: fc.constantFrom("edgeone" as const, "cdn" as const),
  // Long scopes and many, long, Unicode URLs: some entries fit in a key, others do not.
  scope: fc.oneof({ arbitrary: fc.constantFrom("zone-2abc", "overseas"), weight: 3 }, text(300)),
  type: fc.constantFrom(undefined, "purge_url" as const, "purge_prefix" as const, "prefetch_url" as const),
  targets: fc.array(
    text(120).map((path) => `https://www.example.com/${path}`),
    { minLength: 1, maxLength: 4 },
  ),
  reason: fc.constantFrom("Queued", "QuotaExhausted", "RequestLimitExceeded"),
  message: fc.oneof({ arbitrary: fc.constant(""), weight: 3 }, text(200)),
  firstDeferredAt: fc.integer({ min: 0, max: 9_999_999_999_999 }),
  deferredAt: fc.integer({ min: 0, max: 9_999_999_999_999 }),
  tries: fc.nat(50),
  origin: fc.oneof(fc.uuid(), fc.constant("")),
});
/** Any backlog folder, Unicode too, short enough that the plain key always fits. */
const prefix = fc.oneof(
  fc.constant(".cos-purge/"),
  text(20).map((folder) => `${folder.replace(/\//g, "")}/`),
);
const stamp = fc.integer({ min: 0, max: 9_999_999_999_999 });
const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe("queueKey, for any entry", () => {
  it("round-trips the exact body through the key within the bound, or gives the plain key", () => {
    const shapes = { carrying: 0, plain: 0 };
    fc.assert(
      fc.property(entry, prefix, stamp, random, (generated, folder, now, draw) => {
        const { type, ...rest } = generated;
        const record: BacklogEntry = type === undefined ? rest : { ...rest, type };
        const body = JSON.stringify(record);
        const key = queueKey(folder, body, now, () => draw);

        expect(bytes(key)).toBeLessThanOrEqual(QUEUE_KEY_MAX_BYTES);
        expect(key.startsWith(`${folder}queue/`)).toBe(true);
        expect(keyTime(key)).toBe(now);
        const carried = bodyFromKey(key);
        if (carried === undefined) {
          shapes.plain += 1;
          expect(key).toBe(recordKey(folder, "queue/", now, () => draw));
          // Plain only when the body could not fit.
          expect(bytes(key) + 1 + Buffer.from(body).toString("base64url").length).toBeGreaterThan(
            QUEUE_KEY_MAX_BYTES,
          );
        } else {
          shapes.carrying += 1;
          expect(carried).toBe(body);
          expect(readEntry(carried)).toEqual(record);
        }
      }),
      { numRuns: 400 },
    );
    // Both shapes were met, so neither branch above went untested.
    expect(shapes.carrying).toBeGreaterThan(20);
    expect(shapes.plain).toBeGreaterThan(20);
  });
});

describe("keyTime and bodyFromKey", () => {
  const time = 1_700_000_000_123;
  const carrying = queueKey(".cos-purge/", '{"a":1}', time, () => 0.5);

  it("read the time from plain and carrying keys, and the body only from a carrying one", () => {
    expect(carrying).toBe(".cos-purge/queue/1700000000123-80000000.eyJhIjoxfQ.json");
    expect(keyTime(carrying)).toBe(time);
    expect(bodyFromKey(carrying)).toBe('{"a":1}');
    const plain = recordKey(".cos-purge/", "sent/", time, () => 0.5);
    expect(keyTime(plain)).toBe(time);
    expect(bodyFromKey(plain)).toBeUndefined();
  });

  it("find neither in keys not made by recordKey or queueKey", () => {
    for (const key of [
      ".cos-purge/queue/notes.txt",
      ".cos-purge/queue/1700000000123-80000000.e+J=.json",
      ".cos-purge/queue/1700000000123-80000000..json",
      ".cos-purge/queue/1700000000123-8000000.json",
    ]) {
      expect([keyTime(key), bodyFromKey(key)]).toEqual([undefined, undefined]);
    }
  });
});

describe("Backlog reads a queue entry from its key only when the listed ETag proves it current", () => {
  const queued = (targets: string[]): BacklogEntry => ({
    provider: "edgeone",
    scope: "zone-1",
    targets,
    reason: "Queued",
    message: "",
    firstDeferredAt: 1,
    deferredAt: 1,
    tries: 0,
    origin: "test",
  });
  const setup = (store: MemoryStore, clock: FakeClock) =>
    new Backlog({ store, prefix: ".cos-purge/", clock, timeoutMs: 1_000 });
  const gets = (store: MemoryStore) => store.ops.filter((op) => op.op === "get").map((op) => op.key);

  it("reads fresh entries with no GET, and one rewritten in place with a GET, as rewritten", async () => {
    const clock = new FakeClock();
    const store = new MemoryStore(clock);
    const backlog = setup(store, clock);
    const first = await backlog.add(queued(["https://a/1"]));
    clock.advance(1);
    const second = await backlog.add(queued(["https://a/2"]));
    await backlog.rewrite(second, queued(["https://a/3"]));

    const { entries } = await backlog.readQueue();

    expect(entries).toEqual([
      { key: first, record: queued(["https://a/1"]) },
      { key: second, record: queued(["https://a/3"]) },
    ]);
    expect(gets(store)).toEqual([second]);
  });

  it("reads every entry with a GET from a store whose listing has no ETag or another kind of ETag", async () => {
    const clock = new FakeClock();
    for (const etag of [undefined, '"0123456789abcdef0123456789abcdef-2"']) {
      const store = new (class extends MemoryStore {
        override async list(folder: string, options?: ListOptions) {
          return (await super.list(folder, options)).map(({ etag: _etag, ...listed }) =>
            etag === undefined ? listed : { ...listed, etag },
          );
        }
      })(clock);
      const backlog = setup(store, clock);
      const key = await backlog.add(queued(["https://a/1"]));

      const { entries } = await backlog.readQueue();

      expect(entries).toEqual([{ key, record: queued(["https://a/1"]) }]);
      expect(gets(store)).toEqual([key]);
    }
  });
});
