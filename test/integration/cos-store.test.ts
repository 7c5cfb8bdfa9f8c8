/**
 * The COS adapter, driving the real cos-nodejs-sdk-v5 over HTTP against the local emulator.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { CosPurgeError } from "../../src/foundation/errors";
import { simplePutEtag } from "../../src/foundation/object-store";
import { createCosStore, type ObjectStore, StorageError } from "../../src/providers/cos";

const KEYS = { secretId: "AKIDEMULATOR00000000000000000000000", secretKey: "emulator-secret-key" };
const BUCKET = { bucket: "examplebucket-1250000000", region: "ap-guangzhou" };

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());
beforeEach(() => {
  // Loopback traffic must not go through a proxy (tencent-cloud.md §6).
  for (const name of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) vi.stubEnv(name, undefined);
  emulator.reset({ config: true, cos: true });
});

function store(
  options: {
    credentials?: () => { secretId: string; secretKey: string; token?: string };
    timeoutMs?: number;
  } = {},
): ObjectStore {
  return createCosStore({
    ...BUCKET,
    endpoint: emulator.url,
    credentials: options.credentials ?? (() => KEYS),
    requestTimeoutMs: options.timeoutMs ?? 5_000,
  });
}

async function failure(call: Promise<unknown>): Promise<StorageError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

/** The COS calls of the data path; the versioning check before them has tests of its own below. */
const cosCalls = () =>
  emulator.calls().filter((call) => call.service === "cos" && call.action !== "GetBucketVersioning");
const versioningChecks = () => emulator.calls().filter((call) => call.action === "GetBucketVersioning");

describe("createCosStore", () => {
  it("reads the bucket's versioning once, before its first call, and then only does the work", async () => {
    const backlog = store();

    await backlog.put("backlog/1.json", "{}");
    await backlog.get("backlog/1.json");
    await backlog.list("backlog/");

    expect(emulator.calls().map((call) => `${call.action}:${call.error ?? "ok"}`)).toEqual([
      "GetBucketVersioning:ok",
      "PutObject:ok",
      "GetObject:ok",
      "GetBucket:ok",
    ]);
  });

  it.each(["Enabled", "Suspended"] as const)(
    "refuses every call on a bucket whose versioning is %s, saying what to do, after one check",
    async (versioning) => {
      emulator.configure({
        cos: { buckets: [{ ...{ name: BUCKET.bucket, region: BUCKET.region }, versioning }] },
      });
      const backlog = store();

      const first = await failure(
        backlog.put(".cos-purge/lease/drain/000000000001", "{}", { ifAbsent: true }),
      );
      const second = await failure(backlog.list(".cos-purge/queue/"));

      expect([first.code, second.code]).toEqual(["BacklogBucketVersioned", "BacklogBucketVersioned"]);
      expect(first.message).toContain(`PURGE_BACKLOG_BUCKET ${BUCKET.bucket} (${BUCKET.region}`);
      expect(first.message).toContain(`has versioning ${versioning}`);
      expect(first.message).toMatch(/x-cos-forbid-overwrite.*a bucket of its own that never had versioning/);
      expect(versioningChecks()).toHaveLength(1);
      expect(cosCalls()).toEqual([]);
    },
  );

  it("names cos:GetBucketVersioning when the role may not read the versioning, and asks again next call", async () => {
    emulator.configure({
      faults: [{ action: "GetBucketVersioning", kind: "error", code: "AccessDenied", times: 1 }],
    });
    const backlog = store();

    const denied = await failure(backlog.get("backlog/1.json"));
    const then = await backlog.get("backlog/1.json");

    expect(denied.code).toBe("AccessDenied");
    expect(denied.message).toMatch(/allow cos:GetBucketVersioning on that bucket/);
    expect(then).toBeUndefined();
    expect(versioningChecks().map((call) => call.error)).toEqual(["AccessDenied", null]);
  });

  it("puts, gets and deletes, and a missing key reads as undefined and deletes quietly", async () => {
    const backlog = store();

    expect(await backlog.put("backlog/1.json", '{"urls":["https://www.example.com/a"]}')).toBe(true);
    const body = await backlog.get("backlog/1.json");
    await backlog.delete("backlog/1.json");
    const gone = await backlog.get("backlog/1.json");
    await backlog.delete("backlog/1.json");

    expect(body).toBe('{"urls":["https://www.example.com/a"]}');
    expect(gone).toBeUndefined();
    expect(cosCalls().map((call) => `${call.action}:${call.error ?? call.httpStatus}`)).toEqual([
      "PutObject:200",
      "GetObject:200",
      "DeleteObject:204",
      "GetObject:NoSuchKey",
      "DeleteObject:204",
    ]);
    expect(cosCalls()[0]?.params).toMatchObject({ Bucket: BUCKET.bucket, Key: "backlog/1.json" });
  });

  it("lists every key under a prefix across pages of 1,000, in key order, with size and time", async () => {
    const backlog = store();
    const keys = Array.from(
      { length: 2_050 },
      (_, index) => `backlog/${String(index).padStart(5, "0")}.json`,
    );
    for (let start = 0; start < keys.length; start += 100) {
      await Promise.all(keys.slice(start, start + 100).map((key) => backlog.put(key, "{}")));
    }
    await backlog.put("backlog-other/x.json", "{}");
    await backlog.put("backlog/ü & <odd> %41.json", "five!");
    emulator.reset();

    const listed = await backlog.list("backlog/");

    expect(listed).toHaveLength(2_051);
    expect(listed.slice(0, 2_050).map((entry) => entry.key)).toEqual(keys);
    expect(listed.at(-1)).toEqual({
      key: "backlog/ü & <odd> %41.json",
      size: 5,
      lastModified: expect.any(Number),
      // As GET Bucket lists it: the MD5 of the body, quoted (what lets a drain skip a queue entry's GET).
      etag: simplePutEtag("five!"),
    });
    expect(Math.abs((listed[0]?.lastModified ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(cosCalls().map((call) => [call.action, call.params.Query])).toEqual([
      ["GetBucket", { prefix: "backlog/", marker: "", "max-keys": "1000", "encoding-type": "url" }],
      ["GetBucket", { prefix: "backlog/", marker: keys[999], "max-keys": "1000", "encoding-type": "url" }],
      ["GetBucket", { prefix: "backlog/", marker: keys[1999], "max-keys": "1000", "encoding-type": "url" }],
    ]);
  });

  it("with ifAbsent, writes once and then resolves false without overwriting", async () => {
    const backlog = store();

    const first = await backlog.put("locks/drain", "a", { ifAbsent: true });
    const second = await backlog.put("locks/drain", "b", { ifAbsent: true });

    expect([first, second]).toEqual([true, false]);
    expect(await backlog.get("locks/drain")).toBe("a");
    expect(cosCalls().slice(0, 2)).toMatchObject([
      { action: "PutObject", error: null, params: { Headers: { "x-cos-forbid-overwrite": "true" } } },
      { action: "PutObject", error: "FileAlreadyExists", httpStatus: 409 },
    ]);
  });

  it("throws StorageError SignatureDoesNotMatch for a wrong key, with the RequestId and no secret", async () => {
    const error = await failure(store({ credentials: () => ({ ...KEYS, secretKey: "wrong-key" }) }).get("a"));

    expect(error).toBeInstanceOf(CosPurgeError);
    expect(error).toMatchObject({ code: "SignatureDoesNotMatch", httpStatus: 403, name: "StorageError" });
    // The first request refused is the versioning check, and nothing is tried after it.
    expect(error.requestId).toBe(versioningChecks()[0]?.requestId);
    expect(cosCalls()).toEqual([]);
    expect(error.message).not.toMatch(/wrong-key|emulator-secret-key|AKIDEMULATOR/);
  });

  it("reads the credentials on every call, so rotated keys are used at once", async () => {
    let keys: { secretId: string; secretKey: string; token?: string } = KEYS;
    const backlog = store({ credentials: () => keys });
    await backlog.put("a", "1");

    keys = { secretId: "AKIDROTATED000000000000000000000000", secretKey: "rotated", token: "session" };
    const before = await failure(backlog.get("a"));
    emulator.configure({ credentials: [KEYS, { secretId: keys.secretId, secretKey: keys.secretKey }] });

    expect(before.code).toBe("InvalidAccessKeyId");
    expect(await backlog.get("a")).toBe("1");
  });

  it("reports missing credentials with their own code, before any request", async () => {
    const error = await failure(
      store({
        credentials: () => {
          throw new CosPurgeError("No credentials", { code: "MissingCredentials" });
        },
      }).get("a"),
    );

    expect(error.code).toBe("MissingCredentials");
    expect(cosCalls()).toEqual([]);
  });

  describe("faults", () => {
    it("lets the SDK retry one 5xx, and reports a lasting one with its code after four attempts", async () => {
      const backlog = store();
      await backlog.put("a", "1");
      emulator.configure({
        faults: [{ action: "GetObject", service: "cos", kind: "error", code: "InternalError", times: 1 }],
      });
      expect(await backlog.get("a")).toBe("1");

      emulator.configure({ faults: [{ action: "GetObject", kind: "http", status: 503 }] });
      const error = await failure(backlog.get("a"));

      expect(error).toMatchObject({ code: "HttpError.503", httpStatus: 503 });
      expect(cosCalls().map((call) => call.error)).toEqual([
        null,
        "InternalError",
        null,
        ...Array(4).fill("HttpError.503"),
      ]);
    });

    it("does not let the SDK retry a create-only write: the caller decides", async () => {
      emulator.configure({
        faults: [{ action: "PutObject", kind: "error", code: "InternalError", times: 1 }],
      });

      const error = await failure(store().put("locks/x", "1", { ifAbsent: true }));

      expect(error).toMatchObject({ code: "InternalError", httpStatus: 500 });
      expect(cosCalls()).toHaveLength(1);
    });

    it("reports a dropped connection as NetworkError", async () => {
      emulator.configure({ faults: [{ action: "DeleteObject", kind: "drop" }] });

      const error = await failure(store().delete("a"));

      expect(error.code).toBe("NetworkError");
      expect(error.httpStatus).toBeUndefined();
    });

    it("gives up at the timeout with Timeout, whatever the SDK's retries", async () => {
      emulator.configure({ faults: [{ action: "GetBucket", kind: "delay", delayMs: 2_000 }] });

      const started = performance.now();
      const error = await failure(store({ timeoutMs: 5_000 }).list("backlog/", { timeoutMs: 200 }));

      expect(error.code).toBe("Timeout");
      expect(performance.now() - started).toBeLessThan(1_000);
    });
  });

  it("refuses an endpoint that is neither a host nor http(s)://host:port", () => {
    expect(() =>
      createCosStore({
        ...BUCKET,
        endpoint: "http://127.0.0.1:9/x",
        credentials: () => KEYS,
        requestTimeoutMs: 1,
      }),
    ).toThrow(expect.objectContaining({ code: "InvalidCosEndpoint" }));
  });
});
