import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { cdnClient, clearProxyEnv, sdkError } from "./helpers";

clearProxyEnv();

/** CDN Describe*Tasks require a TaskId or a StartTime. */
const SINCE = { StartTime: "2000-01-01 00:00:00" };

describe("CDN (cdn 2018-06-06)", () => {
  let emulator: Emulator;
  let client: ReturnType<typeof cdnClient>;

  beforeAll(async () => {
    emulator = await startEmulator({ config: { rateLimit: 0 } });
    client = cdnClient(emulator);
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset());

  it("PurgeUrlsCache returns a TaskId that DescribePurgeTasks reports, one log per URL", async () => {
    const urls = ["https://cdn.example.com/a.js", "https://www.example.com/b.css"];
    const { TaskId } = await client.PurgeUrlsCache({ Urls: urls });

    const { PurgeLogs, TotalCount } = await client.DescribePurgeTasks({ TaskId: TaskId ?? "" });

    expect(TotalCount).toBe(2);
    expect(PurgeLogs.map((log) => log.Url).sort()).toEqual(urls);
    expect(PurgeLogs[0]).toEqual({
      TaskId,
      Url: expect.any(String),
      Status: "done",
      PurgeType: "url",
      FlushType: "delete",
      CreateTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
    });
  });

  it("PurgePathCache purges directories with the FlushType asked for", async () => {
    const { TaskId } = await client.PurgePathCache({
      Paths: ["https://cdn.example.com/assets/"],
      FlushType: "flush",
    });

    const { PurgeLogs } = await client.DescribePurgeTasks({ TaskId: TaskId ?? "" });

    expect(PurgeLogs).toMatchObject([
      { PurgeType: "path", FlushType: "flush", Url: "https://cdn.example.com/assets/" },
    ]);
  });

  it.each([
    { case: "a directory without a trailing slash", call: "path", Paths: ["https://cdn.example.com/assets"] },
    { case: "an unknown FlushType", call: "path", Paths: ["https://cdn.example.com/a/"], FlushType: "wipe" },
    { case: "a URL without scheme", call: "url", Urls: ["cdn.example.com/a.js"] },
    { case: "an unknown Area", call: "url", Urls: ["https://cdn.example.com/a.js"], Area: "global" },
    { case: "an empty URL list", call: "url", Urls: [] },
  ])(
    "answers InvalidParameter.CdnParamError for $case",
    async ({ call, Paths = [], Urls = [], FlushType, Area }) => {
      const request =
        call === "path"
          ? client.PurgePathCache({ Paths, FlushType: FlushType ?? "delete" })
          : client.PurgeUrlsCache({ Urls, ...(Area ? { Area } : {}) });

      expect((await sdkError(request)).code).toBe("InvalidParameter.CdnParamError");
    },
  );

  it("fails the whole request with ResourceNotFound.CdnHostNotExists when one domain is not on the account", async () => {
    const error = await sdkError(
      client.PurgeUrlsCache({ Urls: ["https://cdn.example.com/a.js", "https://static.example.com/b.js"] }),
    );

    const quota = await client.DescribePurgeQuota();
    expect(error.code).toBe("ResourceNotFound.CdnHostNotExists");
    expect(error.message).toContain("static.example.com");
    expect(quota.UrlPurge.find((row) => row.Area === "mainland")?.Available).toBe(10_000);
    expect((await client.DescribePurgeTasks(SINCE)).TotalCount).toBe(0);
  });

  it("DescribePurgeQuota and DescribePushQuota list one quota per area with the documented defaults", async () => {
    const purge = await client.DescribePurgeQuota();
    const push = await client.DescribePushQuota();

    const perArea = (limits: { Batch: number; Total: number }) =>
      ["mainland", "overseas"].map((Area) => ({ Area, ...limits, Available: limits.Total }));
    expect(purge.UrlPurge).toEqual(perArea({ Batch: 1000, Total: 10_000 }));
    expect(purge.PathPurge).toEqual(perArea({ Batch: 500, Total: 100 }));
    expect(push.UrlPush).toEqual(perArea({ Batch: 500, Total: 1000 }));
  });

  it("PushUrlsCache to global draws on both areas' push quota", async () => {
    await client.PushUrlsCache({
      Urls: ["https://cdn.example.com/a.mp4", "https://cdn.example.com/b.mp4"],
      Area: "global",
    });
    await client.PushUrlsCache({ Urls: ["https://cdn.example.com/c.mp4"], Area: "overseas" });

    const { UrlPush } = await client.DescribePushQuota();

    expect(UrlPush.map((row) => [row.Area, row.Available])).toEqual([
      ["mainland", 998],
      ["overseas", 997],
    ]);
    expect((await client.DescribePurgeTasks(SINCE)).TotalCount).toBe(0);
  });

  describe("DescribePurgeTasks", () => {
    beforeEach(async () => {
      await client.PurgeUrlsCache({ Urls: ["https://cdn.example.com/a.js", "https://www.example.com/b.js"] });
      await client.PurgeUrlsCache({ Urls: ["https://cdn.example.com/c.js"], Area: "overseas" });
      await client.PurgePathCache({ Paths: ["https://cdn.example.com/dir/"], FlushType: "delete" });
    });

    it("filters by PurgeType, Keyword, Area and Status", async () => {
      const counts = await Promise.all([
        client.DescribePurgeTasks({ ...SINCE, PurgeType: "path" }),
        client.DescribePurgeTasks({ ...SINCE, Keyword: "www.example.com" }),
        client.DescribePurgeTasks({ ...SINCE, Area: "overseas" }),
        client.DescribePurgeTasks({ ...SINCE, Status: "done" }),
        client.DescribePurgeTasks({ ...SINCE, Status: "fail" }),
      ]);

      expect(counts.map((result) => result.TotalCount)).toEqual([1, 1, 1, 4, 0]);
    });

    it("pages with Offset and Limit, newest first", async () => {
      const page = await client.DescribePurgeTasks({ ...SINCE, Offset: 0, Limit: 2 });

      expect(page.TotalCount).toBe(4);
      expect(page.PurgeLogs.map((log) => log.Url)).toEqual([
        "https://cdn.example.com/dir/",
        "https://cdn.example.com/c.js",
      ]);
    });

    it("filters by time in the API's Beijing-time format, and rejects other formats", async () => {
      const future = await client.DescribePurgeTasks({ StartTime: "2999-01-01 00:00:00" });
      const error = await sdkError(client.DescribePurgeTasks({ StartTime: "2024-01-01T00:00:00Z" }));

      expect(future.TotalCount).toBe(0);
      expect(error.code).toBe("InvalidParameter.CdnParamError");
    });
  });
});
