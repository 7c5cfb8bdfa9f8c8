/**
 * The drain reads the queue a page at a time within its deadline, and leaves alone the entries of a
 * provider it has no settings for (issue 13, rows 2, 8 and 9).
 */
import { describe, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import type { ListOptions } from "../../src/backlog/store";
import { type DrainDeps, drainBacklog } from "../../src/drain/drain";
import { QuotaBook } from "../../src/execute/quota";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { createLogger } from "../../src/foundation/log";
import type { Provider, Purger } from "../../src/foundation/model";
import { FakeClock } from "../support/fake-clock";
import { DEFAULT_QUOTA, FakePurger } from "../support/fake-purger";
import { MemoryStore } from "../support/memory-store";

const PREFIX = ".cos-purge/";
const urls = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `https://www.example.com/f-${from + i}.js`);

/**
 * A store each of whose calls costs `callMs` of the fake clock, as a COS round trip costs time. It
 * lists no ETags, so every entry is read with a GET (as one rewritten in place is): the reads are
 * what a drain's deadline bounds.
 */
class SlowStore extends MemoryStore {
  constructor(
    private readonly fake: FakeClock,
    private readonly callMs: number,
  ) {
    super(fake);
  }
  override async get(key: string) {
    this.fake.advance(this.callMs);
    return super.get(key);
  }
  override async delete(key: string) {
    this.fake.advance(this.callMs);
    return super.delete(key);
  }
  override async list(prefix: string, options?: ListOptions) {
    return (await super.list(prefix, options)).map(({ etag: _etag, ...listed }) => listed);
  }
  override async deleteMany(keys: readonly string[]) {
    this.fake.advance(this.callMs);
    return super.deleteMany(keys);
  }
}

function setup(purgers: Partial<Record<Provider, Purger>>, callMs = 0) {
  const clock = new FakeClock();
  const store = new SlowStore(clock, callMs);
  const backlog = new Backlog({ store, prefix: PREFIX, clock, timeoutMs: 5_000 });
  const lines: Record<string, unknown>[] = [];
  const deps = (deadlineIn = 60_000): DrainDeps => ({
    backlog,
    purgers,
    quota: new QuotaBook(clock),
    limiter: createRateLimiter(clock),
    clock,
    deadline: clock.now() + deadlineIn,
    requestTimeoutMs: 5_000,
    maxAttempts: 2,
    log: createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line)) }),
    random: () => 0.5,
    owner: "test",
    alarm: { maxAgeMs: 3_600_000, maxTries: 5 },
  });
  /** One entry per URL, as a burst of single uploads leaves them. */
  const queueEach = (provider: Provider, targets: readonly string[]) =>
    backlog.defer(
      targets.map((target) => ({
        provider,
        scope: "zone-1",
        targets: [target],
        reason: "Queued",
        message: "",
      })),
      "burst",
    );
  const queueListings = () => store.ops.filter((op) => op.op === "list" && op.key === `${PREFIX}queue/`);
  return { clock, store, backlog, lines, deps, queueEach, queueListings };
}

describe("drainBacklog, a page at a time", () => {
  it("lists the queue 1,000 keys at a time and purges each page before reading the next", async () => {
    const edgeone = new FakePurger("edgeone", { quota: () => ({ ...DEFAULT_QUOTA, batch: 2_000 }) });
    const { deps, queueEach, queueListings, store } = setup({ edgeone });
    await queueEach("edgeone", urls(2_500));
    const report = await drainBacklog(deps());

    // Three pages (1,000, 1,000, 500), one submit each, though Batch 2,000 would take two pages at once.
    expect(queueListings()).toHaveLength(3);
    expect(edgeone.purges.map((call) => call.targets.length)).toEqual([1_000, 1_000, 500]);
    expect(report).toMatchObject({
      complete: true,
      entries: 2_500,
      purged: 2_500,
      removed: 2_500,
      waiting: 0,
    });
    expect(store.keys(`${PREFIX}queue/`)).toEqual([]);
  });

  it("stops reading when its time runs out, purges what it read, and the next drains go on until every URL is purged once", async () => {
    const edgeone = new FakePurger("edgeone", { quota: () => ({ ...DEFAULT_QUOTA, batch: 2_000 }) });
    const { deps, queueEach, clock, store } = setup({ edgeone }, 10);
    await queueEach("edgeone", urls(3_000));

    const reports = [];
    for (let invocation = 0; invocation < 10 && store.keys(`${PREFIX}queue/`).length > 0; invocation += 1) {
      const drain = deps(20_000);
      const report = await drainBacklog(drain);
      // Each ends before its deadline, having purged and removed entries.
      expect(clock.now()).toBeLessThanOrEqual(drain.deadline);
      expect(report.purged).toBeGreaterThan(0);
      expect(report.removed).toBe(report.purged);
      reports.push(report);
    }

    // More than one drain: the first ran out of time (the settled entries' deletes cost one call a
    // page since they go out as DELETE Multiple Objects, so two drains now get through 3,000).
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports[0]).toMatchObject({ complete: false });
    const purged = edgeone.purges.flatMap((call) => call.targets);
    expect(purged).toHaveLength(3_000);
    expect(new Set(purged)).toEqual(new Set(urls(3_000)));
  });

  it("reads no further page once a page's lanes accept nothing (the daily quota is used up)", async () => {
    const edgeone = new FakePurger("edgeone", { quota: () => ({ ...DEFAULT_QUOTA, dailyAvailable: 0 }) });
    const { deps, queueEach, queueListings } = setup({ edgeone });
    await queueEach("edgeone", urls(2_500));
    const report = await drainBacklog(deps());

    expect(queueListings()).toHaveLength(1);
    expect(report).toMatchObject({ complete: false, entries: 1_000, purged: 0, waiting: 1_000 });
  });
});

describe("drainBacklog without a provider's settings", () => {
  it("leaves that provider's entries untouched, says which setting is missing, and counts them", async () => {
    const edgeone = new FakePurger("edgeone");
    const { deps, queueEach, store, lines } = setup({ edgeone });
    await queueEach("cdn", urls(3));
    await queueEach("edgeone", urls(2, 100));
    const cdnEntries = new Map(
      store.keys(`${PREFIX}queue/`).flatMap((key) => {
        const body = store.objects.get(key)?.body ?? "";
        return body.includes('"cdn"') ? [[key, body]] : [];
      }),
    );
    const report = await drainBacklog(deps());

    expect(edgeone.purges.flatMap((call) => call.targets).sort()).toEqual(urls(2, 100));
    for (const [key, body] of cdnEntries) expect(store.objects.get(key)?.body).toBe(body);
    expect(report).toMatchObject({
      purged: 2,
      waiting: 3,
      failures: [],
      unconfigured: [{ provider: "cdn", setting: "cdnHosts", entries: 3, targets: 3 }],
    });
    const warning = lines.find((line) => line.level === "warn" && String(line.msg).includes("cdnHosts"));
    expect(warning).toMatchObject({ provider: "cdn", entries: 3, targets: 3 });
  });

  it("still raises the overdue alarm for them", async () => {
    const { deps, queueEach, clock, lines } = setup({ edgeone: new FakePurger("edgeone") });
    await queueEach("cdn", urls(2));
    clock.advance(2 * 3_600_000);
    await drainBacklog(deps());

    expect(lines.filter((line) => line.msg === "backlog overdue")).toEqual([
      expect.objectContaining({ level: "error", entries: 2, targets: 2 }),
    ]);
  });
});
