/**
 * The drain's one rule for prefetch lanes: after the purge lanes, and never for a URL whose purge is
 * still queued after the purges of this drain.
 */
import { describe, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import { readEntry } from "../../src/backlog/entries";
import { type DrainDeps, drainBacklog } from "../../src/drain/drain";
import { QuotaBook } from "../../src/execute/quota";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { createLogger } from "../../src/foundation/log";
import type { TaskType } from "../../src/foundation/model";
import { FakeClock } from "../support/fake-clock";
import { DEFAULT_QUOTA, FakePurger, type FakePurgerOptions } from "../support/fake-purger";
import { MemoryStore } from "../support/memory-store";

const ZONE = "zone-1";
const PREFIX = ".cos-purge/";
const url = (name: string) => `https://www.example.com/${name}`;

function setup(options: FakePurgerOptions = {}) {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  const backlog = new Backlog({ store, prefix: PREFIX, clock, timeoutMs: 5_000, random: Math.random });
  const edgeone = new FakePurger("edgeone", options);
  const quota = new QuotaBook(clock);
  const deps = (): DrainDeps => ({
    backlog,
    purgers: { edgeone },
    quota,
    clock,
    limiter: createRateLimiter(clock),
    deadline: clock.now() + 60_000,
    requestTimeoutMs: 5_000,
    maxAttempts: 2,
    log: createLogger({ write: () => undefined }),
    random: () => 0.5,
    owner: "test",
    alarm: { maxAgeMs: 24 * 3_600_000, maxTries: 5 },
  });
  const defer = (type: TaskType, names: string[]) =>
    backlog.defer(
      [
        {
          provider: "edgeone",
          scope: ZONE,
          ...(type === "purge_url" ? {} : { type }),
          targets: names.map(url),
          reason: "QuotaExhausted",
          message: "",
        },
      ],
      "req-1",
    );
  /** What waits in the queue, per type. */
  const queued = async () => {
    const entries = await Promise.all(store.keys(`${PREFIX}queue/`).map((key) => store.get(key)));
    const byType: Partial<Record<TaskType, string[]>> = {};
    for (const text of entries) {
      const entry = readEntry(text ?? "");
      if (typeof entry === "string") continue;
      const type = entry.type ?? "purge_url";
      byType[type] = [...(byType[type] ?? []), ...entry.targets].sort();
    }
    return byType;
  };
  /** The submissions the provider received: type and targets, in order. */
  const submitted = () => edgeone.purges.map((call) => [call.type, call.targets]);
  return { clock, edgeone, deps, defer, queued, submitted };
}

describe("drainBacklog with prefetch entries", () => {
  it("submits the prefetch lane after the purge lane, even when the prefetch was queued first", async () => {
    const { deps, defer, queued, submitted } = setup();
    await defer("prefetch_url", ["a.apk"]);
    await defer("purge_url", ["a.apk", "b.png"]);
    const report = await drainBacklog(deps());

    expect(submitted()).toEqual([
      ["purge_url", [url("a.apk"), url("b.png")]],
      ["prefetch_url", [url("a.apk")]],
    ]);
    // Purge counts stay purge counts; the prefetch is a job of its own type.
    expect(report).toMatchObject({ targets: 2, purged: 2, waiting: 0, prefetchWaiting: 0 });
    expect(report.jobs.map((job) => [job.type ?? "purge_url", job.targets])).toEqual([
      ["purge_url", 2],
      ["prefetch_url", 1],
    ]);
    expect(await queued()).toEqual({});
  });

  it("keeps a prefetch queued while the purge of its URL still waits, and sends it after that purge", async () => {
    let purgeRoom = 0;
    const { clock, deps, defer, queued, submitted } = setup({
      quota: (_scope, _n, type) =>
        type === "purge_url" ? { ...DEFAULT_QUOTA, dailyAvailable: purgeRoom } : DEFAULT_QUOTA,
    });
    await defer("purge_url", ["a.apk", "b.png"]);
    // c.apk's purge went through in an earlier drain: nothing holds its prefetch back.
    await defer("prefetch_url", ["a.apk", "c.apk"]);

    const first = await drainBacklog(deps());
    expect(submitted()).toEqual([["prefetch_url", [url("c.apk")]]]);
    expect(first).toMatchObject({ purged: 0, waiting: 2, prefetchWaiting: 1 });
    expect(await queued()).toEqual({
      purge_url: [url("a.apk"), url("b.png")],
      prefetch_url: [url("a.apk")],
    });

    purgeRoom = 10_000;
    clock.advance(24 * 3_600_000); // the quota resets; the book forgets
    const second = await drainBacklog(deps());
    expect(submitted().slice(1)).toEqual([
      ["purge_url", [url("a.apk"), url("b.png")]],
      ["prefetch_url", [url("a.apk")]],
    ]);
    expect(second).toMatchObject({ purged: 2, waiting: 0, prefetchWaiting: 0 });
    expect(await queued()).toEqual({});
  });

  it("drops a prefetch whose purge was refused for good, reported and never sent", async () => {
    const { deps, defer, queued, submitted } = setup({
      purge: (targets, n) => ({
        requestId: `r-${n}`,
        taskId: `t-${n}`,
        failed: targets.includes(url("a.apk")) ? [{ reason: "DomainNotFound", targets: [url("a.apk")] }] : [],
      }),
    });
    await defer("purge_url", ["a.apk"]);
    await defer("prefetch_url", ["a.apk"]);
    const report = await drainBacklog(deps());

    expect(submitted()).toEqual([["purge_url", [url("a.apk")]]]);
    expect(report.failures.map((f) => [f.type ?? "purge_url", f.code, f.targets])).toEqual([
      ["purge_url", "DomainNotFound", [url("a.apk")]],
      ["prefetch_url", "PurgeNotAccepted", [url("a.apk")]],
    ]);
    expect(await queued()).toEqual({});
  });
});
