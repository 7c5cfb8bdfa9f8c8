/**
 * Prefetch (`PURGE_PREFETCH`) end to end: the built function (dist/index.js) and the real SDKs against
 * the emulator, which answers CreatePrefetchTask / PushUrlsCache with their own quotas and holds the
 * backlog. Assertions are on the calls the emulator received, in order, and the objects it holds.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { CallRecord, Emulator } from "../../src/emulator";
import type { Summary } from "../../src/report/report";
import { BACKLOG_BUCKET, backlogInstance, useBacklogEmulator } from "../support/backlog-harness";
import { cosEvent, cosRecord, timerEvent } from "../support/events";

const BUCKET = BACKLOG_BUCKET;
const PURGES = new Set(["CreatePurgeTask", "PurgeUrlsCache"]);
const PREFETCHES = new Set(["CreatePrefetchTask", "PushUrlsCache"]);
const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
});

/** A new warm instance of the built function, warming .apk and .mp4; `lines` collects what it logged. */
const instance = (settings: Record<string, string> = {}) =>
  backlogInstance(emulator, { PURGE_MODE: "direct", PURGE_PREFETCH: "**/*.apk,**/*.mp4", ...settings });

const www = (path: string) => `https://www.example.com/${path}`;
const uploads = (...keys: string[]) => keys.map((key) => cosRecord({ key }));
const targetsOf = (call: CallRecord): string[] => (call.params.Targets ?? call.params.Urls) as string[];

/** Accepted purge and prefetch calls, in the order the emulator received them. */
function accepted(): { kind: "purge" | "prefetch"; targets: string[] }[] {
  return emulator
    .calls()
    .filter((call) => call.error === null && (PURGES.has(call.action) || PREFETCHES.has(call.action)))
    .map((call) => ({ kind: PURGES.has(call.action) ? "purge" : "prefetch", targets: targetsOf(call) }));
}
const prefetched = () => accepted().flatMap((call) => (call.kind === "prefetch" ? call.targets : []));

/** Backlog entries of one type (`undefined`: purge_url), their targets sorted. */
function queued(type?: string): string[] {
  return emulator
    .objects(BUCKET)
    .filter((object) => object.key.startsWith(".cos-purge/queue/"))
    .map((object) => JSON.parse(object.body.toString()))
    .filter((entry) => entry.type === type)
    .flatMap((entry) => entry.targets as string[])
    .sort();
}

describe("prefetch on EdgeOne", () => {
  it("warms created objects matching PURGE_PREFETCH after their purge; removed objects and other keys never", async () => {
    const { invoke } = instance();
    const summary = await invoke(
      cosEvent(
        ...uploads("dl/app.apk", "img/a.png", "dl/app|v2.apk"),
        cosRecord({ key: "dl/old.apk", event: "cos:ObjectRemove:Delete" }),
      ),
    );

    const calls = accepted();
    expect(calls.map((call) => call.kind)).toEqual(["purge", "prefetch"]);
    expect(calls[0]?.targets).toEqual(
      expect.arrayContaining([www("dl/app.apk"), www("img/a.png"), www("dl/old.apk"), www("dl/app|v2.apk")]),
    );
    // One spelling of each: Chromium's `%7C`, not the raw `|` that Firefox sends (which was purged too).
    expect(calls[1]?.targets).toEqual([www("dl/app.apk"), www("dl/app%7Cv2.apk")]);
    expect(summary).toMatchObject({
      purged: 5,
      failed: 0,
      deferred: 0,
      prefetch: { planned: 2, accepted: 2, deferred: 0, failed: 0 },
    });
    // The purge counts are the purges': prefetch jobs and calls are kept apart.
    expect(summary.jobs).toHaveLength(1);
    expect(summary.prefetch?.jobs).toEqual([expect.objectContaining({ type: "prefetch_url", targets: 2 })]);
  });

  it("a delete alone prefetches nothing and reads no prefetch quota", async () => {
    const { invoke } = instance();
    const summary = await invoke(
      cosEvent(cosRecord({ key: "dl/app.apk", event: "cos:ObjectRemove:Delete" })),
    );
    expect(emulator.calls().map((call) => call.action)).toEqual(["DescribeContentQuota", "CreatePurgeTask"]);
    expect(summary.prefetch).toMatchObject({ planned: 0, accepted: 0 });
  });

  it("prefetch quota used up: the rest waits in the backlog, the invocation succeeds, and a timer drain warms it after the reset", async () => {
    emulator.configure({
      zones: [
        { zoneId: "zone-emulator", domains: ["www.example.com"], quota: { prefetch_url: { daily: 1 } } },
      ],
    });
    const summary = await instance().invoke(cosEvent(...uploads("a.apk", "b.apk", "c.apk")));

    expect(summary).toMatchObject({
      purged: 3,
      failed: 0,
      deferred: 0,
      prefetch: { planned: 3, accepted: 1, deferred: 2, failed: 0 },
    });
    expect(summary.prefetch?.deferrals).toEqual([
      expect.objectContaining({ type: "prefetch_url", reason: "QuotaExhausted", count: 2 }),
    ]);
    expect(prefetched()).toEqual([www("a.apk")]);
    expect(queued("prefetch_url")).toEqual([www("b.apk"), www("c.apk")]);
    expect(queued()).toEqual([]);

    // A new day: used quota cleared (COS objects kept).
    emulator.reset();
    emulator.configure({
      zones: [
        { zoneId: "zone-emulator", domains: ["www.example.com"], quota: { prefetch_url: { daily: 10 } } },
      ],
    });
    const drain = await instance().invoke(timerEvent());
    expect(accepted()).toEqual([{ kind: "prefetch", targets: [www("b.apk"), www("c.apk")] }]);
    expect(drain).toMatchObject({ purged: 0, failed: 0, prefetch: { accepted: 2, deferred: 0 } });
    expect(queued("prefetch_url")).toEqual([]);
  });

  it("purge quota used up: the prefetch waits behind its purge, through a drain that cannot purge, and follows it", async () => {
    emulator.configure({
      zones: [{ zoneId: "zone-emulator", domains: ["www.example.com"], quota: { purge_url: { daily: 1 } } }],
    });
    const summary = await instance().invoke(cosEvent(...uploads("a.apk", "b.apk")));
    expect(summary).toMatchObject({
      purged: 1,
      deferred: 1,
      failed: 0,
      prefetch: { planned: 2, accepted: 1, deferred: 1 },
    });
    expect(summary.prefetch?.deferrals).toEqual([
      expect.objectContaining({ type: "prefetch_url", reason: "AwaitingPurge", count: 1 }),
    ]);
    expect(accepted()).toEqual([
      { kind: "purge", targets: [www("a.apk")] },
      { kind: "prefetch", targets: [www("a.apk")] },
    ]);
    expect(queued()).toEqual([www("b.apk")]);
    expect(queued("prefetch_url")).toEqual([www("b.apk")]);

    // The timer fires before the quota resets: b.apk cannot be purged, so it is not warmed either.
    emulator.reset();
    emulator.configure({
      zones: [{ zoneId: "zone-emulator", domains: ["www.example.com"], quota: { purge_url: { daily: 0 } } }],
    });
    const early = await instance().invoke(timerEvent());
    expect(accepted()).toEqual([]);
    expect(early).toMatchObject({ purged: 0, deferred: 1, prefetch: { deferred: 1 } });
    expect(queued("prefetch_url")).toEqual([www("b.apk")]);

    emulator.reset({ config: true });
    await instance().invoke(timerEvent());
    expect(accepted()).toEqual([
      { kind: "purge", targets: [www("b.apk")] },
      { kind: "prefetch", targets: [www("b.apk")] },
    ]);
    expect(queued()).toEqual([]);
    expect(queued("prefetch_url")).toEqual([]);
  });

  it("a URL whose purge was refused is never warmed; the purge failure fails the invocation, not the prefetch", async () => {
    const { invoke } = instance({ eoDomains: "www.example.com,other.example.com" });
    const error = (await invoke(cosEvent(...uploads("a.apk"))).catch((thrown: unknown) => thrown)) as {
      summary: Summary;
    };

    expect(prefetched()).toEqual([www("a.apk")]);
    expect(error.summary).toMatchObject({
      purged: 1,
      failed: 1,
      prefetch: { planned: 2, accepted: 1, failed: 1 },
    });
    expect(error.summary.prefetch?.failures).toEqual([
      expect.objectContaining({ code: "PurgeNotAccepted", targets: ["https://other.example.com/a.apk"] }),
    ]);
  });

  it("a refused prefetch is reported and logged as a warning; the invocation still succeeds", async () => {
    emulator.configure({
      faults: [{ action: "CreatePrefetchTask", kind: "error", code: "UnauthorizedOperation.NoPermission" }],
    });
    const { invoke, lines } = instance();
    const summary = await invoke(cosEvent(...uploads("a.apk")));

    expect(summary).toMatchObject({ purged: 1, failed: 0, prefetch: { accepted: 0, failed: 1 } });
    expect(summary.prefetch?.failures[0]).toMatchObject({
      code: "UnauthorizedOperation.NoPermission",
      hint: expect.stringContaining("teo:CreatePrefetchTask"),
    });
    expect(lines.find((line) => line.msg === "purge summary")?.level).toBe("info");
    expect(
      lines.some((line) => line.level === "warn" && String(line.msg).startsWith("prefetch not done")),
    ).toBe(true);
  });

  it("queue mode: the window's drain purges, then warms", async () => {
    const { invoke } = instance({ PURGE_MODE: "queue", PURGE_WINDOW_MS: "300" });
    const summary = await invoke(cosEvent(...uploads("a.apk", "b.png")));

    expect(summary).toMatchObject({ route: "queued", deferred: 2, prefetch: { planned: 1, deferred: 1 } });
    expect(summary.drain).toMatchObject({ purged: 2, waiting: 0, prefetchWaiting: 0 });
    expect(accepted()).toEqual([
      { kind: "purge", targets: [www("a.apk"), www("b.png")] },
      { kind: "prefetch", targets: [www("a.apk")] },
    ]);
    expect(queued()).toEqual([]);
    expect(queued("prefetch_url")).toEqual([]);
  });

  it("queue mode, backlog write failed: the purges fail the invocation, the prefetch is counted apart", async () => {
    emulator.configure({ faults: [{ service: "cos", action: "PutObject", kind: "http", status: 503 }] });
    const { invoke } = instance({ PURGE_MODE: "queue" });
    const error = (await invoke(cosEvent(...uploads("a.apk", "b.png"))).catch(
      (thrown: unknown) => thrown,
    )) as {
      summary: Summary;
    };

    expect(accepted()).toEqual([]);
    expect(error.summary).toMatchObject({ route: "queued", failed: 2, prefetch: { failed: 1, deferred: 0 } });
    expect(error.summary.failures.flatMap((failure) => failure.targets).sort()).toEqual([
      www("a.apk"),
      www("b.png"),
    ]);
  });
});

describe("prefetch on CDN", () => {
  it("PushUrlsCache after PurgeUrlsCache, within DescribePushQuota", async () => {
    emulator.configure({ cdn: { domains: ["cdn.example.com"], quota: { push: { daily: 1 } } } });
    const { invoke } = instance({ cdnHosts: "cdn.example.com", CDN_AREA: "mainland" });
    const summary = await invoke(cosEvent(...uploads("v/a.mp4", "v/b.mp4", "v/c.txt")));

    const actions = emulator.calls().map((call) => call.action);
    expect(actions).toContain("DescribePushQuota");
    const pushes = emulator.calls().filter((call) => call.action === "PushUrlsCache");
    expect(pushes.map((call) => call.params)).toEqual([
      { Urls: ["https://cdn.example.com/v/a.mp4"], Area: "mainland" },
    ]);
    expect(actions.indexOf("PushUrlsCache")).toBeGreaterThan(actions.indexOf("PurgeUrlsCache"));
    expect(summary).toMatchObject({
      purged: 3,
      failed: 0,
      prefetch: { planned: 2, accepted: 1, deferred: 1, failed: 0 },
    });
    expect(queued("prefetch_url")).toEqual(["https://cdn.example.com/v/b.mp4"]);
  });
  it("names the area of every push: global without CDN_AREA, since CDN warms mainland only when none is named", async () => {
    emulator.configure({ cdn: { domains: ["cdn.example.com"] } });
    const { invoke } = instance({ cdnHosts: "cdn.example.com" });
    await invoke(cosEvent(...uploads("v/a.mp4")));

    const sent = (action: string) =>
      emulator
        .calls()
        .filter((call) => call.action === action && call.error === null)
        .map((call) => call.params);
    // The purge goes wherever the domain is accelerated; the push says so explicitly.
    expect(sent("PurgeUrlsCache")).toEqual([{ Urls: ["https://cdn.example.com/v/a.mp4"] }]);
    expect(sent("PushUrlsCache")).toEqual([{ Urls: ["https://cdn.example.com/v/a.mp4"], Area: "global" }]);
  });

  it("PURGE_PREFETCH_AREA chooses where pushes warm, whatever area the purges use", async () => {
    emulator.configure({ cdn: { domains: ["cdn.example.com"] } });
    const { invoke } = instance({
      cdnHosts: "cdn.example.com",
      CDN_AREA: "mainland",
      PURGE_PREFETCH_AREA: "overseas",
    });
    const summary = await invoke(cosEvent(...uploads("v/a.mp4")));

    const areas = emulator
      .calls()
      .filter((call) => call.action === "PurgeUrlsCache" || call.action === "PushUrlsCache")
      .map((call) => [call.action, call.params.Area]);
    expect(areas).toEqual([
      ["PurgeUrlsCache", "mainland"],
      ["PushUrlsCache", "overseas"],
    ]);
    expect(summary).toMatchObject({ prefetch: { planned: 1, accepted: 1, failed: 0 } });
  });
});
