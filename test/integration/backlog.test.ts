/**
 * The backlog end to end: the built function (dist/index.js), the real cos-nodejs-sdk-v5 and the real
 * EdgeOne SDK against the emulator, which holds the backlog's objects. Assertions are on what the
 * emulator received and holds.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator";
import { BACKLOG_BUCKET, backlogInstance, useBacklogEmulator } from "../support/backlog-harness";
import { ckafkaEvent, cosEvent, cosRecord, timerEvent } from "../support/events";

const BUCKET = BACKLOG_BUCKET;
const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
});

const instance = (settings: Record<string, string> = {}) => backlogInstance(emulator, settings);

const files = (count: number, folder = "") =>
  Array.from({ length: count }, (_, i) => cosRecord({ key: `${folder}f-${String(i).padStart(4, "0")}.png` }));
const urlOf = (record: ReturnType<typeof cosRecord>) =>
  `https://www.example.com/${String(record.cos.cosObject.key).split("/").slice(3).join("/")}`;

/** Every URL the emulator accepted in a purge call, in order. */
const accepted = () =>
  emulator
    .calls()
    .filter((call) => call.action === "CreatePurgeTask" && call.error === null)
    .flatMap((call) => call.params.Targets as string[]);
const queueObjects = () =>
  emulator.objects(BUCKET).filter((object) => object.key.startsWith(".cos-purge/queue/"));
const queuedTargets = () =>
  queueObjects().flatMap((object) => JSON.parse(object.body.toString()).targets as string[]);

describe("the backlog, against the emulator", () => {
  it("is not kept in a bucket whose versioning was ever enabled: the invocation fails saying so, nothing written", async () => {
    emulator.configure({
      cos: { buckets: [{ name: BUCKET, region: "ap-guangzhou", versioning: "Suspended" }] },
    });
    const { invoke, lines } = instance({ PURGE_MODE: "queue" });

    await expect(invoke(cosEvent(cosRecord({ key: "a.png" })))).rejects.toThrow(
      /BacklogWriteFailed.*PURGE_BACKLOG_BUCKET examplebucket-1250000000 .*has versioning Suspended/s,
    );
    await expect(invoke(cosEvent(cosRecord({ key: "b.png" })))).rejects.toThrow(/BacklogBucketVersioned/);

    // One check for the warm instance, not one per invocation; no object written, nothing purged.
    expect(emulator.calls().map((call) => call.action)).toEqual(["GetBucketVersioning"]);
    expect(emulator.objects(BUCKET)).toEqual([]);
    expect(lines.filter((line) => line.msg === "purge summary")).toHaveLength(2);
  });

  it("quota 100, 300 URLs: 100 purged, 200 in the backlog, success; after the reset one timer drain purges the 200", async () => {
    emulator.configure({
      zones: [
        { zoneId: "zone-emulator", domains: ["www.example.com"], quota: { purge_url: { daily: 100 } } },
      ],
    });
    const records = files(300);
    const { invoke } = instance({ PURGE_MODE: "direct" });
    const summary = await invoke(cosEvent(...records));

    expect(summary).toMatchObject({ planned: 300, purged: 100, deferred: 200, failed: 0 });
    const dayOne = accepted();
    expect(dayOne).toHaveLength(100);
    expect(queuedTargets().sort()).toEqual(
      records
        .map(urlOf)
        .filter((url) => !dayOne.includes(url))
        .sort(),
    );

    // A timer firing before the reset purges nothing and keeps everything.
    const early = await instance().invoke(timerEvent());
    expect(early).toMatchObject({ drain: { status: "drained", purged: 0, waiting: 200 } });
    expect(queuedTargets()).toHaveLength(200);

    // A new day: used quota cleared (COS objects kept), and 100 a day is no longer the bottleneck.
    emulator.reset();
    emulator.configure({
      zones: [
        { zoneId: "zone-emulator", domains: ["www.example.com"], quota: { purge_url: { daily: 10_000 } } },
      ],
    });
    const drain = await instance().invoke(timerEvent());
    expect(drain).toMatchObject({ source: "timer", purged: 200, drain: { status: "drained", waiting: 0 } });
    expect(queueObjects()).toEqual([]);
    // Every one of the 300 purged exactly once across the two days.
    expect([...dayOne, ...accepted()].sort()).toEqual(records.map(urlOf).sort());
  });

  it("queue mode: invocations only append; one drain per window purges them all in one call", async () => {
    const { invoke } = instance({ PURGE_MODE: "queue", PURGE_WINDOW_MS: "300" });
    const records = files(12);
    const summaries = await Promise.all(records.map((record) => invoke(cosEvent(record))));

    expect(summaries.every((summary) => summary.route === "queued" && summary.failed === 0)).toBe(true);
    const drains = summaries.filter((summary) => summary.drain !== undefined);
    expect(drains.length).toBeGreaterThanOrEqual(1);
    expect(accepted().sort()).toEqual(records.map(urlOf).sort());
    expect(emulator.calls().filter((call) => call.action === "CreatePurgeTask")).toHaveLength(1);
    expect(queueObjects()).toEqual([]);
  });

  it("queue mode across separate instances: exactly one drains each window, nothing twice", async () => {
    const instances = Array.from({ length: 4 }, () =>
      instance({ PURGE_MODE: "queue", PURGE_WINDOW_MS: "400" }),
    );
    const records = files(20);
    await Promise.all(records.map((record, i) => instances[i % 4]?.invoke(cosEvent(record))));

    const purged = accepted();
    expect(purged.sort()).toEqual(records.map(urlOf).sort());
    expect(new Set(purged).size).toBe(purged.length);
    expect(queueObjects()).toEqual([]);
  });

  it("a lone upload in auto mode costs one purge call and no COS request", async () => {
    const { invoke } = instance({ PURGE_MODE: "auto" });
    const summary = await invoke(cosEvent(cosRecord({ key: "lone.png" })));
    expect(summary).toMatchObject({ route: "direct", purged: 1, deferred: 0 });
    expect(emulator.calls().map((call) => call.action)).toEqual(["DescribeContentQuota", "CreatePurgeTask"]);
  });

  it("a failed backlog write fails the invocation, so that SCF retries it", async () => {
    emulator.configure({
      zones: [{ zoneId: "zone-emulator", domains: ["www.example.com"], quota: { purge_url: { daily: 1 } } }],
      faults: [{ service: "cos", action: "PutObject", kind: "http", status: 503 }],
    });
    const { invoke } = instance({ PURGE_MODE: "direct" });
    await expect(invoke(cosEvent(...files(3)))).rejects.toThrow(/PutObject|putObject|503/);
  });

  it("collapse: a CKafka batch of a site deploy purges its folder, once, within the folder quota", async () => {
    const { invoke } = instance({ PURGE_MODE: "direct", PURGE_COLLAPSE_MIN_FILES: "20" });
    const deploy = [...files(120, "assets/js/"), ...files(3, "docs/")];
    const summary = await invoke(ckafkaEvent(cosEvent(...deploy)));

    const calls = emulator.calls().filter((call) => call.action === "CreatePurgeTask");
    expect(calls.map((call) => [call.params.Type, call.params.Targets])).toEqual([
      ["purge_url", deploy.slice(120).map(urlOf)],
      ["purge_prefix", ["https://www.example.com/assets/js/"]],
    ]);
    expect(summary).toMatchObject({ planned: 123, purged: 123, failed: 0, deferred: 0 });
    expect(summary.collapsed).toEqual([
      {
        provider: "edgeone",
        scope: "zone-emulator",
        prefix: "https://www.example.com/assets/js/",
        count: 120,
      },
    ]);
  });

  it("collapse: the root is never purged as a folder unless PURGE_COLLAPSE_ROOT allows it", async () => {
    const { invoke } = instance({ PURGE_MODE: "direct", PURGE_COLLAPSE_MIN_FILES: "20" });
    await invoke(ckafkaEvent(cosEvent(...files(30))));
    expect(emulator.calls().filter((call) => call.params.Type === "purge_prefix")).toEqual([]);

    emulator.reset({ config: true, cos: true });
    const { invoke: allowed } = instance({
      PURGE_MODE: "direct",
      PURGE_COLLAPSE_MIN_FILES: "20",
      PURGE_COLLAPSE_ROOT: "true",
    });
    await allowed(ckafkaEvent(cosEvent(...files(30))));
    const folders = emulator.calls().filter((call) => call.params.Type === "purge_prefix");
    expect(folders.map((call) => call.params.Targets)).toEqual([["https://www.example.com/"]]);
  });

  it("SCF's retry of a failed event on another instance does not purge again what the first purged", async () => {
    // foreign.example.org is not on the zone: EdgeOne refuses it in FailedList, the invocation fails.
    const settings = { PURGE_MODE: "direct", eoDomains: "www.example.com foreign.example.org" };
    const event = cosEvent(cosRecord({ key: "a.png", eventTime: Math.floor(Date.now() / 1000) - 70 }));
    await expect(instance(settings).invoke(event)).rejects.toThrow(/not purged/);
    const first = accepted();
    expect(first).toContain("https://www.example.com/a.png");
    expect(
      emulator.objects(BUCKET).filter((object) => object.key.startsWith(".cos-purge/done/")),
    ).toHaveLength(1);

    emulator.reset(); // calls forgotten, the marker kept
    await expect(instance(settings).invoke(event)).rejects.toThrow(/not purged/);
    const sent = emulator
      .calls()
      .filter((call) => call.action === "CreatePurgeTask")
      .flatMap((call) => call.params.Targets as string[]);
    expect(sent).toEqual(["https://foreign.example.org/a.png"]);
  });

  it("a fresh event never reads a marker: a lone upload costs no COS request", async () => {
    await instance({ PURGE_MODE: "direct" }).invoke(cosEvent(cosRecord({ key: "fresh.png" })));
    expect(emulator.calls().filter((call) => call.service === "cos")).toEqual([]);
  });

  it("auto: a rate-limit refusal queues the rest at once instead of retrying against other instances", async () => {
    emulator.configure({
      faults: [{ action: "CreatePurgeTask", kind: "error", code: "RequestLimitExceeded", times: 1 }],
    });
    const { invoke } = instance({ PURGE_MODE: "auto", PURGE_WINDOW_MS: "300" });
    const summary = await invoke(cosEvent(...files(3)));

    const calls = emulator.calls().filter((call) => call.action === "CreatePurgeTask");
    // Refused once, then not retried by the invocation: the window's drain purged the three.
    expect(calls.map((call) => call.error)).toEqual(["RequestLimitExceeded", null]);
    expect(summary).toMatchObject({ route: "direct", purged: 0, deferred: 3, failed: 0 });
    expect(summary.deferrals[0]).toMatchObject({ reason: "RequestLimitExceeded" });
    expect(summary.drain).toMatchObject({ status: "drained", purged: 3 });
  });

  it("auto: when the backlog cannot be written, what it would queue is purged at once, never worse than direct", async () => {
    emulator.configure({
      faults: [
        { service: "cos", action: "PutObject", kind: "error", code: "AccessDenied" },
        { action: "CreatePurgeTask", kind: "error", code: "RequestLimitExceeded", times: 1 },
      ],
    });
    const { invoke, lines } = instance({ PURGE_MODE: "auto" });
    // Refused for rate, and not writable: that invocation fails for SCF to retry.
    await expect(invoke(cosEvent(cosRecord({ key: "one.png" })))).rejects.toThrow();
    const second = await invoke(cosEvent(cosRecord({ key: "two.png" }))); // backing off: would queue

    expect(second).toMatchObject({ route: "direct", purged: 1, failed: 0 });
    expect(accepted()).toEqual(["https://www.example.com/two.png"]);
    expect(lines.some((line) => line.msg === "backlog not writable; purging at once")).toBe(true);
  });

  it("queue mode, a task canceled after its window's drain: the next window's journal queues it again and purges it; the timer's sweep, which lists it too, leaves it to the journal", async () => {
    emulator.configure({ tasks: { processingMs: 0, outcome: "canceled" } });
    const settings = { PURGE_MODE: "queue", PURGE_WINDOW_MS: "200" };
    const canceled = cosRecord({ key: "canceled.png" });
    const next = cosRecord({ key: "next.png" });
    await instance(settings).invoke(cosEvent(canceled));
    expect(accepted()).toEqual([urlOf(canceled)]);
    emulator.configure({ tasks: { processingMs: 0, outcome: "success" } });

    await instance(settings).invoke(cosEvent(next)); // its window's drain confirms the canceled task
    expect(accepted().slice(1).sort()).toEqual([urlOf(canceled), urlOf(next)].sort());
    // The canceled task's sent record is gone; the sweep of failed tasks still lists the task.
    const timer = await instance(settings).invoke(timerEvent());

    expect(timer.drain).toMatchObject({ status: "drained", requeued: 0, purged: 0 });
    expect(accepted()).toHaveLength(3);
  });

  it("queue mode, a task that fails every time: each drain counts a try, and the overdue alarm fires after PURGE_BACKLOG_ALARM_TRIES", async () => {
    emulator.configure({ tasks: { processingMs: 0, failTargets: ["broken"] } });
    const settings = { PURGE_MODE: "queue", PURGE_WINDOW_MS: "200", PURGE_BACKLOG_ALARM_TRIES: "2" };
    const broken = cosRecord({ key: "broken.png" });
    const healthy = cosRecord({ key: "fine.png" });
    // The invocation queues both and drains its window: both accepted, one task then fails.
    await instance(settings).invoke(cosEvent(broken, healthy));
    expect(accepted().sort()).toEqual([urlOf(broken), urlOf(healthy)].sort());

    const drains: Record<string, unknown>[][] = [];
    for (let drain = 1; drain <= 3; drain += 1) {
      const timer = instance(settings);
      const summary = await timer.invoke(timerEvent());
      // Each drain confirms the last one's task failed, queues its target again and sends it again.
      expect(summary.drain).toMatchObject({ status: "drained", requeued: 1, purged: 1 });
      drains.push(timer.lines);
    }
    expect(accepted().filter((url) => url === urlOf(broken))).toHaveLength(4);
    expect(accepted().filter((url) => url === urlOf(healthy))).toHaveLength(1);
    const overdue = drains.map((lines) => lines.find((line) => line.msg === "backlog overdue"));
    // Tries 1 and 2 are within the limit of 2; the third drain to find the task failed raises it.
    expect(overdue.slice(0, 2)).toEqual([undefined, undefined]);
    expect(overdue[2]).toMatchObject({
      level: "error",
      targets: 1,
      mostTries: 3,
      reasons: { TaskFailed: 1 },
    });
  });
});
