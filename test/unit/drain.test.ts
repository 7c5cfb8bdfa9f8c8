import { describe, expect, it } from "vitest";
import type { Backlog } from "../../src/backlog/backlog";
import { readEntry, readSent } from "../../src/backlog/entries";
import { acquireLease } from "../../src/backlog/lease";
import { type DrainDeps, drainBacklog } from "../../src/drain/drain";
import type { Provider, Purger, TaskRecord } from "../../src/foundation/model";
import { drainWorld } from "../support/drain-world";
import type { FakeClock } from "../support/fake-clock";
import { apiError, DEFAULT_QUOTA, FakePurger } from "../support/fake-purger";
import { storageError } from "../support/memory-store";

const ZONE = "zone-1";
const PREFIX = ".cos-purge/";
const urls = (n: number, folder = "") =>
  Array.from({ length: n }, (_, i) => `https://www.example.com/${folder}f-${i}.js`);

function setup(purgers: Partial<Record<Provider, Purger>>, overrides: Partial<DrainDeps> = {}) {
  const { clock, store, backlog, lines, deps } = drainWorld(purgers, overrides);
  const queued = async () =>
    (await Promise.all(store.keys(`${PREFIX}queue/`).map((key) => store.get(key))))
      .map((text) => readEntry(text ?? ""))
      .flatMap((entry) => (typeof entry === "string" ? [] : entry.targets));
  const sent = async () =>
    (await Promise.all(store.keys(`${PREFIX}sent/`).map((key) => store.get(key)))).map((text) =>
      readSent(text ?? ""),
    );
  return { clock, store, backlog, lines, deps, queued, sent };
}

const defer = (backlog: Backlog, targets: string[], reason = "QuotaExhausted") =>
  backlog.defer([{ provider: "edgeone", scope: ZONE, targets, reason, message: reason }], "req-1");

describe("drainBacklog", () => {
  it("merges entries, deduplicates, submits in as few requests as Batch allows, and empties the queue", async () => {
    const edgeone = new FakePurger("edgeone", { quota: () => ({ ...DEFAULT_QUOTA, batch: 2_000 }) });
    const { backlog, deps, queued, store } = setup({ edgeone });
    await defer(backlog, urls(1_500));
    await defer(backlog, urls(3_000)); // overlaps the first 1,500
    const report = await drainBacklog(deps());

    expect(edgeone.purges.map((call) => call.targets.length)).toEqual([2_000, 1_000]);
    expect(new Set(edgeone.purges.flatMap((call) => call.targets)).size).toBe(3_000);
    expect(report).toMatchObject({
      status: "drained",
      entries: 2,
      targets: 3_000,
      purged: 3_000,
      waiting: 0,
    });
    expect(await queued()).toEqual([]);
    // Each submission stays journaled, applied, until a later drain confirms its task.
    expect(store.keys(`${PREFIX}sent/`)).toHaveLength(2);
  });

  it("keeps what the daily quota cannot take, and purges it after the quota resets", async () => {
    let available = 100;
    const edgeone = new FakePurger("edgeone", {
      quota: () => ({ batch: 2_000, daily: 10_000, dailyAvailable: available }),
    });
    const { backlog, deps, queued, clock } = setup({ edgeone });
    await defer(backlog, urls(300));
    const first = await drainBacklog(deps());
    expect(first).toMatchObject({ purged: 100, waiting: 200 });
    expect(await queued()).toHaveLength(200);

    available = 10_000;
    clock.advance(24 * 3_600_000); // a new day: the quota book forgets
    const second = await drainBacklog(deps());
    expect(second).toMatchObject({ purged: 200, waiting: 0 });
    expect(await queued()).toEqual([]);
    const all = edgeone.purges.flatMap((call) => call.targets);
    expect(all.sort()).toEqual(urls(300).sort());
  });

  it("removes targets refused for good and reports them, keeps retryable ones with a try counted", async () => {
    const edgeone = new FakePurger("edgeone", {
      purge: (targets) =>
        targets.length > 1
          ? {
              requestId: "r",
              taskId: "t",
              failed: [{ reason: "DomainNotFound", targets: [targets[0] as string] }],
            }
          : apiError("InternalError"),
    });
    const { backlog, deps, queued, lines } = setup({ edgeone });
    await defer(backlog, urls(3));
    const report = await drainBacklog(deps());
    expect(report.failures.map((f) => [f.code, f.targets.length])).toEqual([["DomainNotFound", 1]]);
    expect(report.purged).toBe(2);
    expect(await queued()).toEqual([]);
    expect(
      lines.some((line) => line.level === "error" && String(line.msg).includes("no retry can fix")),
    ).toBe(true);

    await defer(backlog, urls(1, "x/"));
    const again = await drainBacklog(deps());
    expect(again).toMatchObject({ waiting: 1, purged: 0 });
    const [entry] = await Promise.all((await backlog.readQueue()).entries.map((e) => e.record));
    expect(entry?.tries).toBe(1);
  });

  it("does nothing while another drain holds the lease, and drains once it is released", async () => {
    const edgeone = new FakePurger("edgeone");
    const { backlog, deps, clock, store } = setup({ edgeone });
    await defer(backlog, urls(5));
    const other = await acquireLease(store, clock, `${PREFIX}lease/drain/`, "other", 30_000);
    expect(other.held).toBeDefined();
    const busy = await drainBacklog(deps());
    expect(busy).toMatchObject({ status: "busy", holder: { owner: "other" } });
    expect(edgeone.purges).toHaveLength(0);

    await other.held?.release();
    expect(await drainBacklog(deps())).toMatchObject({ status: "drained", purged: 5 });
  });

  it("takes over a lease whose holder died once it expires", async () => {
    const edgeone = new FakePurger("edgeone");
    const { backlog, deps, clock, store } = setup({ edgeone });
    await defer(backlog, urls(2));
    await acquireLease(store, clock, `${PREFIX}lease/drain/`, "dead", 10_000);
    expect((await drainBacklog(deps())).status).toBe("busy");
    clock.advance(10_001);
    expect(await drainBacklog(deps())).toMatchObject({ status: "drained", purged: 2 });
  });

  it("two drains at once: exactly one drains, nothing is submitted twice", async () => {
    const edgeone = new FakePurger("edgeone");
    const { backlog, deps, queued } = setup({ edgeone });
    await defer(backlog, urls(50));
    const reports = await Promise.all([drainBacklog(deps()), drainBacklog(deps())]);
    expect(reports.map((r) => r.status).sort()).toEqual(["busy", "drained"]);
    expect(edgeone.purges.flatMap((call) => call.targets)).toHaveLength(50);
    expect(await queued()).toEqual([]);
  });

  it("a drain killed between submit and settling: the next one removes the sent targets instead of resending", async () => {
    const edgeone = new FakePurger("edgeone");
    const { backlog, deps, store, queued } = setup({ edgeone });
    await defer(backlog, urls(10));
    // The first rewrite or delete of a queue entry after the submit "kills" the drain.
    store.failWith = (op) =>
      (op.op === "delete" || op.op === "put") && op.key.includes("/queue/")
        ? storageError("Killed")
        : undefined;
    await expect(drainBacklog(deps())).rejects.toThrow(/Killed/);
    expect(edgeone.purges).toHaveLength(1);
    expect(await queued()).toHaveLength(10);

    store.failWith = undefined;
    const next = await drainBacklog(deps());
    expect(edgeone.purges).toHaveLength(1); // not sent again
    expect(next.entries).toBe(0);
    expect(await queued()).toEqual([]);
  });

  it("collapse on, a drain killed after its folder purge: the next one removes every URL the folder covers, sending nothing", async () => {
    const edgeone = new FakePurger("edgeone");
    const { backlog, deps, store, queued, sent } = setup(
      { edgeone },
      { collapse: { minFiles: 10, allowRoot: false } },
    );
    await defer(backlog, urls(20, "assets/js/"));
    store.failWith = (op) =>
      (op.op === "delete" || op.op === "put") && op.key.includes("/queue/")
        ? storageError("Killed")
        : undefined;
    await expect(drainBacklog(deps())).rejects.toThrow(/Killed/);
    expect(edgeone.purges.map((call) => call.targets)).toEqual([["https://www.example.com/assets/js/"]]);
    // The record, as stored, says which queued URLs the folder stands for.
    expect(await sent()).toMatchObject([{ covers: urls(20, "assets/js/") }]);

    store.failWith = undefined;
    await drainBacklog(deps());
    expect(edgeone.purges).toHaveLength(1);
    expect(await queued()).toEqual([]);
  });

  it("a submit that timed out: the next drain finds the task by time and does not resend", async () => {
    let calls = 0;
    const tasks: TaskRecord[] = [];
    const clockHolder: { clock?: FakeClock } = {};
    const edgeone = new FakePurger("edgeone", {
      purge: (targets) => {
        calls += 1;
        for (const target of targets) {
          tasks.push({
            taskId: "job-1",
            target,
            type: "purge_url",
            status: "success",
            createdAt: clockHolder.clock?.now() ?? 0,
          });
        }
        return apiError("Timeout"); // received, answer lost
      },
      tasks: () => tasks,
    });
    const { backlog, deps, queued, clock, sent } = setup({ edgeone }, { maxAttempts: 1 });
    clockHolder.clock = clock;
    await defer(backlog, urls(4));
    const first = await drainBacklog(deps());
    expect(first.waiting).toBe(4);
    expect(await sent()).toHaveLength(1);

    const second = await drainBacklog(deps());
    expect(calls).toBe(1);
    expect(second).toMatchObject({ entries: 0, confirmed: 1 });
    expect(await queued()).toEqual([]);
    expect(await sent()).toEqual([]);
  });

  it("confirms earlier submissions: success deletes the record, a failed task queues its targets again", async () => {
    const status: Record<string, TaskRecord["status"]> = {};
    const edgeone = new FakePurger("edgeone", {
      tasks: (query) =>
        urls(4)
          .slice(query.taskId === "task-1" ? 0 : 2, query.taskId === "task-1" ? 2 : 4)
          .map((target) => ({
            taskId: query.taskId ?? "",
            target,
            type: "purge_url" as const,
            status: status[query.taskId ?? ""] ?? "processing",
            createdAt: 0,
            failType: "originPullFailed",
          })),
      quota: () => ({ ...DEFAULT_QUOTA, batch: 2 }),
    });
    const { backlog, deps, queued, sent } = setup({ edgeone });
    await defer(backlog, urls(4));
    await drainBacklog(deps());
    expect(await sent()).toHaveLength(2);

    const running = await drainBacklog(deps());
    expect(running).toMatchObject({ confirmed: 0, unconfirmed: 2 });

    status["task-1"] = "success";
    status["task-2"] = "failed";
    const done = await drainBacklog(deps());
    expect(done).toMatchObject({ confirmed: 1, requeued: 2 });
    // The requeued targets were purged again by the same drain.
    expect(edgeone.purges.at(-1)?.targets).toEqual(urls(4).slice(2));
    expect(await queued()).toEqual([]);
  });

  it("a task that fails every time: each drain queues its target again with a try counted, and the alarm fires once the tries pass the limit", async () => {
    const edgeone = new FakePurger("edgeone", {
      tasks: (query) =>
        urls(1).map((target) => ({
          taskId: query.taskId ?? "",
          target,
          type: "purge_url" as const,
          status: "failed" as const,
          createdAt: 0,
          failType: "taskFailed",
        })),
    });
    const { backlog, deps, lines, clock } = setup(
      { edgeone },
      { alarm: { maxAgeMs: 24 * 3_600_000, maxTries: 2 } },
    );
    const queuedAt = clock.now();
    await defer(backlog, urls(1));
    const alarms: unknown[] = [];
    for (let drain = 1; drain <= 4; drain += 1) {
      clock.advance(60_000);
      const report = await drainBacklog(deps());
      expect(report).toMatchObject({ purged: 1, requeued: drain === 1 ? 0 : 1 });
      alarms.push(lines.filter((line) => line.msg === "backlog overdue").length);
    }
    expect(edgeone.purges).toHaveLength(4);
    expect(alarms).toEqual([0, 0, 0, 1]);
    const alarm = lines.find((line) => line.msg === "backlog overdue");
    expect(alarm).toMatchObject({ targets: 1, mostTries: 3, reasons: { TaskFailed: 1 } });
    // The age counts from the first deferral, not from the latest requeue.
    expect(alarm?.oldestAgeMs).toBe(clock.now() - queuedAt);
  });

  it("raises the overdue alarm with counts and the oldest age", async () => {
    const edgeone = new FakePurger("edgeone", {
      quota: () => ({ batch: 100, daily: 100, dailyAvailable: 0 }),
    });
    const { backlog, deps, lines, clock } = setup({ edgeone });
    await defer(backlog, urls(7));
    clock.advance(25 * 3_600_000);
    await drainBacklog(deps());
    const alarm = lines.find((line) => line.msg === "backlog overdue");
    expect(alarm).toMatchObject({ level: "error", entries: 1, targets: 7, reasons: { QuotaExhausted: 7 } });
    expect(alarm?.oldestAgeMs).toBeGreaterThanOrEqual(25 * 3_600_000);
    // CLS indexes only top-level strings and numbers: the reason and provider are there too.
    expect(alarm).toMatchObject({
      reason: "QuotaExhausted",
      provider: "edgeone",
      reasonCodes: "QuotaExhausted:7",
    });
    expect(alarm?.hint).toMatch(/PURGE_BACKLOG_ALARM_HOURS/);
  });

  it("collapses a folder of many targets into one folder purge, and counts each URL as purged", async () => {
    const edgeone = new FakePurger("edgeone");
    const { backlog, deps, queued } = setup({ edgeone }, { collapse: { minFiles: 10, allowRoot: false } });
    await defer(backlog, [...urls(500, "assets/js/"), ...urls(3, "other/")]);
    const report = await drainBacklog(deps());
    const types = edgeone.purges.map((call) => [call.type, call.targets]);
    expect(types).toEqual([
      ["purge_url", urls(3, "other/")],
      ["purge_prefix", ["https://www.example.com/assets/js/"]],
    ]);
    expect(report.collapsed).toEqual([
      { provider: "edgeone", scope: ZONE, prefix: "https://www.example.com/assets/js/", count: 500 },
    ]);
    expect(report.purged).toBe(503);
    expect(await queued()).toEqual([]);
  });

  it("does not queue again the targets of a prefetch task that failed: the purge was done", async () => {
    const edgeone = new FakePurger("edgeone", {
      tasks: (query) =>
        urls(2).map((target) => ({
          taskId: query.taskId ?? "",
          target,
          type: "prefetch_url" as const,
          status: "failed" as const,
          createdAt: 0,
          failType: "originPullFailed",
        })),
    });
    const { backlog, deps, queued, sent, lines } = setup({ edgeone });
    await backlog.defer(
      [
        {
          provider: "edgeone",
          scope: ZONE,
          type: "prefetch_url",
          targets: urls(2),
          reason: "Queued",
          message: "",
        },
      ],
      "req-1",
    );
    await drainBacklog(deps());
    expect(edgeone.purges.map((call) => call.type)).toEqual(["prefetch_url"]);

    const next = await drainBacklog(deps());
    expect(next).toMatchObject({ confirmed: 1, requeued: 0 });
    expect(await queued()).toEqual([]);
    expect(await sent()).toEqual([]);
    expect(edgeone.purges).toHaveLength(1);
    expect(lines.some((line) => line.msg === "prefetch task failed; not retried")).toBe(true);
  });
});
