import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { cdnClient, clearProxyEnv, sdkError, teoClient, teoTime } from "./helpers";

clearProxyEnv();

const ZoneId = "zone-emulator";
const DAY = 24 * 60 * 60 * 1000;
const recent = () => ({
  StartTime: teoTime(Date.now() - 3_600_000),
  EndTime: teoTime(Date.now() + 3_600_000),
});
const SINCE = { StartTime: "2000-01-01 00:00:00" };
const paths = (count: number) =>
  Array.from({ length: count }, (_, index) => `https://cdn.example.com/d${index}/`);

describe("prefix purges, prefetches and task queries", () => {
  let emulator: Emulator;
  let teo: ReturnType<typeof teoClient>;
  let cdn: ReturnType<typeof cdnClient>;

  beforeAll(async () => {
    emulator = await startEmulator({ config: { rateLimit: 0 } });
    teo = teoClient(emulator);
    cdn = cdnClient(emulator);
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset({ config: true }));

  describe("EdgeOne DescribePurgeTasks", () => {
    it("requires ZoneId, and a time range or a job-id filter", async () => {
      const { JobId = "" } = await teo.CreatePurgeTask({
        ZoneId,
        Type: "purge_url",
        Targets: ["https://www.example.com/a"],
      });

      const noZone = await sdkError(teo.DescribePurgeTasks({ ...recent() }));
      const noRange = await sdkError(teo.DescribePurgeTasks({ ZoneId }));
      const byJob = await teo.DescribePurgeTasks({ ZoneId, Filters: [{ Name: "job-id", Values: [JobId] }] });

      expect([noZone.code, noRange.code]).toEqual(["MissingParameter", "InvalidParameter.ParameterError"]);
      expect(byJob.TotalCount).toBe(1);
    });

    it("takes times to the second as documented and refuses milliseconds with the parameter error", async () => {
      const { JobId = "" } = await teo.CreatePurgeTask({
        ZoneId,
        Type: "purge_url",
        Targets: ["https://www.example.com/a"],
      });
      const end = Date.now() + 60_000;

      const withMs = await sdkError(
        teo.DescribePurgeTasks({
          ZoneId,
          StartTime: new Date(end - DAY).toISOString(),
          EndTime: teoTime(end),
        }),
      );
      const noZone = await sdkError(
        teo.DescribePurgeTasks({ ZoneId, StartTime: "2022-01-01T00:00:00", EndTime: teoTime(end) }),
      );
      const documented = await teo.DescribePurgeTasks({
        ZoneId,
        StartTime: teoTime(end - DAY).replace("Z", "+00:00"),
        EndTime: teoTime(end),
      });

      expect([withMs.code, noZone.code]).toEqual([
        "InvalidParameter.ParameterError",
        "InvalidParameter.ParameterError",
      ]);
      expect(withMs.message).toMatch(/StartTime ".*\.\d{3}Z" is not an ISO 8601 time to the second/);
      expect(documented.Tasks?.map((task) => task.JobId)).toEqual([JobId]);
    });

    it("refuses a range over 7 days and accepts one of 7", async () => {
      const end = Date.now();
      const range = (days: number) => ({
        ZoneId,
        StartTime: teoTime(end - days * DAY),
        EndTime: teoTime(end),
      });

      const tooLong = await sdkError(teo.DescribePurgeTasks(range(8)));

      expect(tooLong.code).toBe("InvalidParameter.ParameterError");
      await expect(teo.DescribePurgeTasks(range(7))).resolves.toHaveProperty("TotalCount", 0);
    });

    it("lists purge_prefix tasks with their Method, by type, and charges the purge_prefix quota", async () => {
      await teo.CreatePurgeTask({
        ZoneId,
        Type: "purge_prefix",
        Method: "delete",
        Targets: ["https://www.example.com/a/", "https://static.example.com/b/"],
      });
      await teo.CreatePurgeTask({ ZoneId, Type: "purge_url", Targets: ["https://www.example.com/a/x"] });

      const prefixes = await teo.DescribePurgeTasks({
        ZoneId,
        ...recent(),
        Filters: [{ Name: "type", Values: ["purge_prefix"] }],
      });
      const quota = await teo.DescribeContentQuota({ ZoneId });

      expect(
        prefixes.Tasks?.map(({ Target, Type, Method, Status }) => ({ Target, Type, Method, Status })),
      ).toEqual([
        // Newest first; the tasks of one job in reverse order of submission.
        {
          Target: "https://static.example.com/b/",
          Type: "purge_prefix",
          Method: "delete",
          Status: "success",
        },
        { Target: "https://www.example.com/a/", Type: "purge_prefix", Method: "delete", Status: "success" },
      ]);
      expect(quota.PurgeQuota?.find((entry) => entry.Type === "purge_prefix")?.DailyAvailable).toBe(9_998);
    });

    it("reports timeout and failed tasks for every type, which the statuses filter finds", async () => {
      emulator.configure({ tasks: { outcome: "timeout" } });
      await teo.CreatePurgeTask({ ZoneId, Type: "purge_prefix", Targets: ["https://www.example.com/a/"] });
      emulator.configure({ tasks: { failTargets: ["/b"] } });
      await teo.CreatePrefetchTask({ ZoneId, Targets: ["https://www.example.com/b.bin"] });

      const timedOut = await teo.DescribePurgeTasks({
        ZoneId,
        ...recent(),
        Filters: [{ Name: "statuses", Values: ["timeout"] }],
      });
      const failed = await teo.DescribePrefetchTasks({
        ZoneId,
        ...recent(),
        Filters: [{ Name: "statuses", Values: ["failed"] }],
      });

      expect(timedOut.Tasks).toMatchObject([{ Type: "purge_prefix", Status: "timeout" }]);
      expect(failed.Tasks).toMatchObject([
        { Type: "prefetch_url", Status: "failed", FailType: "taskFailed" },
      ]);
    });
  });

  describe("EdgeOne prefetch", () => {
    it("CreatePrefetchTask uses the prefetch_url quota and DescribePrefetchTasks lists the tasks", async () => {
      const { JobId } = await teo.CreatePrefetchTask({
        ZoneId,
        Targets: ["https://www.example.com/big.bin"],
      });

      const listed = await teo.DescribePrefetchTasks({ ZoneId, ...recent() });
      const quota = await teo.DescribeContentQuota({ ZoneId });

      expect(listed.Tasks).toMatchObject([{ JobId, Type: "prefetch_url", Status: "success" }]);
      expect(quota.PrefetchQuota).toEqual([
        { Type: "prefetch_url", Batch: 2000, Daily: 10_000, DailyAvailable: 9_999 },
      ]);
    });
  });

  describe("CDN PurgePathCache", () => {
    it("takes 500 directories a request but 100 a day: BatchLimit over 500, DayLimit over what is left", async () => {
      const batch = await sdkError(cdn.PurgePathCache({ Paths: paths(501), FlushType: "flush" }));
      const day = await sdkError(cdn.PurgePathCache({ Paths: paths(101), FlushType: "flush" }));
      await cdn.PurgePathCache({ Paths: paths(100), FlushType: "delete" });

      const { PathPurge } = await cdn.DescribePurgeQuota();
      const logs = await cdn.DescribePurgeTasks({ ...SINCE, PurgeType: "path", Limit: 1 });
      expect([batch.code, day.code]).toEqual([
        "LimitExceeded.CdnPurgePathExceedBatchLimit",
        "LimitExceeded.CdnPurgePathExceedDayLimit",
      ]);
      expect(PathPurge.find((row) => row.Area === "mainland")).toMatchObject({
        Batch: 500,
        Total: 100,
        Available: 0,
      });
      expect(logs).toMatchObject({
        TotalCount: 100,
        PurgeLogs: [{ PurgeType: "path", FlushType: "delete", Status: "done" }],
      });
    });

    it("requires FlushType", async () => {
      const error = await sdkError(cdn.request("PurgePathCache", { Paths: paths(1) }));

      expect(error.code).toBe("MissingParameter");
    });

    it("requires TaskId or StartTime to list tasks", async () => {
      const error = await sdkError(cdn.DescribePurgeTasks({ Keyword: "cdn.example.com" }));

      expect(error.code).toBe("InvalidParameter.CdnParamError");
    });
  });

  describe("CDN PushUrlsCache", () => {
    it("lists pushes with DescribePushTasks in the SDK's PushTask shape", async () => {
      emulator.configure({ tasks: { processingMs: 60_000 } });
      const { TaskId = "" } = await cdn.PushUrlsCache({
        Urls: ["https://cdn.example.com/v.mp4"],
        Area: "overseas",
      });

      const byId = await cdn.DescribePushTasks({ TaskId });
      const none = await sdkError(cdn.DescribePushTasks({}));

      expect(byId).toMatchObject({
        TotalCount: 1,
        PushLogs: [
          {
            TaskId,
            Url: "https://cdn.example.com/v.mp4",
            Status: "process",
            Percent: 0,
            Area: "overseas",
            CreateTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
            UpdateTime: expect.any(String),
          },
        ],
      });
      expect(none.code).toBe("InvalidParameter.CdnParamError");
      expect((await cdn.DescribePurgeTasks({ TaskId })).TotalCount).toBe(0);
    });

    it("answers the push batch and day limits with CDN's codes", async () => {
      emulator.configure({ cdn: { quota: { push: { batch: 500, daily: 3 } } } });
      const urls = (count: number) =>
        Array.from({ length: count }, (_, index) => `https://cdn.example.com/${index}.mp4`);

      const batch = await sdkError(cdn.PushUrlsCache({ Urls: urls(501) }));
      const day = await sdkError(cdn.PushUrlsCache({ Urls: urls(4) }));
      const { UrlPush } = await cdn.DescribePushQuota();

      expect([batch.code, day.code]).toEqual([
        "LimitExceeded.CdnPushExceedBatchLimit",
        "LimitExceeded.CdnPushExceedDayLimit",
      ]);
      expect(UrlPush.map((row) => row.Available)).toEqual([3, 3]);
    });

    it("reports failed and timed-out pushes as fail", async () => {
      emulator.configure({ tasks: { outcome: "timeout" } });
      const { TaskId = "" } = await cdn.PushUrlsCache({ Urls: ["https://cdn.example.com/a.mp4"] });

      const { PushLogs } = await cdn.DescribePushTasks({ TaskId, Status: "fail" });

      expect(PushLogs).toMatchObject([{ Status: "fail", Percent: 100 }]);
    });
  });
});
