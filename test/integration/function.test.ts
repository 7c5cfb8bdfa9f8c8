/**
 * The deployable bundle (dist/index.js) end to end: COS events in, EdgeOne and CDN purges out, through
 * the real SDKs over HTTP to the local emulator. Assertions are on what the emulator received.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CallRecord, Emulator } from "../../src/emulator";
import type { Summary } from "../../src/report/report";
import { coldStart, EMULATOR_CREDENTIALS } from "../support/built-function";
import { useEmulator } from "../support/emulator-harness";
import { ckafkaEvent, cosEvent, cosRecord, timerEvent } from "../support/events";

let emulator: Emulator;
let logs: string[];

const currentEmulator = useEmulator();
beforeEach(() => {
  emulator = currentEmulator();
  logs = [];
});

/** A handler from the bundle, configured as a user would: environment variables only. */
function handlerWith(settings: Record<string, string>) {
  const env = {
    TEO_ENDPOINT: emulator.url,
    CDN_ENDPOINT: emulator.url,
    COS_ENDPOINT: emulator.url,
    ...EMULATOR_CREDENTIALS,
    PURGE_API_TIMEOUT_MS: "1000",
    // Back-to-back invocations of one test instance are a "burst" to PURGE_MODE=auto: the tests of
    // queueing set the mode themselves.
    PURGE_MODE: "direct",
    ...settings,
  };
  const handler = coldStart().createHandler({ env, write: (line) => logs.push(line) });
  return (event: unknown, timeLimitMs = 10_000) =>
    handler(event, { request_id: "req-test", time_limit_in_ms: timeLimitMs });
}

const edgeone = (settings: Record<string, string> = {}) =>
  handlerWith({ ZoneId: "zone-emulator", eoDomains: "www.example.com", ...settings });

const purgeCalls = (): CallRecord[] =>
  emulator.calls().filter((call) => call.action === "CreatePurgeTask" || call.action === "PurgeUrlsCache");

const targetsOf = (call: CallRecord | undefined): unknown =>
  call?.params.Targets ?? call?.params.Urls ?? "no such call";

/** The rejection of an invocation that must fail. */
async function failureOf(invocation: Promise<Summary>) {
  const error = await invocation.then(
    (summary) => {
      throw new Error(`expected the invocation to fail, got ${JSON.stringify(summary)}`);
    },
    (thrown: unknown) => thrown as Error & { summary: Summary },
  );
  expect(error).toBeInstanceOf(Error);
  return error;
}

describe("the official sample event", () => {
  it("purges the object's URL on the zone in one CreatePurgeTask", async () => {
    const sample = JSON.parse(
      readFileSync(resolve(__dirname, "../fixtures/cos-event-doc-sample.json"), "utf8"),
    );
    const summary = await edgeone()(sample);

    expect(purgeCalls()).toHaveLength(1);
    expect(purgeCalls()[0]?.params).toMatchObject({
      ZoneId: "zone-emulator",
      Type: "purge_url",
      Targets: ["https://www.example.com/testfile"],
    });
    expect(purgeCalls()[0]?.error).toBeNull();
    expect(summary).toMatchObject({ records: 1, planned: 1, purged: 1, failed: 0 });
    expect(summary.jobs[0]?.taskId).toBe(purgeCalls()[0]?.response?.JobId);
  });
});

describe("records, domains, zones and providers", () => {
  it("sends every record × domain × spelling in one request, without duplicates", async () => {
    const summary = await edgeone({ eoDomains: "www.example.com, static.example.com" })(
      cosEvent(
        cosRecord({ key: "img/a+b (1).png" }),
        cosRecord({ key: "img/a+b (1).png", event: "cos:ObjectRemove:Delete" }),
        cosRecord({ key: "新年/快乐.jpg" }),
      ),
    );

    expect(purgeCalls()).toHaveLength(1);
    expect(targetsOf(purgeCalls()[0])).toEqual([
      "https://www.example.com/img/a+b%20(1).png",
      "https://www.example.com/img/a%2Bb%20(1).png",
      "https://www.example.com/img/a%2Bb%20%281%29.png",
      "https://static.example.com/img/a+b%20(1).png",
      "https://static.example.com/img/a%2Bb%20(1).png",
      "https://static.example.com/img/a%2Bb%20%281%29.png",
      "https://www.example.com/%E6%96%B0%E5%B9%B4/%E5%BF%AB%E4%B9%90.jpg",
      "https://static.example.com/%E6%96%B0%E5%B9%B4/%E5%BF%AB%E4%B9%90.jpg",
    ]);
    expect(summary).toMatchObject({ records: 3, changes: 3, planned: 8, purged: 8 });
    // Each URL counts for every spelling it is: the Chinese key's two URLs are all six.
    expect(summary.spellings).toEqual({
      chromium: 4,
      whatwg: 4,
      webkit: 4,
      requests: 4,
      component: 4,
      rfc3986: 4,
    });
  });

  it("purges each zone's domains on that zone (ZoneId_<suffix> with eoDomains_<suffix>)", async () => {
    emulator.configure({
      zones: [
        { zoneId: "zone-emulator", domains: ["www.example.com"] },
        { zoneId: "zone-blog", domains: ["blog.example.com"] },
      ],
    });
    await edgeone({ eoDomains_blog: "https://blog.example.com/posts", ZoneId_blog: "zone-blog" })(
      cosEvent(cosRecord({ key: "a.css" })),
    );

    const byZone = Object.fromEntries(purgeCalls().map((call) => [call.params.ZoneId, call.params.Targets]));
    expect(byZone).toEqual({
      "zone-emulator": ["https://www.example.com/a.css"],
      "zone-blog": ["https://blog.example.com/posts/a.css"],
    });
  });

  it("purges CDN domains with PurgeUrlsCache, in the configured area", async () => {
    const summary = await handlerWith({ cdnHosts: "cdn.example.com", CDN_AREA: "overseas" })(
      cosEvent(cosRecord({ key: "docs/index.html" })),
    );

    expect(purgeCalls().map((call) => [call.service, call.action, call.params])).toEqual([
      [
        "cdn",
        "PurgeUrlsCache",
        {
          Urls: ["https://cdn.example.com/docs/index.html", "https://cdn.example.com/docs/"],
          Area: "overseas",
        },
      ],
    ]);
    expect(summary.jobs).toEqual([
      expect.objectContaining({
        provider: "cdn",
        scope: "overseas",
        taskId: purgeCalls()[0]?.response?.TaskId,
      }),
    ]);
  });

  it("purges EdgeOne and CDN together when both are configured", async () => {
    await edgeone({ cdnHosts: "cdn.example.com" })(cosEvent(cosRecord({ key: "index.html" })));

    expect(purgeCalls().map((call) => [call.action, targetsOf(call)])).toEqual(
      expect.arrayContaining([
        ["CreatePurgeTask", ["https://www.example.com/index.html", "https://www.example.com/"]],
        ["PurgeUrlsCache", ["https://cdn.example.com/index.html", "https://cdn.example.com/"]],
      ]),
    );
    expect(purgeCalls()).toHaveLength(2);
  });

  it("maps a bucket folder to the domain root and leaves other keys alone", async () => {
    const summary = await edgeone({ PURGE_KEY_PREFIX: "site/", PURGE_URL_SPELLINGS: "browser" })(
      cosEvent(cosRecord({ key: "site/blog/index.html" }), cosRecord({ key: "backup/db.sql" })),
    );

    expect(targetsOf(purgeCalls()[0])).toEqual([
      "https://www.example.com/blog/index.html",
      "https://www.example.com/blog/",
    ]);
    expect(summary.skipped).toEqual([expect.objectContaining({ key: "backup/db.sql" })]);
  });

  it("keeps ?, # and % inside the path of the purged URL", async () => {
    await edgeone({ PURGE_URL_SPELLINGS: "browser" })(cosEvent(cosRecord({ key: "q?x=1#frag 100%.txt" })));

    // Browsers send a % that starts no escape as it is (measured; see src/plan/urls.ts).
    expect(targetsOf(purgeCalls()[0])).toEqual(["https://www.example.com/q%3Fx=1%23frag%20100%.txt"]);
  });

  it("purges the batch of COS events a CKafka trigger delivers in one request", async () => {
    const summary = await edgeone()(
      ckafkaEvent(cosEvent(cosRecord({ key: "a.js" })), cosEvent(cosRecord({ key: "b.js" }))),
    );

    expect(summary.source).toBe("ckafka");
    expect(targetsOf(purgeCalls()[0])).toEqual([
      "https://www.example.com/a.js",
      "https://www.example.com/b.js",
    ]);
    expect(purgeCalls()).toHaveLength(1);
  });
});

describe("what does not purge", () => {
  it("skips folder markers, restore events and kinds not configured to purge, calling no purge API", async () => {
    const summary = await edgeone({ PURGE_EVENTS: "created" })(
      cosEvent(
        cosRecord({ key: "new-folder/" }),
        cosRecord({ key: "archive.zip", event: "cos:ObjectRestore:Completed" }),
        cosRecord({ key: "gone.png", event: "cos:ObjectRemove:Delete" }),
      ),
    );

    expect(purgeCalls()).toEqual([]);
    expect(summary).toMatchObject({ records: 3, planned: 0, purged: 0, failed: 0 });
    expect(summary.skipped.map((record) => record.key)).toEqual(["new-folder/", "archive.zip", "gone.png"]);
  });

  it("drains the configured backlog on a timer event, and calls no purge API when it is empty", async () => {
    const summary = await edgeone({
      PURGE_BACKLOG_BUCKET: "examplebucket-1250000000",
      PURGE_BACKLOG_REGION: "ap-guangzhou",
    })(timerEvent());

    expect(purgeCalls()).toEqual([]);
    // Besides COS, only the one look per lane for tasks that failed after a direct purge (failed-tasks.ts).
    const api = emulator.calls().filter((call) => call.service !== "cos");
    expect(api.map((call) => call.action)).toEqual(["DescribePurgeTasks"]);
    expect(summary).toMatchObject({ source: "timer", planned: 0, drain: { status: "drained", entries: 0 } });
  });

  it("fails a timer event with no backlog bucket configured, naming the setting", async () => {
    const error = await failureOf(edgeone()(timerEvent()));
    expect(error.message).toMatch(/PURGE_BACKLOG_BUCKET/);
    expect(emulator.calls()).toEqual([]);
  });

  it("calls no API in a dry run but reports the targets", async () => {
    const summary = await edgeone({ PURGE_DRY_RUN: "true" })(cosEvent(cosRecord({ key: "a.png" })));

    expect(emulator.calls()).toEqual([]);
    expect(summary).toMatchObject({
      dryRun: true,
      planned: 1,
      purged: 0,
      targets: [
        {
          url: "https://www.example.com/a.png",
          spellings: ["chromium", "whatwg", "webkit", "requests", "component", "rfc3986"],
        },
      ],
    });
  });
});

describe("malformed input", () => {
  it("purges the valid records and fails the invocation naming the bad record and field", async () => {
    const bad = cosRecord({ key: "x.png" });
    bad.cos.cosObject.key = 42;
    const error = await failureOf(edgeone()(cosEvent(cosRecord({ key: "ok.png" }), bad)));

    expect(targetsOf(purgeCalls()[0])).toEqual(["https://www.example.com/ok.png"]);
    expect(error.message).toContain("1 event record(s) could not be read");
    expect(error.message).toContain("Records[1].cos.cosObject.key");
    expect(error.summary).toMatchObject({ purged: 1, rejected: [expect.objectContaining({ record: "1" })] });
  });

  it("rejects an event that is not a COS, CKafka or timer delivery with a clear Error", async () => {
    const error = await failureOf(edgeone()({ hello: "world" }));

    expect(error.name).toBe("EventError");
    expect(error.message).toMatch(/Records/);
    expect(emulator.calls()).toEqual([]);
  });
});

describe("failures", () => {
  it("reports FailedList targets as not purged, with the reason, and purges the rest", async () => {
    const error = await failureOf(
      edgeone({ eoDomains: "www.example.com foreign.example.org" })(cosEvent(cosRecord({ key: "a.png" }))),
    );

    expect(targetsOf(purgeCalls()[0])).toEqual([
      "https://www.example.com/a.png",
      "https://foreign.example.org/a.png",
    ]);
    expect(purgeCalls()[0]?.response?.FailedList).toHaveLength(1);
    expect(error.summary).toMatchObject({ planned: 2, purged: 1, failed: 1 });
    expect(error.summary.failures[0]).toMatchObject({
      class: "rejected",
      targets: ["https://foreign.example.org/a.png"],
    });
    expect(error.message).toContain("1 of 2 URLs not purged");
    expect(error.message).toContain("https://foreign.example.org/a.png");
    expect(error.message).toMatch(/eoDomains/);
  });

  it("retries an internal error with backoff and succeeds", async () => {
    emulator.configure({
      faults: [{ action: "CreatePurgeTask", kind: "error", code: "InternalError", times: 2 }],
    });
    const summary = await edgeone()(cosEvent(cosRecord({ key: "a.png" })));

    expect(purgeCalls().map((call) => call.error)).toEqual(["InternalError", "InternalError", null]);
    expect(summary).toMatchObject({ purged: 1, failed: 0 });
  });

  it("retries HTTP 502 and a dropped connection, which the SDK reports without a code", async () => {
    emulator.configure({
      faults: [
        { action: "CreatePurgeTask", kind: "http", status: 502, times: 1 },
        { action: "CreatePurgeTask", kind: "drop", times: 1 },
      ],
    });
    const summary = await edgeone()(cosEvent(cosRecord({ key: "a.png" })));

    expect(purgeCalls().map((call) => call.error)).toEqual(["HttpError.502", "NetworkError", null]);
    expect(summary.purged).toBe(1);
  });

  it("does not retry a permission error, and names the CAM actions the role lacks", async () => {
    emulator.configure({
      faults: [{ action: "CreatePurgeTask", kind: "error", code: "UnauthorizedOperation.CamUnauthorized" }],
    });
    const error = await failureOf(edgeone()(cosEvent(cosRecord({ key: "a.png" }))));

    expect(purgeCalls()).toHaveLength(1);
    expect(error.message).toContain("UnauthorizedOperation.CamUnauthorized");
    expect(error.message).toContain("teo:CreatePurgeTask");
  });

  it("does not retry a wrong secret key, and never prints a secret", async () => {
    const secretKey = "definitely-not-the-emulator-key";
    const error = await failureOf(
      edgeone({ TENCENTCLOUD_SECRETKEY: secretKey })(cosEvent(cosRecord({ key: "a.png" }))),
    );

    expect(emulator.calls().map((call) => call.error)).toEqual(
      expect.arrayContaining(["AuthFailure.SignatureFailure"]),
    );
    expect(purgeCalls()).toHaveLength(1);
    const output = [error.message, JSON.stringify(error.summary), ...logs].join("\n");
    expect(output).not.toContain(secretKey);
    expect(output).not.toContain(EMULATOR_CREDENTIALS.TENCENTCLOUD_SECRETID);
  });

  it("submits what today's quota allows and defers the rest to the backlog, with the numbers", async () => {
    emulator.configure({
      zones: [{ zoneId: "zone-emulator", domains: ["www.example.com"], quota: { purge_url: { daily: 3 } } }],
    });
    const keys = ["a", "b", "c", "d", "e"].map((name) => cosRecord({ key: `${name}.png` }));
    const summary = await edgeone()(cosEvent(...keys));

    const accepted = purgeCalls().flatMap((call) =>
      call.error === null ? (targetsOf(call) as string[]) : [],
    );
    expect(accepted).toHaveLength(3);
    expect(summary).toMatchObject({ planned: 5, purged: 3, deferred: 2, failed: 0 });
    expect(summary.deferrals).toEqual([
      expect.objectContaining({
        provider: "edgeone",
        scope: "zone-emulator",
        reason: "QuotaExhausted",
        count: 2,
      }),
    ]);
    const queued = emulator
      .objects("examplebucket-1250000000")
      .filter((o) => o.key.startsWith(".cos-purge/queue/"));
    expect(queued).toHaveLength(1);
    const entry = JSON.parse(String(queued[0]?.body));
    expect([...entry.targets, ...accepted].sort()).toEqual(
      keys.map((_, i) => `https://www.example.com/${"abcde"[i]}.png`).sort(),
    );
  });

  it("splits into requests of the plan's batch size", async () => {
    emulator.configure({
      zones: [{ zoneId: "zone-emulator", domains: ["www.example.com"], quota: { purge_url: { batch: 2 } } }],
    });
    const keys = ["a", "b", "c", "d", "e"].map((name) => cosRecord({ key: `${name}.png` }));
    await edgeone()(cosEvent(...keys));

    expect(purgeCalls().map((call) => (targetsOf(call) as string[]).length)).toEqual([2, 2, 1]);
    expect(purgeCalls().every((call) => call.error === null)).toBe(true);
  });

  it("purges within SCF's default 3 s limit although one API call may take up to 5 s", async () => {
    const summary = await edgeone({ PURGE_API_TIMEOUT_MS: "5000" })(
      cosEvent(cosRecord({ key: "a.png" })),
      3_000,
    );

    expect(summary).toMatchObject({ purged: 1, failed: 0 });
    expect(purgeCalls().map((call) => call.error)).toEqual([null]);
  });

  it("stops before the function's time limit and says so", async () => {
    emulator.configure({ faults: [{ action: "CreatePurgeTask", kind: "delay", delayMs: 5_000 }] });
    const started = Date.now();
    const summary = await edgeone({ PURGE_API_TIMEOUT_MS: "600" })(
      cosEvent(cosRecord({ key: "a.png" })),
      2_000,
    );

    expect(Date.now() - started).toBeLessThan(2_000);
    // The emulator received the purge (it only answered late): the outcome is unknown, not "not submitted",
    // and the target waits in the backlog to be purged again (harmless if it was).
    expect(summary).toMatchObject({ failed: 0, deferred: 1 });
    expect(summary.deferrals[0]).toMatchObject({ reason: "OutcomeUnknown", count: 1 });
    expect(JSON.stringify(logs)).not.toMatch(/Not submitted/);
  });

  it("on the platform's retry of a failed event, purges only what failed before", async () => {
    const handler = edgeone({ eoDomains: "www.example.com static.example.com" });
    const event = cosEvent(cosRecord({ key: "a.png" }));
    emulator.configure({
      faults: [{ action: "CreatePurgeTask", kind: "error", code: "InvalidParameter.Target", times: 1 }],
      zones: [
        {
          zoneId: "zone-emulator",
          domains: ["www.example.com", "static.example.com"],
          quota: { purge_url: { batch: 1 } },
        },
      ],
    });
    await failureOf(handler(event));
    const firstCalls = purgeCalls().length;
    const retry = await handler(event);

    expect(firstCalls).toBe(2);
    expect(purgeCalls().slice(firstCalls).map(targetsOf)).toEqual([["https://www.example.com/a.png"]]);
    expect(retry).toMatchObject({ planned: 2, purged: 1, alreadyPurged: 1, failed: 0 });
  });
});

describe("quota and credentials per warm instance", () => {
  it("reads the quota once per instance, not once per invocation", async () => {
    const handler = edgeone();
    await handler(cosEvent(cosRecord({ key: "a.png" })));
    await handler(cosEvent(cosRecord({ key: "b.png" })));

    expect(emulator.calls().map((call) => call.action)).toEqual([
      "DescribeContentQuota",
      "CreatePurgeTask",
      "CreatePurgeTask",
    ]);
  });

  it("still purges when the role may not read the quota, and warns naming the missing action", async () => {
    emulator.configure({
      faults: [
        { action: "DescribeContentQuota", kind: "error", code: "UnauthorizedOperation.CamUnauthorized" },
      ],
    });
    const summary = await edgeone()(cosEvent(cosRecord({ key: "a.png" })));

    expect(summary).toMatchObject({ purged: 1, failed: 0 });
    expect(purgeCalls().map((call) => call.error)).toEqual([null]);
    const warning = logs.map((line) => JSON.parse(line)).find((line) => line.level === "warn");
    expect(warning).toMatchObject({ code: "UnauthorizedOperation.CamUnauthorized" });
    expect(JSON.stringify(warning)).toContain("teo:DescribeContentQuota");
  });

  it("picks up rotated execution-role keys between invocations", async () => {
    emulator.configure({
      credentials: [
        {
          secretId: EMULATOR_CREDENTIALS.TENCENTCLOUD_SECRETID,
          secretKey: EMULATOR_CREDENTIALS.TENCENTCLOUD_SECRETKEY,
        },
        { secretId: "AKIDROTATED000000000000000000000000", secretKey: "rotated-key" },
      ],
    });
    const env: Record<string, string> = {
      ZoneId: "zone-emulator",
      eoDomains: "www.example.com",
      TEO_ENDPOINT: emulator.url,
      PURGE_MODE: "direct",
      ...EMULATOR_CREDENTIALS,
    };
    const handler = coldStart().createHandler({ env, write: () => {} });
    await handler(cosEvent(cosRecord({ key: "a.png" })));
    env.TENCENTCLOUD_SECRETID = "AKIDROTATED000000000000000000000000";
    env.TENCENTCLOUD_SECRETKEY = "rotated-key";
    env.TENCENTCLOUD_SESSIONTOKEN = "session-token";
    await handler(cosEvent(cosRecord({ key: "b.png" })));

    expect(purgeCalls().map((call) => call.error)).toEqual([null, null]);
  });
});

describe("main_handler, as SCF calls it", () => {
  it("reads the environment at cold start, purges, and logs one JSON summary line", async () => {
    vi.stubEnv("ZoneId", "zone-emulator");
    vi.stubEnv("eoDomains", "www.example.com");
    vi.stubEnv("TEO_ENDPOINT", emulator.url);
    vi.stubEnv("TENCENTCLOUD_SECRETID", EMULATOR_CREDENTIALS.TENCENTCLOUD_SECRETID);
    vi.stubEnv("TENCENTCLOUD_SECRETKEY", EMULATOR_CREDENTIALS.TENCENTCLOUD_SECRETKEY);
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const { main_handler } = coldStart();
      const summary = await main_handler(cosEvent(cosRecord({ key: "a.png" })), {
        request_id: "scf-req-1",
        time_limit_in_ms: 3_000,
      });

      expect(summary).toMatchObject({ requestId: "scf-req-1", purged: 1 });
      const lines = stdout.mock.calls.map(([chunk]) => JSON.parse(String(chunk)));
      expect(lines.filter((line) => line.msg === "purge summary")).toEqual([
        expect.objectContaining({ level: "info", requestId: "scf-req-1", purged: 1 }),
      ]);
    } finally {
      stdout.mockRestore();
    }
  });

  it("fails every invocation with the bad setting's name, value and what is accepted", async () => {
    vi.stubEnv("ZoneId", "zone-emulator");
    vi.stubEnv("eoDomains", "ftp://files.example.com");
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const { main_handler } = coldStart();
      const error = await failureOf(main_handler(cosEvent(cosRecord({ key: "a.png" }))));

      expect(error.name).toBe("ConfigError");
      expect(error.message).toContain("eoDomains");
      expect(error.message).toContain("ftp://files.example.com");
      expect(stdout.mock.calls.map(([chunk]) => String(chunk)).join("")).toContain("configuration rejected");
    } finally {
      stdout.mockRestore();
    }
  });

  it("says so when no domain is configured", async () => {
    for (const name of Object.keys(process.env)) {
      if (/^(ZoneId|eoDomains|cdnHosts)/.test(name)) vi.stubEnv(name, undefined);
    }
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const error = await failureOf(coldStart().main_handler(cosEvent(cosRecord({ key: "a.png" }))));

      expect(error.message).toMatch(/eoDomains/);
      expect(error.message).toMatch(/cdnHosts/);
    } finally {
      stdout.mockRestore();
    }
  });
});
