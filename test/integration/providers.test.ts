/**
 * The EdgeOne and CDN adapters, driving the real SDK clients over HTTP against the local emulator.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { executePlan } from "../../src/execute/execute";
import { QuotaBook } from "../../src/execute/quota";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { ApiError } from "../../src/foundation/errors";
import { silentLogger } from "../../src/foundation/log";
import type { Endpoint, Purger } from "../../src/foundation/model";
import { createCdnPurger } from "../../src/providers/cdn";
import { type Credentials, credentialsFromEnv } from "../../src/providers/credentials";
import { createEdgeOnePurger } from "../../src/providers/edgeone";
import { FakeClock } from "../support/fake-clock";

const EMULATOR_KEYS: Credentials = {
  secretId: "AKIDEMULATOR00000000000000000000000",
  secretKey: "emulator-secret-key",
};
const ZONE = "zone-emulator";

let emulator: Emulator;
let endpoint: Endpoint;

beforeAll(async () => {
  emulator = await startEmulator();
  endpoint = { protocol: "http://", host: emulator.endpoint };
});
afterAll(() => emulator.stop());
beforeEach(() => {
  // The SDK sends even loopback traffic through a lowercase http_proxy (tencent-cloud.md §6).
  vi.stubEnv("http_proxy", undefined);
  emulator.reset({ config: true });
});

function adapters(credentials: () => Credentials = () => EMULATOR_KEYS, requestTimeoutMs = 5_000) {
  const options = { endpoint, requestTimeoutMs, credentials };
  return {
    edgeone: createEdgeOnePurger(options),
    cdn: createCdnPurger({ ...options, prefetchArea: "global" }),
  };
}

/** What the adapter threw, as an ApiError. */
async function failure(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe("EdgeOne adapter", () => {
  it("purges URLs with CreatePurgeTask and returns the job", async () => {
    const { edgeone } = adapters();
    const targets = ["https://www.example.com/a.jpg", "https://static.example.com/b.css"];
    const receipt = await edgeone.submit(ZONE, targets);

    expect(receipt.taskId).not.toBe("");
    expect(receipt.requestId).not.toBe("");
    expect(receipt.failed).toEqual([]);
    const [call] = emulator.calls();
    expect(call).toMatchObject({
      service: "teo",
      action: "CreatePurgeTask",
      params: { ZoneId: ZONE, Type: "purge_url", Targets: targets },
      error: null,
    });
  });

  it("reports the targets in FailedList, with the provider's reason", async () => {
    const { edgeone } = adapters();
    const foreign = "https://other.example.org/a.jpg";
    const receipt = await edgeone.submit(ZONE, ["https://www.example.com/a.jpg", foreign]);
    expect(receipt.failed).toEqual([
      { reason: expect.stringMatching(/not an acceleration domain/), targets: [foreign] },
    ]);
  });

  it("reads the purge_url quota of the zone, which purges then consume", async () => {
    const { edgeone } = adapters();
    emulator.configure({
      zones: [
        { zoneId: ZONE, domains: ["www.example.com"], quota: { purge_url: { batch: 50, daily: 300 } } },
      ],
    });
    await edgeone.submit(ZONE, ["https://www.example.com/a.jpg", "https://www.example.com/b.jpg"]);
    expect(await edgeone.describeQuota(ZONE)).toEqual({ batch: 50, daily: 300, dailyAvailable: 298 });
    expect(emulator.calls().at(-1)).toMatchObject({
      action: "DescribeContentQuota",
      params: { ZoneId: ZONE },
    });
  });

  it("asks for tasks over a range in the documented time form, to the second in UTC+8", async () => {
    const { edgeone } = adapters();
    const receipt = await edgeone.submit(ZONE, ["https://www.example.com/a.jpg"]);
    const now = Date.now();

    const tasks = await edgeone.describeTasks({
      scope: ZONE,
      type: "purge_url",
      since: now - 60_500,
      until: now,
    });

    expect(tasks.map((task) => task.taskId)).toEqual([receipt.taskId]);
    const query = emulator.calls().find((call) => call.action === "DescribePurgeTasks");
    const documentedForm = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/;
    expect(query).toMatchObject({
      error: null,
      params: {
        StartTime: expect.stringMatching(documentedForm),
        EndTime: expect.stringMatching(documentedForm),
      },
    });
    // Widened to whole seconds: the range still holds every millisecond asked for.
    expect(Date.parse(String(query?.params.StartTime))).toBe(Math.floor((now - 60_500) / 1000) * 1000);
    expect(Date.parse(String(query?.params.EndTime))).toBe(Math.ceil(now / 1000) * 1000);
  });

  it("turns an unknown zone into a fatal ApiError with the RequestId", async () => {
    const { edgeone } = adapters();
    const error = await failure(edgeone.submit("zone-nope", ["https://www.example.com/a.jpg"]));
    expect(error).toMatchObject({
      provider: "edgeone",
      action: "CreatePurgeTask",
      code: "UnauthorizedOperation.NoPermission",
    });
    expect(error.requestId).toBe(emulator.calls()[0]?.requestId);
  });
});

describe("CDN adapter", () => {
  it("purges URLs with PurgeUrlsCache, sending Area only when the lane names one", async () => {
    const { cdn } = adapters();
    const urls = ["https://cdn.example.com/a.jpg"];
    const own = await cdn.submit("", urls);
    await cdn.submit("overseas", urls);

    expect(own.taskId).not.toBe("");
    expect(own.failed).toEqual([]);
    expect(emulator.calls().map((call) => call.params)).toEqual([
      { Urls: urls },
      { Urls: urls, Area: "overseas" },
    ]);
  });

  it("reads the URL purge quota of an area, and the smallest across areas when none is named", async () => {
    const { cdn } = adapters();
    await cdn.submit("overseas", ["https://cdn.example.com/a.jpg", "https://cdn.example.com/b.jpg"]);
    expect(await cdn.describeQuota("mainland")).toEqual({
      batch: 1_000,
      daily: 10_000,
      dailyAvailable: 10_000,
    });
    expect(await cdn.describeQuota("overseas")).toEqual({
      batch: 1_000,
      daily: 10_000,
      dailyAvailable: 9_998,
    });
    expect(await cdn.describeQuota("")).toEqual({ batch: 1_000, daily: 10_000, dailyAvailable: 9_998 });
  });

  it("asks for tasks that did not purge with its one status for them, fail, whichever of them the query names", async () => {
    const { cdn } = adapters();
    const now = Date.now();
    const range = { scope: "", type: "purge_url" as const, since: now - 60_000, until: now };
    await cdn.describeTasks({ ...range, statuses: ["canceled"] });
    await cdn.describeTasks({ ...range, statuses: ["timeout"] });
    await cdn.describeTasks({ ...range, statuses: ["success"] });

    const asked = emulator.calls().filter((call) => call.action === "DescribePurgeTasks");
    expect(asked.map((call) => call.params.Status)).toEqual(["fail", "fail", undefined]);
  });

  it("fails the whole call for a domain the account does not have", async () => {
    const { cdn } = adapters();
    const error = await failure(cdn.submit("", ["https://nope.example.org/a.jpg"]));
    expect(error).toMatchObject({
      provider: "cdn",
      action: "PurgeUrlsCache",
      code: "ResourceNotFound.CdnHostNotExists",
    });
  });
});

describe("adapter errors on the wire", () => {
  it.each([
    ["an API error", { kind: "error", code: "InternalError" }, "InternalError"],
    ["a bare HTTP status", { kind: "http", status: 503 }, "HttpError.503"],
    ["a dropped connection", { kind: "drop" }, "NetworkError"],
  ] as const)("names %s by its code", async (_, fault, code) => {
    const { cdn } = adapters();
    emulator.configure({ faults: [{ action: "PurgeUrlsCache", times: 1, ...fault }] });
    const error = await failure(cdn.submit("", ["https://cdn.example.com/a.jpg"]));
    expect(error.code).toBe(code);
  });

  it("gives up after the request timeout and says so", async () => {
    const { edgeone } = adapters(undefined, 200);
    emulator.configure({ faults: [{ action: "CreatePurgeTask", kind: "delay", delayMs: 2_000, times: 1 }] });
    const error = await failure(edgeone.submit(ZONE, ["https://www.example.com/a.jpg"]));
    expect(error.code).toBe("Timeout");
  });

  it("passes refused credentials on as an auth failure", async () => {
    const { edgeone } = adapters(() => ({
      ...EMULATOR_KEYS,
      secretId: "AKIDUNKNOWN0000000000000000000000000",
    }));
    const error = await failure(edgeone.describeQuota(ZONE));
    expect(error.code).toBe("AuthFailure.SecretIdNotFound");
  });
});

describe("credentials", () => {
  it("are read again for every request, so rotated keys are used at once", async () => {
    let keys: Credentials = EMULATOR_KEYS;
    const { edgeone } = adapters(() => keys);
    await edgeone.describeQuota(ZONE);
    keys = { ...EMULATOR_KEYS, secretKey: "rotated-away" };
    const error = await failure(edgeone.describeQuota(ZONE));
    expect(error.code).toBe("AuthFailure.SignatureFailure");
  });

  it("come from the variables SCF sets for the execution role, token included", async () => {
    const env = {
      TENCENTCLOUD_SECRETID: EMULATOR_KEYS.secretId,
      TENCENTCLOUD_SECRETKEY: EMULATOR_KEYS.secretKey,
      TENCENTCLOUD_SESSIONTOKEN: "session-token",
    };
    expect(credentialsFromEnv(env)).toEqual({ ...EMULATOR_KEYS, token: "session-token" });
    const { cdn } = adapters(() => credentialsFromEnv(env));
    await expect(cdn.describeQuota("mainland")).resolves.toMatchObject({ batch: 1_000 });
  });

  it("when missing, fail with MissingCredentials before any request, naming variables but no value", async () => {
    const env = { TENCENTCLOUD_SECRETID: "AKIDSECRETVALUE00000000000000000000", TENCENTCLOUD_SECRETKEY: " " };
    const { cdn } = adapters(() => credentialsFromEnv(env));
    const error = await failure(cdn.submit("", ["https://cdn.example.com/a.jpg"]));
    expect(error.code).toBe("MissingCredentials");
    expect(error.message).toMatch(/TENCENTCLOUD_SECRETKEY is not set.*execution role/);
    expect(error.message).not.toMatch(/AKIDSECRETVALUE/);
    expect(emulator.calls()).toEqual([]);
  });
});

describe("executePlan over the real SDK", () => {
  it("purges folders on CDN in batches real accounts accept when the quota cannot be read", async () => {
    // DescribePurgeQuota's own example shows PathPurge.Batch 39 (mainland) and 20 (overseas)
    // (tencent-cloud.md), far below the 500 the PurgePathCache reference states.
    emulator.configure({
      cdn: { quota: { path: { batch: 20, daily: 100 } } },
      faults: [
        { action: "DescribePurgeQuota", kind: "error", code: "UnauthorizedOperation.CdnCamUnauthorized" },
      ],
    });
    const clock = new FakeClock(Date.now());
    const folders = Array.from({ length: 45 }, (_, i) => `https://cdn.example.com/d${i}/`);
    const execution = await executePlan(
      [{ provider: "cdn", scope: "", type: "purge_prefix", targets: folders }],
      {
        purgers: { cdn: adapters().cdn },
        quota: new QuotaBook(clock),
        limiter: createRateLimiter(clock),
        clock,
        deadline: clock.now() + 60_000,
        requestTimeoutMs: 5_000,
        maxAttempts: 3,
        log: silentLogger,
      },
    );

    expect(execution.failures).toEqual([]);
    expect(execution.purged).toEqual(folders);
    const purges = emulator.calls().filter((call) => call.action === "PurgePathCache");
    expect(purges.map((call) => `${(call.params.Paths as string[]).length}:${call.error ?? "ok"}`)).toEqual([
      "20:ok",
      "20:ok",
      "5:ok",
    ]);
  });

  it("batches to the zone's quota, retries a rate-limit error and reports what the day cannot take", async () => {
    emulator.configure({
      zones: [{ zoneId: ZONE, domains: ["www.example.com"], quota: { purge_url: { batch: 3, daily: 5 } } }],
      faults: [{ action: "CreatePurgeTask", kind: "error", code: "RequestLimitExceeded", times: 1 }],
    });
    const clock = new FakeClock(Date.now());
    const purgers: Partial<Record<"edgeone" | "cdn", Purger>> = { edgeone: adapters().edgeone };
    const targets = Array.from({ length: 8 }, (_, i) => `https://www.example.com/${i}.jpg`);
    const execution = await executePlan([{ provider: "edgeone", scope: ZONE, targets }], {
      purgers,
      quota: new QuotaBook(clock),
      limiter: createRateLimiter(clock),
      clock,
      deadline: clock.now() + 60_000,
      requestTimeoutMs: 5_000,
      maxAttempts: 3,
      log: silentLogger,
    });

    expect(execution.purged).toEqual(targets.slice(0, 5));
    expect(execution.failures).toEqual([
      expect.objectContaining({ code: "QuotaExhausted", targets: targets.slice(5) }),
    ]);
    expect(execution.quota).toEqual([
      { provider: "edgeone", scope: ZONE, batch: 3, daily: 5, dailyAvailable: 0 },
    ]);
    expect(emulator.calls().map((call) => `${call.action}:${call.error ?? "ok"}`)).toEqual([
      "DescribeContentQuota:ok",
      "CreatePurgeTask:RequestLimitExceeded",
      "CreatePurgeTask:ok",
      "CreatePurgeTask:ok",
    ]);
    expect(execution.apiCalls).toBe(4);
  });
});
