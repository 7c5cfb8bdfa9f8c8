import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type Emulator, EmulatorConfigError, startEmulator } from "../../src/emulator";
import { holdFor } from "../../src/emulator/time";
import { cdnClient, clearProxyEnv, sdkError, teoClient, teoTime } from "./helpers";

clearProxyEnv();

const QUOTA = { ZoneId: "zone-emulator" };

describe("fault injection", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset({ config: true }));

  it("answers a bare HTTP status, which the SDK reports as httpCode without an API code", async () => {
    emulator.configure({ faults: [{ action: "DescribeContentQuota", kind: "http", status: 502 }] });

    const error = await sdkError(teoClient(emulator).DescribeContentQuota(QUOTA));

    expect(error.httpCode).toBe(502);
    expect(error.code).toBeUndefined();
    expect(emulator.calls()).toMatchObject([
      { error: "HttpError.502", httpStatus: 502, fault: "http", response: null },
    ]);
  });

  it("drops the connection without an answer, which the SDK reports as a network error", async () => {
    emulator.configure({ faults: [{ action: "CreatePurgeTask", kind: "drop" }] });

    const error = await sdkError(
      teoClient(emulator).CreatePurgeTask({
        ...QUOTA,
        Type: "purge_url",
        Targets: ["https://www.example.com/"],
      }),
    );

    expect(error.code).toBeUndefined();
    expect(error.httpCode).toBeUndefined();
    expect(error.message).toMatch(/socket hang up|ECONNRESET/);
    expect(emulator.calls()).toMatchObject([
      { action: "CreatePurgeTask", error: "NetworkError", httpStatus: null },
    ]);
  });

  it("holds the answer back, so a client with a shorter timeout gives up", async () => {
    emulator.configure({ faults: [{ action: "*", kind: "delay", delayMs: 400, times: 1 }] });

    const error = await sdkError(teoClient(emulator, { reqTimeout: 0.1 }).DescribeContentQuota(QUOTA));

    expect(error.message).toMatch(/timeout/i);
    expect(error.code).toBeUndefined();
    // The emulator still answers (late) and records the call once the delay is over.
    await vi.waitFor(() => expect(emulator.calls()).toMatchObject([{ fault: "delay", error: null }]));
    expect(emulator.calls()[0]?.durationMs).toBeGreaterThanOrEqual(400);
  });

  it("answers with any API error code, and a message when given", async () => {
    emulator.configure({
      faults: [
        { action: "PurgeUrlsCache", kind: "error", code: "InternalError.CdnSystemError", message: "boom" },
      ],
    });

    const error = await sdkError(cdnClient(emulator).PurgeUrlsCache({ Urls: ["https://cdn.example.com/a"] }));

    expect(error).toMatchObject({ code: "InternalError.CdnSystemError", message: "boom" });
    expect(emulator.calls()).toMatchObject([
      { error: "InternalError.CdnSystemError", fault: "error", httpStatus: 200 },
    ]);
  });

  it("fails the next N calls, then lets them through, and the config shows the hits left", async () => {
    emulator.configure({
      faults: [{ action: "DescribeContentQuota", kind: "error", code: "RequestLimitExceeded", times: 2 }],
    });
    const client = teoClient(emulator);

    expect((await sdkError(client.DescribeContentQuota(QUOTA))).code).toBe("RequestLimitExceeded");
    expect(emulator.config().faults).toMatchObject([{ kind: "error", times: 1 }]);
    expect((await sdkError(client.DescribeContentQuota(QUOTA))).code).toBe("RequestLimitExceeded");
    await expect(client.DescribeContentQuota(QUOTA)).resolves.toHaveProperty("PurgeQuota");

    expect(emulator.calls().map((call) => call.error)).toEqual([
      "RequestLimitExceeded",
      "RequestLimitExceeded",
      null,
    ]);
    expect(emulator.config().faults).toEqual([]);
  });

  it("hits only the service and action named; `*` hits every action", async () => {
    emulator.configure({
      faults: [
        { action: "DescribePurgeTasks", service: "cdn", kind: "error", code: "InternalError" },
        { action: "*", service: "teo", kind: "error", code: "ServiceUnavailable", times: 1 },
      ],
    });

    const teoError = await sdkError(teoClient(emulator).DescribePurgeTasks(QUOTA));
    const teoAgain = await teoClient(emulator).DescribePurgeTasks({
      ...QUOTA,
      StartTime: teoTime(Date.now()),
    });
    const cdnError = await sdkError(cdnClient(emulator).DescribePurgeTasks({}));
    const cdnOther = await cdnClient(emulator).DescribePurgeQuota();

    expect([teoError.code, teoAgain.TotalCount, cdnError.code, cdnOther.UrlPurge.length]).toEqual([
      "ServiceUnavailable",
      0,
      "InternalError",
      2,
    ]);
  });

  it("adds a delay fault to the decisive fault after it, in order", async () => {
    emulator.configure({
      faults: [
        { action: "*", kind: "delay", delayMs: 50 },
        { action: "*", kind: "http", status: 503 },
      ],
    });

    const error = await sdkError(teoClient(emulator).DescribeContentQuota(QUOTA));

    expect(error.httpCode).toBe(503);
    expect(emulator.calls()[0]).toMatchObject({ fault: "http", error: "HttpError.503" });
    expect(emulator.calls()[0]?.durationMs).toBeGreaterThanOrEqual(50);
  });

  it("adds latencyMs to every call", async () => {
    emulator.configure({ latencyMs: 60 });
    const client = teoClient(emulator);

    const started = performance.now();
    await client.DescribeContentQuota(QUOTA);
    await client.DescribeContentQuota(QUOTA);

    expect(performance.now() - started).toBeGreaterThanOrEqual(120);
    expect(emulator.calls().map((call) => call.durationMs >= 60)).toEqual([true, true]);
  });

  it("refuses a fault it cannot apply, naming the field", () => {
    expect(() => emulator.configure({ faults: [{ action: "*", kind: "delay" } as never] })).toThrow(
      EmulatorConfigError,
    );
    expect(() => emulator.configure({ faults: [{ action: "*", kind: "http", status: 200 }] })).toThrow(
      /faults\.0\.status/,
    );
  });

  it("never holds a call for less than the delay asked, by the monotonic clock (timers alone may fire early)", async () => {
    const signal = new AbortController().signal;
    const held: number[] = [];
    for (let i = 0; i < 40; i++) {
      const started = performance.now();
      await holdFor(3, signal);
      held.push(performance.now() - started);
    }

    expect(Math.min(...held)).toBeGreaterThanOrEqual(3);
  });
});
