/**
 * Issue 13, rows 1, 3 and 12, end to end: the built function and the real SDKs against the emulator.
 * A target leaves the backlog only when the provider accepted it, or for a reason known to be permanent
 * for that target alone; anything unknown is kept and tried again. Assertions are on what the emulator
 * received and holds.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import type { Emulator } from "../../src/emulator";
import { executePlan } from "../../src/execute/execute";
import { QuotaBook } from "../../src/execute/quota";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { silentLogger } from "../../src/foundation/log";
import type { Lane } from "../../src/foundation/model";
import { createCdnPurger } from "../../src/providers/cdn";
import { createCosStore } from "../../src/providers/cos";
import { createEdgeOnePurger } from "../../src/providers/edgeone";
import type { PurgeFailedError } from "../../src/report/report";
import { BACKLOG_BUCKET, backlogInstance, useBacklogEmulator } from "../support/backlog-harness";
import { cosEvent, cosRecord, timerEvent } from "../support/events";

const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
});

const KEYS = { secretId: "AKIDEMULATOR00000000000000000000000", secretKey: "emulator-secret-key" };
const NEW_CODE = "FailedOperation.NewlyInventedCode";
const files = (count: number) => Array.from({ length: count }, (_, i) => cosRecord({ key: `r-${i}.png` }));
const urlsOf = (count: number) =>
  Array.from({ length: count }, (_, i) => `https://www.example.com/r-${i}.png`);

/** Real time, `aheadMs` in the future: a timer drain that runs "later". */
const later = (aheadMs: number) => ({
  now: () => Date.now() + aheadMs,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
});

const purgeCalls = () => emulator.calls().filter((call) => call.action === "CreatePurgeTask");
const acceptedTargets = () =>
  purgeCalls()
    .filter((call) => call.error === null)
    .flatMap((call) => call.params.Targets as string[]);
const queued = () =>
  emulator
    .objects(BACKLOG_BUCKET)
    .filter((object) => object.key.startsWith(".cos-purge/queue/"))
    .map((object) => JSON.parse(object.body.toString()) as { targets: string[]; tries: number });

describe("an error code nobody knows (row 12)", () => {
  it("in a direct purge is deferred to the backlog; a drain keeps it with a try counted; a later one purges it", async () => {
    emulator.configure({ faults: [{ action: "CreatePurgeTask", kind: "error", code: NEW_CODE }] });
    const direct = await backlogInstance(emulator, { PURGE_MODE: "direct" }).invoke(cosEvent(...files(2)));
    expect(direct).toMatchObject({ planned: 2, purged: 0, deferred: 2, failed: 0 });
    expect(purgeCalls()).toHaveLength(1); // not retried at once
    expect(queued()).toMatchObject([{ targets: urlsOf(2), tries: 0 }]);

    const drain = await backlogInstance(emulator).invoke(timerEvent());
    expect(drain).toMatchObject({
      failed: 0,
      drain: { status: "drained", purged: 0, waiting: 2, failed: 0 },
    });
    expect(purgeCalls()).toHaveLength(2);
    expect(queued()).toMatchObject([{ targets: urlsOf(2), tries: 1 }]);

    emulator.configure({ faults: [] });
    const after = await backlogInstance(emulator, {}, later(2 * 60_000)).invoke(timerEvent());
    expect(after).toMatchObject({ drain: { purged: 2, waiting: 0 } });
    expect(acceptedTargets().sort()).toEqual(urlsOf(2));
    expect(queued()).toEqual([]);
  });
});

/** 40 good URLs with, at `badAt`, one the emulator refuses whole (a raw space: docs/emulator.md). */
const withBadTarget = (badAt: number, host = "www.example.com") => {
  const targets = Array.from({ length: 40 }, (_, i) => `https://${host}/g-${i}.png`);
  const bad = `https://${host}/bad name.png`;
  targets.splice(badAt, 0, bad);
  return { targets, bad, good: targets.filter((target) => target !== bad) };
};

/** How often each target was accepted by a successful call of `action`. */
function acceptedCounts(action: string, param: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of emulator.calls()) {
    if (call.action !== action || call.error !== null) continue;
    for (const target of call.params[param] as string[]) counts.set(target, (counts.get(target) ?? 0) + 1);
  }
  return counts;
}

describe("a request refused for one target (row 1)", () => {
  it("direct: EdgeOne and CDN requests are split; every good target is accepted once, the bad one fails alone", async () => {
    const options = {
      endpoint: { protocol: "http://" as const, host: emulator.endpoint },
      requestTimeoutMs: 5_000,
      credentials: () => KEYS,
    };
    const edgeone = withBadTarget(17);
    const cdn = withBadTarget(3, "cdn.example.com");
    const lanes: Lane[] = [
      { provider: "edgeone", scope: "zone-emulator", targets: edgeone.targets },
      { provider: "cdn", scope: "mainland", targets: cdn.targets },
    ];
    const execution = await executePlan(lanes, {
      purgers: {
        edgeone: createEdgeOnePurger(options),
        cdn: createCdnPurger({ ...options, prefetchArea: "global" }),
      },
      quota: new QuotaBook({ now: () => Date.now(), sleep: async () => undefined }),
      limiter: createRateLimiter({ now: () => Date.now(), sleep: async () => undefined }),
      clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
      deadline: Date.now() + 60_000,
      requestTimeoutMs: 5_000,
      maxAttempts: 3,
      log: silentLogger,
    });

    const byProvider = [...execution.failures].sort((a, b) => a.provider.localeCompare(b.provider));
    expect(byProvider).toEqual([
      expect.objectContaining({
        provider: "cdn",
        code: "InvalidParameter.CdnParamError",
        class: "fatal",
        targets: [cdn.bad],
      }),
      expect.objectContaining({
        provider: "edgeone",
        code: "InvalidParameter.Target",
        class: "fatal",
        targets: [edgeone.bad],
      }),
    ]);
    expect(execution.failures.every((failure) => failure.hint !== "")).toBe(true);
    const teo = acceptedCounts("CreatePurgeTask", "Targets");
    expect(edgeone.good.map((url) => teo.get(url))).toEqual(edgeone.good.map(() => 1));
    expect(teo.has(edgeone.bad)).toBe(false);
    const urls = acceptedCounts("PurgeUrlsCache", "Urls");
    expect(cdn.good.map((url) => urls.get(url))).toEqual(cdn.good.map(() => 1));
    // Bounded: one request, then two per halving of 41 targets (2 × ⌈log2 41⌉ = 12).
    for (const action of ["CreatePurgeTask", "PurgeUrlsCache"]) {
      const calls = emulator.calls().filter((call) => call.action === action);
      expect(calls.length).toBeLessThanOrEqual(13);
      expect(calls.filter((call) => call.error !== null).length).toBeGreaterThan(1);
    }
  });

  it("drain: the queue entry holding the bad target beside good ones; the good are purged, the bad leaves with an error line", async () => {
    const { targets, bad, good } = withBadTarget(25);
    const store = createCosStore({
      bucket: BACKLOG_BUCKET,
      region: "ap-guangzhou",
      endpoint: emulator.url,
      credentials: () => KEYS,
      requestTimeoutMs: 5_000,
    });
    const backlog = new Backlog({
      store,
      prefix: ".cos-purge/",
      clock: { now: () => Date.now(), sleep: async () => undefined },
      timeoutMs: 5_000,
    });
    await backlog.defer(
      [{ provider: "edgeone", scope: "zone-emulator", targets, reason: "Queued", message: "" }],
      "req-0",
    );

    const { invoke, lines } = backlogInstance(emulator);
    // A target failed for good fails the invocation (alarms fire); its error carries the summary.
    const thrown = await invoke(timerEvent()).then(
      () => undefined,
      (error: PurgeFailedError) => error,
    );
    expect(thrown).toBeInstanceOf(Error);
    const summary = (thrown as PurgeFailedError).summary;
    expect(summary).toMatchObject({ purged: good.length, failed: 1, drain: { waiting: 0, failed: 1 } });
    expect(summary.failures).toEqual([
      expect.objectContaining({ code: "InvalidParameter.Target", targets: [bad] }),
    ]);
    const counts = acceptedCounts("CreatePurgeTask", "Targets");
    expect(good.map((url) => counts.get(url))).toEqual(good.map(() => 1));
    expect(counts.has(bad)).toBe(false);
    expect(queued()).toEqual([]);
    expect(
      lines.some((line) => line.level === "error" && String(line.msg).includes("no retry can fix")),
    ).toBe(true);
  });
});

describe("a task accepted and then failed (row 3)", () => {
  it("a direct purge's failed task is queued again by the timer's drain, once, deduplicated by task id", async () => {
    emulator.configure({ tasks: { processingMs: 0, failTargets: ["r-1.png"] } });
    const direct = await backlogInstance(emulator, { PURGE_MODE: "direct" }).invoke(cosEvent(...files(2)));
    expect(direct).toMatchObject({ purged: 2, deferred: 0 });
    // An upload pays for no task query.
    expect(emulator.calls().filter((call) => call.action === "DescribePurgeTasks")).toEqual([]);

    const drainer = backlogInstance(emulator);
    const first = await drainer.invoke(timerEvent());
    const queries = emulator.calls().filter((call) => call.action === "DescribePurgeTasks");
    expect(queries).toHaveLength(1); // one per lane (one zone)
    expect(queries[0]?.params).toMatchObject({
      ZoneId: "zone-emulator",
      // Every status a purge task ends with unpurged; no `invalid`, which DescribePurgeTasks does not take.
      Filters: [{ Name: "statuses", Values: ["failed", "timeout", "canceled"] }],
    });
    expect(String(queries[0]?.params.StartTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    expect(first).toMatchObject({ drain: { requeued: 1, purged: 1 } });
    expect(purgeCalls().map((call) => call.params.Targets)).toEqual([urlsOf(2), [urlsOf(2)[1]]]);

    // The drain's own resubmission failed too: the journal queues that one again (its sent record), and
    // the scan, deduplicating by task id, queues neither it nor the first task a second time.
    const before = purgeCalls().length;
    const second = await drainer.invoke(timerEvent());
    expect(second).toMatchObject({ drain: { requeued: 1 } });
    expect(
      purgeCalls()
        .slice(before)
        .map((call) => call.params.Targets),
    ).toEqual([[urlsOf(2)[1]]]);
  });
});
