import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  DEFAULT_EMULATOR_CONFIG,
  type Emulator,
  EmulatorConfigError,
  type EmulatorConfigInput,
  startEmulator,
} from "../../src/emulator";
import { cdnClient, clearProxyEnv, DEFAULT_CREDENTIAL, sdkError, teoClient, teoTime } from "./helpers";

clearProxyEnv();

const ZoneId = "zone-emulator";

describe("control API", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset({ config: true }));

  const control = async (method: "GET" | "POST", path: string, body?: unknown) => {
    const response = await fetch(`${emulator.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("starts with the documented default config", async () => {
    const { status, body } = await control("GET", "/_emulator/config");

    expect(status).toBe(200);
    expect(body).toMatchObject({
      credentials: [DEFAULT_CREDENTIAL],
      zones: [{ zoneId: ZoneId, domains: ["www.example.com", "static.example.com"] }],
      cdn: {
        domains: ["cdn.example.com", "www.example.com"],
        quota: {
          url: { batch: 1000, daily: 10_000 },
          path: { batch: 500, daily: 100 },
          push: { batch: 500, daily: 1000 },
        },
      },
      faults: [],
      rateLimit: 20,
      latencyMs: 0,
      tasks: { processingMs: 0, outcome: "success", failTargets: [] },
    });
    expect(body).toEqual(JSON.parse(JSON.stringify(DEFAULT_EMULATOR_CONFIG)));
  });

  it("replaces the fields a POST names, fills what they leave out from the defaults, and keeps the rest", async () => {
    const input: EmulatorConfigInput = {
      zones: [{ zoneId: "zone-b", domains: ["B.example.net"], quota: { purge_prefix: { batch: 7 } } }],
      rateLimit: 5,
    };

    const { status, body } = await control("POST", "/_emulator/config", input);

    expect(status).toBe(200);
    expect(body).toMatchObject({
      zones: [
        {
          zoneId: "zone-b",
          domains: ["b.example.net"],
          quota: { purge_prefix: { batch: 7, daily: 10_000 }, purge_url: { batch: 2000, daily: 10_000 } },
        },
      ],
      rateLimit: 5,
      cdn: { domains: ["cdn.example.com", "www.example.com"] },
    });
    const error = await sdkError(teoClient(emulator).DescribeContentQuota({ ZoneId }));
    expect(error.code).toBe("UnauthorizedOperation.NoPermission");
    expect((await control("GET", "/_emulator/config")).body).toEqual(body);
  });

  it.each([
    {
      case: "a domain with a scheme",
      input: { cdn: { domains: ["https://cdn.example.com"] } },
      field: "cdn.domains.0",
    },
    {
      case: "a negative quota",
      input: { zones: [{ zoneId: "z", domains: [], quota: { purge_url: { daily: -1 } } }] },
      field: "zones.0.quota.purge_url.daily",
    },
    {
      case: "an unknown fault kind",
      input: { faults: [{ action: "*", kind: "explode" }] },
      field: "faults.0.kind",
    },
    { case: "a misspelt field", input: { ratelimit: 3 }, field: "ratelimit" },
    {
      case: "duplicate zone ids",
      input: {
        zones: [
          { zoneId: "z", domains: [] },
          { zoneId: "z", domains: [] },
        ],
      },
      field: "zones",
    },
  ])("answers 400 naming the field for $case, and changes nothing", async ({ input, field }) => {
    const { status, body } = await control("POST", "/_emulator/config", input);

    expect(status).toBe(400);
    expect(body.error).toContain(field);
    expect((await control("GET", "/_emulator/config")).body).toEqual(
      JSON.parse(JSON.stringify(DEFAULT_EMULATOR_CONFIG)),
    );
  });

  it("says what a bad field accepts, in English, beside its name", async () => {
    const { body } = await control("POST", "/_emulator/config", {
      latencyMs: -1,
      tasks: { outcome: "maybe" },
    });

    expect(body.error).toBe(
      'Invalid emulator config: latencyMs: Too small: expected number to be >=0; tasks.outcome: Invalid option: expected one of "success"|"failed"|"timeout"|"canceled"',
    );
  });

  it("answers 400 for a body that is not JSON", async () => {
    const { status, body } = await control("POST", "/_emulator/config", "{zones:");

    expect(status).toBe(400);
    expect(body.error).toMatch(/not JSON/);
  });

  it("configure() in the library has the same semantics and throws EmulatorConfigError", () => {
    const effective = emulator.configure({ latencyMs: 10 });

    expect(effective.latencyMs).toBe(10);
    expect(() => emulator.configure({ latencyMs: -1 })).toThrow(EmulatorConfigError);
    expect(emulator.config().latencyMs).toBe(10);
  });

  it("lists every API call received, in order, with params and the response given", async () => {
    const created = await teoClient(emulator).CreatePurgeTask({
      ZoneId,
      Type: "purge_url",
      Targets: ["https://www.example.com/x"],
    });
    await sdkError(cdnClient(emulator).PurgeUrlsCache({ Urls: ["https://nowhere.example.org/x"] }));

    const { status, body } = await control("GET", "/_emulator/calls");

    expect(status).toBe(200);
    expect(body).toEqual([
      expect.objectContaining({
        service: "teo",
        action: "CreatePurgeTask",
        params: { ZoneId, Type: "purge_url", Targets: ["https://www.example.com/x"] },
        error: null,
        response: { JobId: created.JobId, FailedList: [], RequestId: created.RequestId },
        requestId: created.RequestId,
        time: expect.any(String),
      }),
      expect.objectContaining({
        service: "cdn",
        action: "PurgeUrlsCache",
        error: "ResourceNotFound.CdnHostNotExists",
        response: {
          Error: { Code: "ResourceNotFound.CdnHostNotExists", Message: expect.any(String) },
          RequestId: expect.any(String),
        },
      }),
    ]);
  });

  it("reset forgets calls, tasks and used quota but keeps the config; ?config=1 restores the defaults", async () => {
    emulator.configure({ rateLimit: 7 });
    const client = teoClient(emulator);
    await client.CreatePurgeTask({ ZoneId, Type: "purge_url", Targets: ["https://www.example.com/x"] });

    expect((await control("POST", "/_emulator/reset")).status).toBe(200);

    expect(emulator.calls()).toEqual([]);
    expect(
      (await client.DescribePurgeTasks({ ZoneId, StartTime: teoTime(Date.now() - 60_000) })).TotalCount,
    ).toBe(0);
    const quota = await client.DescribeContentQuota({ ZoneId });
    expect(quota.PurgeQuota?.[0]).toMatchObject({ Type: "purge_url", DailyAvailable: 10_000 });
    expect(emulator.config().rateLimit).toBe(7);

    await control("POST", "/_emulator/reset?config=1");
    expect(emulator.config().rateLimit).toBe(20);
  });

  it("answers 404 for routes it does not have, listing those it has", async () => {
    const unknown = await control("GET", "/_emulator/nothing");
    const api = await control("GET", "/");

    expect(unknown.status).toBe(404);
    expect(unknown.body.routes).toContain("GET /_emulator/calls");
    expect(api.status).toBe(404);
    expect(emulator.calls()).toEqual([]);
  });

  it("stops promptly even while a call is held back by a delay fault", async () => {
    const extra = await startEmulator({
      config: { faults: [{ action: "*", kind: "delay", delayMs: 30_000, times: 1 }] },
    });
    const pending = sdkError(teoClient(extra).DescribeContentQuota({ ZoneId }));
    // The fault is used up the moment the call reaches it, so the call is then being held.
    await vi.waitFor(() => expect(extra.config().faults).toEqual([]));

    const started = performance.now();
    await extra.stop();

    expect(performance.now() - started).toBeLessThan(1000);
    expect((await pending).code).toBeUndefined();
  });
});
