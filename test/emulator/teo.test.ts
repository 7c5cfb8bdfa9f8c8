import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { clearProxyEnv, sdkError, teoClient, teoTime } from "./helpers";

clearProxyEnv();

const ZoneId = "zone-emulator";

/** A time range around now: EdgeOne's Describe*Tasks require a range (at most 7 days) or a job-id filter. */
const recent = () => ({
  StartTime: teoTime(Date.now() - 3_600_000),
  EndTime: teoTime(Date.now() + 3_600_000),
});

describe("EdgeOne (teo 2022-09-01)", () => {
  let emulator: Emulator;
  let client: ReturnType<typeof teoClient>;

  beforeAll(async () => {
    emulator = await startEmulator({ config: { rateLimit: 0 } });
    client = teoClient(emulator);
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset());

  describe("CreatePurgeTask", () => {
    it("purges the targets on the zone and returns the others in FailedList, as the real service does", async () => {
      const result = await client.CreatePurgeTask({
        ZoneId,
        Type: "purge_url",
        Targets: [
          "https://www.example.com/a.jpg",
          "https://other.example.org/b.jpg",
          "http://STATIC.example.com/c",
        ],
      });

      expect(result.JobId).toMatch(/^[0-9a-z]{12}$/);
      expect(result.FailedList).toEqual([
        { Reason: expect.any(String), Targets: ["https://other.example.org/b.jpg"] },
      ]);
      const tasks = await client.DescribePurgeTasks({
        ZoneId,
        Filters: [{ Name: "job-id", Values: [result.JobId ?? ""] }],
      });
      expect(tasks.Tasks?.map((task) => task.Target).sort()).toEqual([
        "http://STATIC.example.com/c",
        "https://www.example.com/a.jpg",
      ]);
      expect(emulator.calls()[0]).toMatchObject({
        service: "teo",
        action: "CreatePurgeTask",
        params: { ZoneId, Type: "purge_url" },
        error: null,
        httpStatus: 200,
        response: { JobId: result.JobId, RequestId: result.RequestId },
      });
    });

    it.each([
      { Type: "purge_prefix", Method: "delete", Targets: ["https://www.example.com/dir/"] },
      { Type: "purge_host", Method: "invalidate", Targets: ["static.example.com"] },
      { Type: "purge_all", Method: "delete" },
      { Type: "purge_cache_tag", Targets: ["tag-a"], CacheTag: { Domains: ["www.example.com"] } },
    ])("accepts $Type and records its task with its method", async (request) => {
      const result = await client.CreatePurgeTask({ ZoneId, ...request });

      const { Tasks } = await client.DescribePurgeTasks({
        ZoneId,
        Filters: [{ Name: "job-id", Values: [result.JobId ?? ""] }],
      });
      expect(result.FailedList).toEqual([]);
      expect(Tasks).toEqual([
        expect.objectContaining({
          Type: request.Type,
          Method: request.Method ?? "invalidate",
          Target: request.Targets?.[0] ?? ZoneId,
          Status: "success",
        }),
      ]);
    });

    it.each([
      { case: "a URL without scheme", Type: "purge_url", Targets: ["www.example.com/a.jpg"] },
      { case: "a prefix without scheme", Type: "purge_prefix", Targets: ["www.example.com/dir/"] },
      { case: "a host given as a URL", Type: "purge_host", Targets: ["https://www.example.com"] },
      { case: "no targets", Type: "purge_url", Targets: [] },
    ])("answers InvalidParameter.Target for $case", async ({ Type, Targets }) => {
      const error = await sdkError(client.CreatePurgeTask({ ZoneId, Type, Targets }));

      expect(error.code).toBe("InvalidParameter.Target");
    });

    it("answers InvalidParameter.ParameterError for an unknown Type or Method", async () => {
      const badType = await sdkError(
        client.CreatePurgeTask({ ZoneId, Type: "purge_everything", Targets: [] }),
      );
      const badMethod = await sdkError(
        client.CreatePurgeTask({
          ZoneId,
          Type: "purge_prefix",
          Method: "flush",
          Targets: ["https://www.example.com/"],
        }),
      );

      expect([badType.code, badMethod.code]).toEqual([
        "InvalidParameter.ParameterError",
        "InvalidParameter.ParameterError",
      ]);
    });

    it("answers a zone that does not exist with a code both zone calls document, UnauthorizedOperation.NoPermission", async () => {
      const purge = await sdkError(
        client.CreatePurgeTask({
          ZoneId: "zone-missing",
          Type: "purge_url",
          Targets: ["https://www.example.com/"],
        }),
      );
      const quota = await sdkError(client.DescribeContentQuota({ ZoneId: "zone-missing" }));

      expect([purge.code, quota.code]).toEqual([
        "UnauthorizedOperation.NoPermission",
        "UnauthorizedOperation.NoPermission",
      ]);
      expect(purge.message).toContain("zone-missing");
    });

    it("requires CacheTag.Domains for purge_cache_tag, and only the zone's domains", async () => {
      const missing = await sdkError(
        client.CreatePurgeTask({ ZoneId, Type: "purge_cache_tag", Targets: ["t"] }),
      );
      const foreign = await sdkError(
        client.CreatePurgeTask({
          ZoneId,
          Type: "purge_cache_tag",
          Targets: ["t"],
          CacheTag: { Domains: ["x.org"] },
        }),
      );

      expect([missing.code, foreign.code]).toEqual(["MissingParameter", "InvalidParameter.DomainNotFound"]);
    });

    it("answers UnknownParameter for a misspelt field, as the real gateway does", async () => {
      const error = await sdkError(
        client.request("CreatePurgeTask", {
          ZoneId,
          Type: "purge_url",
          Target: ["https://www.example.com/"],
        }),
      );

      expect(error.code).toBe("UnknownParameter");
      expect(error.message).toContain("Target");
    });
  });

  it("CreatePrefetchTask prefetches the zone's URLs and DescribePrefetchTasks lists them", async () => {
    const result = await client.CreatePrefetchTask({
      ZoneId,
      Targets: ["https://www.example.com/big.bin", "https://elsewhere.org/x"],
    });

    const listed = await client.DescribePrefetchTasks({ ZoneId, ...recent() });
    expect(result.FailedList).toEqual([{ Reason: expect.any(String), Targets: ["https://elsewhere.org/x"] }]);
    expect(listed).toMatchObject({
      TotalCount: 1,
      Tasks: [
        {
          JobId: result.JobId,
          Target: "https://www.example.com/big.bin",
          Type: "prefetch_url",
          Status: "success",
        },
      ],
    });
    expect((await client.DescribePurgeTasks({ ZoneId, ...recent() })).TotalCount).toBe(0);
  });

  it("DescribeContentQuota reports every purge type and prefetch_url with the documented defaults", async () => {
    const quota = await client.DescribeContentQuota({ ZoneId });

    const limits = { Batch: 2000, Daily: 10_000, DailyAvailable: 10_000 };
    expect(quota.PurgeQuota).toEqual(
      ["purge_url", "purge_prefix", "purge_host", "purge_all", "purge_cache_tag"].map((Type) => ({
        Type,
        ...limits,
      })),
    );
    expect(quota.PrefetchQuota).toEqual([{ Type: "prefetch_url", ...limits }]);
  });

  describe("DescribePurgeTasks", () => {
    const urls = ["a.jpg", "b.jpg", "c.png", "d.png", "e.css"].map(
      (name) => `https://www.example.com/${name}`,
    );

    beforeEach(async () => {
      await client.CreatePurgeTask({ ZoneId, Type: "purge_url", Targets: urls });
      await client.CreatePurgeTask({ ZoneId, Type: "purge_host", Targets: ["static.example.com"] });
    });

    it("pages with Offset and Limit and counts every match in TotalCount", async () => {
      const page = await client.DescribePurgeTasks({ ZoneId, ...recent(), Offset: 1, Limit: 2 });

      expect(page.TotalCount).toBe(6);
      expect(page.Tasks).toHaveLength(2);
    });

    it("filters by target exactly, or as a substring with Fuzzy", async () => {
      const exact = await client.DescribePurgeTasks({
        ZoneId,
        ...recent(),
        Filters: [{ Name: "target", Values: [urls[2] ?? ""] }],
      });
      const fuzzy = await client.DescribePurgeTasks({
        ZoneId,
        ...recent(),
        Filters: [{ Name: "target", Values: [".png"], Fuzzy: true }],
      });

      expect(exact.Tasks?.map((task) => task.Target)).toEqual([urls[2]]);
      expect(fuzzy.TotalCount).toBe(2);
    });

    it("filters by type, domain and status", async () => {
      const byType = await client.DescribePurgeTasks({
        ZoneId,
        ...recent(),
        Filters: [{ Name: "type", Values: ["purge_host"] }],
      });
      const byDomain = await client.DescribePurgeTasks({
        ZoneId,
        ...recent(),
        Filters: [{ Name: "domains", Values: ["www.example.com"] }],
      });
      const failed = await client.DescribePurgeTasks({
        ZoneId,
        ...recent(),
        Filters: [{ Name: "statuses", Values: ["failed"] }],
      });

      expect([byType.TotalCount, byDomain.TotalCount, failed.TotalCount]).toEqual([1, 5, 0]);
    });

    it("says what a parameter out of range accepts", async () => {
      const error = await sdkError(client.DescribePurgeTasks({ ZoneId, ...recent(), Limit: 5000 }));

      expect([error.code, error.message]).toEqual([
        "InvalidParameter.ParameterError",
        "The parameter `Limit` is invalid: Too big: expected number to be <=1000.",
      ]);
    });

    it("rejects a filter the API does not have", async () => {
      const error = await sdkError(
        client.DescribePurgeTasks({ ZoneId, ...recent(), Filters: [{ Name: "colour", Values: ["x"] }] }),
      );

      expect(error.code).toBe("InvalidParameter.ParameterError");
    });
  });

  it("answers InvalidAction for an action it does not emulate, and NoSuchVersion for an unknown version", async () => {
    const unknownAction = await sdkError(client.request("DescribeZones", {}));
    const otherVersion = teoClient(emulator);
    otherVersion.apiVersion = "2099-01-01";
    const unknownVersion = await sdkError(otherVersion.DescribeContentQuota({ ZoneId }));

    expect(unknownAction.code).toBe("InvalidAction");
    expect(unknownVersion.code).toBe("NoSuchVersion");
    expect(emulator.calls().map((call) => [call.service, call.error])).toEqual([
      ["teo", "InvalidAction"],
      [null, "NoSuchVersion"],
    ]);
  });
});
