import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { DailyUsage } from "../../src/emulator/quota";
import { cdnClient, clearProxyEnv, sdkError, teoClient } from "./helpers";

clearProxyEnv();

const ZoneId = "zone-emulator";
const urls = (count: number, host = "www.example.com") =>
  Array.from({ length: count }, (_, index) => `https://${host}/file-${index}.jpg`);

describe("quotas", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ config: { rateLimit: 0 } });
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset());

  describe("EdgeOne", () => {
    beforeAll(() => {
      emulator.configure({
        zones: [
          { zoneId: ZoneId, domains: ["www.example.com"], quota: { purge_url: { batch: 4, daily: 6 } } },
        ],
      });
    });

    const available = async (type: string) => {
      const quota = await teoClient(emulator).DescribeContentQuota({ ZoneId });
      return [...(quota.PurgeQuota ?? []), ...(quota.PrefetchQuota ?? [])].find((row) => row.Type === type)
        ?.DailyAvailable;
    };

    it("answers LimitExceeded.BatchQuota for more targets than one request may carry, and uses nothing", async () => {
      const error = await sdkError(
        teoClient(emulator).CreatePurgeTask({ ZoneId, Type: "purge_url", Targets: urls(5) }),
      );

      expect(error.code).toBe("LimitExceeded.BatchQuota");
      expect(await available("purge_url")).toBe(6);
    });

    it("counts DailyAvailable down and fails a request whole with LimitExceeded.DailyQuota when it does not fit", async () => {
      const client = teoClient(emulator);
      await client.CreatePurgeTask({ ZoneId, Type: "purge_url", Targets: urls(4) });
      expect(await available("purge_url")).toBe(2);

      const error = await sdkError(client.CreatePurgeTask({ ZoneId, Type: "purge_url", Targets: urls(3) }));
      expect(error.code).toBe("LimitExceeded.DailyQuota");
      expect(await available("purge_url")).toBe(2);

      await client.CreatePurgeTask({ ZoneId, Type: "purge_url", Targets: urls(2) });
      expect(await available("purge_url")).toBe(0);
      expect(
        emulator
          .calls()
          .filter((call) => call.action === "CreatePurgeTask")
          .map((call) => call.error),
      ).toEqual([null, "LimitExceeded.DailyQuota", null]);
    });

    it("does not count targets it returns in FailedList", async () => {
      await teoClient(emulator).CreatePurgeTask({
        ZoneId,
        Type: "purge_url",
        Targets: [...urls(1), ...urls(3, "foreign.example.org")],
      });

      expect(await available("purge_url")).toBe(5);
    });

    it("meters each type separately: purge_all counts one per request, prefetch its own quota", async () => {
      const client = teoClient(emulator);
      await client.CreatePurgeTask({ ZoneId, Type: "purge_all" });
      await client.CreatePrefetchTask({ ZoneId, Targets: urls(3) });

      expect([
        await available("purge_url"),
        await available("purge_all"),
        await available("prefetch_url"),
      ]).toEqual([6, 9_999, 9_997]);
    });
  });

  describe("CDN", () => {
    beforeAll(() => {
      emulator.configure({
        cdn: {
          quota: { url: { batch: 3, daily: 4 }, path: { batch: 2, daily: 2 }, push: { batch: 2, daily: 3 } },
        },
      });
    });

    const cdnUrls = (count: number, suffix = "") =>
      urls(count, "cdn.example.com").map((url) => `${url}${suffix}`);
    const CASES = [
      {
        kind: "url",
        send: (client: ReturnType<typeof cdnClient>, count: number) =>
          client.PurgeUrlsCache({ Urls: cdnUrls(count) }),
        batch: "LimitExceeded.CdnPurgeUrlExceedBatchLimit",
        daily: "LimitExceeded.CdnPurgeUrlExceedDayLimit",
        batchLimit: 3,
        dailyLimit: 4,
      },
      {
        kind: "path",
        send: (client: ReturnType<typeof cdnClient>, count: number) =>
          client.PurgePathCache({ Paths: cdnUrls(count, "/"), FlushType: "flush" }),
        batch: "LimitExceeded.CdnPurgePathExceedBatchLimit",
        daily: "LimitExceeded.CdnPurgePathExceedDayLimit",
        batchLimit: 2,
        dailyLimit: 2,
      },
      {
        kind: "push",
        send: (client: ReturnType<typeof cdnClient>, count: number) =>
          client.PushUrlsCache({ Urls: cdnUrls(count) }),
        batch: "LimitExceeded.CdnPushExceedBatchLimit",
        daily: "LimitExceeded.CdnPushExceedDayLimit",
        batchLimit: 2,
        dailyLimit: 3,
      },
    ] as const;

    it.each(CASES)("answers $batch above the $kind batch limit", async ({ send, batch, batchLimit }) => {
      const error = await sdkError(send(cdnClient(emulator), batchLimit + 1));

      expect(error.code).toBe(batch);
    });

    it.each(CASES)(
      "answers $daily once the $kind daily quota is used",
      async ({ send, daily, batchLimit, dailyLimit }) => {
        const client = cdnClient(emulator);
        let used = 0;
        while (used < dailyLimit) {
          const count = Math.min(batchLimit, dailyLimit - used);
          await send(client, count);
          used += count;
        }

        const error = await sdkError(send(client, 1));

        expect(error.code).toBe(daily);
      },
    );

    it("counts Available down per area: mainland use leaves overseas untouched", async () => {
      const client = cdnClient(emulator);
      await client.PurgeUrlsCache({ Urls: cdnUrls(3) });
      await client.PurgeUrlsCache({ Urls: cdnUrls(1), Area: "overseas" });

      const { UrlPurge } = await client.DescribePurgeQuota();

      expect(UrlPurge.map((row) => [row.Area, row.Available])).toEqual([
        ["mainland", 1],
        ["overseas", 3],
      ]);
    });
  });
});

// The SDK stamps requests with the real time, so a day cannot pass on the emulator clock between SDK
// calls; the roll-over is checked on the ledger itself.
describe("DailyUsage", () => {
  const limit = { batch: 10, daily: 10 };
  const charge = (accepted: number) => ({
    key: "teo/zone/purge_url",
    label: "purge_url",
    limit,
    codes: { batch: "Batch", daily: "Daily" },
    submitted: accepted,
    accepted,
  });

  it("gives the daily quota back at midnight Beijing time (16:00 UTC), not at UTC midnight", () => {
    const usage = new DailyUsage();
    usage.charge([charge(7)], Date.UTC(2026, 10, 26, 16, 30)); // 00:30 on the 27th in Beijing

    expect(usage.available("teo/zone/purge_url", limit, Date.UTC(2026, 10, 27, 2, 0))).toBe(3);
    expect(usage.available("teo/zone/purge_url", limit, Date.UTC(2026, 10, 27, 16, 0))).toBe(10);
  });

  it("consumes nothing when any of several charges does not fit", () => {
    const usage = new DailyUsage();
    const now = Date.UTC(2026, 10, 26, 8, 0, 0);
    usage.charge([{ ...charge(9), key: "b" }], now);

    expect(() =>
      usage.charge(
        [
          { ...charge(2), key: "a" },
          { ...charge(2), key: "b" },
        ],
        now,
      ),
    ).toThrow(expect.objectContaining({ code: "Daily" }));
    expect(usage.used("a", now)).toBe(0);
  });
});
