import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { cdnClient, clearProxyEnv, sdkError, standingClock, teoClient, teoTime } from "./helpers";

clearProxyEnv();

const ZoneId = "zone-emulator";

/** A time range around now: EdgeOne's Describe*Tasks require a range (at most 7 days) or a job-id filter. */
const recent = () => ({
  StartTime: teoTime(Date.now() - 3_600_000),
  EndTime: teoTime(Date.now() + 3_600_000),
});

describe("task status", () => {
  const clock = standingClock();
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ now: clock.now, config: { rateLimit: 0 } });
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset({ config: true }));

  const purge = (...targets: string[]) =>
    teoClient(emulator).CreatePurgeTask({ ZoneId, Type: "purge_url", Targets: targets });
  const teoTasks = async (jobId: string | undefined) =>
    (
      await teoClient(emulator).DescribePurgeTasks({
        ZoneId,
        Filters: [{ Name: "job-id", Values: [jobId ?? ""] }],
      })
    ).Tasks ?? [];

  it("reports success at once by default", async () => {
    const { JobId } = await purge("https://www.example.com/a");

    expect(await teoTasks(JobId)).toMatchObject([{ Status: "success" }]);
  });

  it("reports processing for processingMs, then success", async () => {
    emulator.configure({ tasks: { processingMs: 5000 } });
    const { JobId } = await purge("https://www.example.com/a");

    const early = await teoTasks(JobId);
    clock.advance(5000);
    const late = await teoTasks(JobId);

    expect(early).toMatchObject([{ Status: "processing" }]);
    expect(late).toMatchObject([{ Status: "success" }]);
    expect(
      Date.parse(late[0]?.UpdateTime ?? "") - Date.parse(late[0]?.CreateTime ?? ""),
    ).toBeGreaterThanOrEqual(4000);
  });

  it("fails every task when the outcome is failed, with EdgeOne's FailType", async () => {
    emulator.configure({ tasks: { outcome: "failed" } });
    const { JobId } = await purge("https://www.example.com/a");

    expect(await teoTasks(JobId)).toMatchObject([
      { Status: "failed", FailType: "taskFailed", FailMessage: expect.any(String) },
    ]);
  });

  it("fails only the targets named in failTargets, which the statuses filter finds", async () => {
    emulator.configure({ tasks: { failTargets: ["/broken"] } });
    await purge("https://www.example.com/ok", "https://www.example.com/broken.jpg");

    const failed = await teoClient(emulator).DescribePurgeTasks({
      ZoneId,
      ...recent(),
      Filters: [{ Name: "statuses", Values: ["failed"] }],
    });

    expect(failed.Tasks?.map((task) => task.Target)).toEqual(["https://www.example.com/broken.jpg"]);
  });

  it("cancels every task when the outcome is canceled, which the statuses filter finds; CDN reports it as fail", async () => {
    emulator.configure({ tasks: { outcome: "canceled" } });
    await purge("https://www.example.com/a");
    const { TaskId = "" } = await cdnClient(emulator).PurgeUrlsCache({
      Urls: ["https://cdn.example.com/a.js"],
    });
    const byStatus = (status: string) =>
      teoClient(emulator).DescribePurgeTasks({
        ZoneId,
        ...recent(),
        Filters: [{ Name: "statuses", Values: [status] }],
      });

    expect((await byStatus("canceled")).Tasks).toMatchObject([
      { Target: "https://www.example.com/a", Status: "canceled", FailMessage: expect.any(String) },
    ]);
    expect((await byStatus("failed")).Tasks).toEqual([]);
    // CDN has no canceled status (fail, done, process): a task that did not purge failed.
    const { PurgeLogs } = await cdnClient(emulator).DescribePurgeTasks({ TaskId, Status: "fail" });
    expect(PurgeLogs).toMatchObject([{ Url: "https://cdn.example.com/a.js", Status: "fail" }]);
  });

  it("refuses a statuses filter of invalid for purge tasks (a prefetch status), naming the value", async () => {
    const purges = await sdkError(
      teoClient(emulator).DescribePurgeTasks({
        ZoneId,
        ...recent(),
        Filters: [{ Name: "statuses", Values: ["failed", "invalid"] }],
      }),
    );
    const prefetches = await teoClient(emulator).DescribePrefetchTasks({
      ZoneId,
      ...recent(),
      Filters: [{ Name: "statuses", Values: ["failed", "invalid"] }],
    });

    expect(purges).toMatchObject({ code: "InvalidParameter.ParameterError" });
    expect(purges.message).toContain('"invalid"');
    expect(prefetches.Tasks).toEqual([]);
  });

  it("reports CDN tasks in CDN's words: process, then done or fail", async () => {
    emulator.configure({ tasks: { processingMs: 1000, failTargets: ["b.js"] } });
    const { TaskId } = await cdnClient(emulator).PurgeUrlsCache({
      Urls: ["https://cdn.example.com/a.js", "https://cdn.example.com/b.js"],
    });
    const statuses = async () =>
      (await cdnClient(emulator).DescribePurgeTasks({ TaskId: TaskId ?? "" })).PurgeLogs.map((log) => [
        log.Url,
        log.Status,
      ]).sort();

    const early = await statuses();
    clock.advance(1000);

    expect(early).toEqual([
      ["https://cdn.example.com/a.js", "process"],
      ["https://cdn.example.com/b.js", "process"],
    ]);
    expect(await statuses()).toEqual([
      ["https://cdn.example.com/a.js", "done"],
      ["https://cdn.example.com/b.js", "fail"],
    ]);
  });
});
