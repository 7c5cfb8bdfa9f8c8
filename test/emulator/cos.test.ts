import { createHash, createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { BUCKET, type CosSdkError, clearProxyEnv, cosClient, DEFAULT_CREDENTIAL, sdkError } from "./helpers";

clearProxyEnv();

const ONE_MINUTE = 60_000;

describe("COS XML API", () => {
  let emulator: Emulator;
  let skewMs = 0;

  beforeAll(async () => {
    emulator = await startEmulator({ now: () => Date.now() + skewMs });
  });
  afterAll(() => emulator.stop());
  beforeEach(() => {
    skewMs = 0;
    emulator.reset({ config: true, cos: true });
  });

  const cosError = (call: Promise<unknown>) => sdkError(call) as Promise<CosSdkError>;

  describe.each(["path", "host"] as const)("addressed by %s", (style) => {
    it("puts, reads, heads and deletes an object, with ETag and Last-Modified", async () => {
      const cos = cosClient(emulator, { style });
      const key = "backlog/a b+c!(1).json";

      const put = await cos.putObject({
        ...BUCKET,
        Key: key,
        Body: '{"n":1}',
        ContentType: "application/json",
      });
      const got = await cos.getObject({ ...BUCKET, Key: key });
      const head = await cos.headObject({ ...BUCKET, Key: key });
      await cos.deleteObject({ ...BUCKET, Key: key });

      const md5 = `"${createHash("md5").update('{"n":1}').digest("hex")}"`;
      expect(put.ETag).toBe(md5);
      expect(got.Body.toString()).toBe('{"n":1}');
      expect(got.headers).toMatchObject({ etag: md5, "content-type": "application/json" });
      expect(Date.parse(head.headers?.["last-modified"] ?? "")).toBeGreaterThan(Date.now() - ONE_MINUTE);
      expect(emulator.objects()).toEqual([]);
      expect(
        emulator
          .calls()
          .map(({ service, action, error, httpStatus }) => [service, action, error, httpStatus]),
      ).toEqual([
        ["cos", "PutObject", null, 200],
        ["cos", "GetObject", null, 200],
        ["cos", "HeadObject", null, 200],
        ["cos", "DeleteObject", null, 204],
      ]);
      expect(emulator.calls()[0]?.params).toEqual({ Bucket: BUCKET.Bucket, Key: key, ContentLength: 7 });
    });
  });

  it("answers NoSuchKey as COS's XML error, with the request id the SDK reads", async () => {
    const error = await cosError(cosClient(emulator).getObject({ ...BUCKET, Key: "missing.json" }));

    const [call] = emulator.calls();
    expect(error).toMatchObject({ code: "NoSuchKey", statusCode: 404 });
    expect(error.headers?.["x-cos-request-id"]).toBe(call?.requestId);
    expect(call).toMatchObject({ action: "GetObject", error: "NoSuchKey", httpStatus: 404 });
  });

  it("sends the real <Error> shape: Code, Message, Resource, RequestId, TraceId", async () => {
    const response = await fetch(`${emulator.url}/${BUCKET.Bucket}/x.json`);
    const body = await response.text();

    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toBe("application/xml");
    expect(body).toMatch(
      /^<\?xml version='1.0' encoding='utf-8' \?>\n<Error><Code>AccessDenied<\/Code><Message>Access Denied.<\/Message><Resource>examplebucket-1250000000\/x.json<\/Resource><RequestId>[^<]+<\/RequestId><TraceId>[^<]+<\/TraceId><\/Error>$/,
    );
  });

  it("answers NoSuchBucket for a bucket it does not have, or one named in another region", async () => {
    const other = await cosError(
      cosClient(emulator).getObject({ Bucket: "other-1250000000", Region: "ap-guangzhou", Key: "a" }),
    );
    const region = await cosError(
      cosClient(emulator, { style: "host" }).getObject({ ...BUCKET, Region: "ap-shanghai", Key: "a" }),
    );

    expect([other.code, other.statusCode, region.code]).toEqual(["NoSuchBucket", 404, "NoSuchBucket"]);
  });

  it("refuses to overwrite with x-cos-forbid-overwrite: true (409 FileAlreadyExists) and keeps the first body", async () => {
    const cos = cosClient(emulator);
    const once = { ...BUCKET, Key: "locks/a", Headers: { "x-cos-forbid-overwrite": "true" } };

    await cos.putObject({ ...once, Body: "first" });
    const error = await cosError(cos.putObject({ ...once, Body: "second" }));

    expect(error).toMatchObject({ code: "FileAlreadyExists", statusCode: 409 });
    expect(emulator.objects().map((object) => object.body.toString())).toEqual(["first"]);
    expect(emulator.calls()[1]?.params.Headers).toEqual({ "x-cos-forbid-overwrite": "true" });
  });

  it("reports versioning as GetBucketVersioning does: none until enabled, then Enabled or Suspended", async () => {
    const cos = cosClient(emulator);

    const never = await cos.getBucketVersioning(BUCKET);
    await cos.putBucketVersioning({ ...BUCKET, VersioningConfiguration: { Status: "Enabled" } });
    const enabled = await cos.getBucketVersioning(BUCKET);
    await cos.putBucketVersioning({ ...BUCKET, VersioningConfiguration: { Status: "Suspended" } });
    const suspended = await cos.getBucketVersioning(BUCKET);
    const bad = await cosError(
      cos.putBucketVersioning({ ...BUCKET, VersioningConfiguration: { Status: "Off" as "Enabled" } }),
    );

    expect(never.VersioningConfiguration.Status).toBeUndefined();
    expect([enabled.VersioningConfiguration.Status, suspended.VersioningConfiguration.Status]).toEqual([
      "Enabled",
      "Suspended",
    ]);
    expect([bad.code, bad.statusCode]).toEqual(["MalformedXML", 400]);
    expect(emulator.calls().map((call) => `${call.action} ${call.error ?? "ok"}`)).toEqual([
      "GetBucketVersioning ok",
      "PutBucketVersioning ok",
      "GetBucketVersioning ok",
      "PutBucketVersioning ok",
      "GetBucketVersioning ok",
      "PutBucketVersioning MalformedXML",
    ]);
  });

  it("starts a bucket with the versioning its config names, and forgets what was set on reset with COS", async () => {
    emulator.configure({
      cos: { buckets: [{ name: BUCKET.Bucket, region: BUCKET.Region, versioning: "Suspended" }] },
    });
    const cos = cosClient(emulator);
    await cos.putBucketVersioning({ ...BUCKET, VersioningConfiguration: { Status: "Enabled" } });
    emulator.reset({ cos: true });

    expect((await cos.getBucketVersioning(BUCKET)).VersioningConfiguration.Status).toBe("Suspended");
  });

  it("lists by prefix in pages of max-keys (at most 1,000), with IsTruncated and NextMarker", async () => {
    const cos = cosClient(emulator);
    for (const key of ["q/c", "q/a", "q/b", "r/x"]) await cos.putObject({ ...BUCKET, Key: key, Body: key });

    const first = await cos.getBucket({ ...BUCKET, Prefix: "q/", MaxKeys: 2 });
    const second = await cos.getBucket({
      ...BUCKET,
      Prefix: "q/",
      Marker: first.NextMarker ?? "",
      MaxKeys: 2,
    });
    const capped = await cos.getBucket({ ...BUCKET, MaxKeys: 5000 });

    expect(first.Contents.map((object) => object.Key)).toEqual(["q/a", "q/b"]);
    expect([first.IsTruncated, first.NextMarker]).toEqual(["true", "q/b"]);
    expect(second.Contents.map((object) => [object.Key, object.Size])).toEqual([["q/c", "3"]]);
    expect([second.IsTruncated, second.NextMarker]).toEqual(["false", undefined]);
    expect(capped.MaxKeys).toBe("1000");
  });

  describe("signatures", () => {
    it("answers SignatureDoesNotMatch to a wrong key and InvalidAccessKeyId to an unknown SecretId", async () => {
      const wrongKey = await cosError(
        cosClient(emulator, { credential: { ...DEFAULT_CREDENTIAL, secretKey: "nope" } }).getObject({
          ...BUCKET,
          Key: "a",
        }),
      );
      const unknown = await cosError(
        cosClient(emulator, { credential: { secretId: "AKIDUNKNOWN", secretKey: "x" } }).getObject({
          ...BUCKET,
          Key: "a",
        }),
      );

      expect([wrongKey.code, wrongKey.statusCode]).toEqual(["SignatureDoesNotMatch", 403]);
      expect([unknown.code, unknown.statusCode]).toEqual(["InvalidAccessKeyId", 403]);
    });

    it("accepts temporary keys with x-cos-security-token, and never records the token", async () => {
      const cos = cosClient(emulator, { credential: { ...DEFAULT_CREDENTIAL, token: "session-token" } });

      await cos.putObject({ ...BUCKET, Key: "t", Body: "x" });

      expect(JSON.stringify(emulator.calls())).not.toContain("session-token");
    });

    it("answers AccessDenied 'Request has expired' once q-sign-time has passed", async () => {
      skewMs = 20 * ONE_MINUTE; // the SDK signs for 15 minutes

      const error = await cosError(
        cosClient(emulator, { correctClockSkew: false }).getObject({ ...BUCKET, Key: "a" }),
      );

      expect(error).toMatchObject({ code: "AccessDenied", message: "Request has expired", statusCode: 403 });
    });

    it("answers RequestTimeTooSkewed to a signature starting far ahead of the server clock", async () => {
      skewMs = -20 * ONE_MINUTE;

      const error = await cosError(
        cosClient(emulator, { correctClockSkew: false }).getObject({ ...BUCKET, Key: "a" }),
      );

      expect([error.code, error.statusCode]).toEqual(["RequestTimeTooSkewed", 403]);
    });

    it("sends a Date with which the SDK corrects its own clock and succeeds on its retry", async () => {
      skewMs = 20 * ONE_MINUTE;
      await cosClient(emulator).putObject({ ...BUCKET, Key: "a", Body: "x" });

      expect(emulator.calls().map((call) => call.error)).toEqual(["AccessDenied", null]);
    });

    it("verifies the query it signs: a parameter changed after signing fails", async () => {
      const now = Math.floor(Date.now() / 1000);
      const keyTime = `${now - 1};${now + 600}`;
      const signKey = createHmac("sha1", DEFAULT_CREDENTIAL.secretKey).update(keyTime).digest("hex");
      const host = `127.0.0.1:${emulator.port}`;
      const httpString = `get\n/\nprefix=a\nhost=${encodeURIComponent(host)}\n`;
      const toSign = `sha1\n${keyTime}\n${createHash("sha1").update(httpString).digest("hex")}\n`;
      const signature = createHmac("sha1", signKey).update(toSign).digest("hex");
      const authorization = `q-sign-algorithm=sha1&q-ak=${DEFAULT_CREDENTIAL.secretId}&q-sign-time=${keyTime}&q-key-time=${keyTime}&q-header-list=host&q-url-param-list=prefix&q-signature=${signature}`;

      const intact = await fetch(`${emulator.url}/${BUCKET.Bucket}/?prefix=a`, {
        headers: { Authorization: authorization },
      });
      const tampered = await fetch(`${emulator.url}/${BUCKET.Bucket}/?prefix=b`, {
        headers: { Authorization: authorization },
      });

      expect([intact.status, tampered.status]).toEqual([200, 403]);
      expect(await tampered.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
    });
  });

  describe("faults", () => {
    it("answers an error fault as COS would (status from the code), and the SDK retries a 5xx itself", async () => {
      emulator.configure({
        faults: [{ action: "GetBucket", service: "cos", kind: "error", code: "InternalError", times: 1 }],
      });

      await cosClient(emulator).getBucket({ ...BUCKET });

      expect(emulator.calls().map((call) => [call.error, call.httpStatus, call.fault])).toEqual([
        ["InternalError", 500, "error"],
        [null, 200, null],
      ]);
    });

    it("answers a bare status, which the SDK reports as a numeric code", async () => {
      emulator.configure({ faults: [{ action: "PutObject", kind: "http", status: 400, times: 1 }] });

      const error = await cosError(cosClient(emulator).putObject({ ...BUCKET, Key: "a", Body: "x" }));

      expect([error.code, error.statusCode]).toEqual(["400", 400]);
      expect(emulator.calls()).toMatchObject([{ error: "HttpError.400", httpStatus: 400, fault: "http" }]);
    });

    it("drops the connection; the SDK retries a network error, four attempts in all", async () => {
      emulator.configure({ faults: [{ action: "HeadObject", service: "cos", kind: "drop" }] });

      const error = await cosError(cosClient(emulator).headObject({ ...BUCKET, Key: "a" }));

      expect(error.code).toMatch(/ECONNRESET|socket hang up/i);
      expect(emulator.calls().map((call) => call.error)).toEqual(Array(4).fill("NetworkError"));
    });

    it("holds a call back past the client's timeout, and records it once answered", async () => {
      emulator.configure({ faults: [{ action: "GetObject", kind: "delay", delayMs: 300, times: 1 }] });
      await cosClient(emulator).putObject({ ...BUCKET, Key: "a", Body: "x" });

      const got = await cosClient(emulator, { timeout: 100 }).getObject({ ...BUCKET, Key: "a" });

      // The first attempt timed out on the client; the SDK's retry was answered at once. Calls are
      // listed by arrival, the held one first, once it has been answered.
      expect(got.Body.toString()).toBe("x");
      await vi.waitFor(() =>
        expect(
          emulator
            .calls()
            .filter((call) => call.action === "GetObject")
            .map((call) => call.fault),
        ).toEqual(["delay", null]),
      );
    });
  });

  it("lists in UTF-8 byte order after overwrites and deletes, a marker that is no key starting after it", async () => {
    const cos = cosClient(emulator);
    // "é" (U+00E9, bytes C3 A9) sorts after "z" in UTF-8, and "\uFF5E" after "\u{1F600}" in UTF-16 only.
    const keys = ["q/é", "q/z", "q/a", "q/\uFF5E", "q/\u{1F600}", "q/m", "q/b", "p/x"];
    for (const key of keys) await cos.putObject({ ...BUCKET, Key: key, Body: key });
    await cos.putObject({ ...BUCKET, Key: "q/m", Body: "again" });
    await cos.deleteObject({ ...BUCKET, Key: "q/b" });

    const all = await cos.getBucket({ ...BUCKET, Prefix: "q/" });
    const afterMarker = await cos.getBucket({ ...BUCKET, Prefix: "q/", Marker: "q/n", MaxKeys: 2 });

    expect(all.Contents.map((object) => object.Key)).toEqual([
      "q/a",
      "q/m",
      "q/z",
      "q/é",
      "q/\uFF5E",
      "q/\u{1F600}",
    ]);
    expect(afterMarker.Contents.map((object) => object.Key)).toEqual(["q/z", "q/é"]);
    expect(afterMarker.IsTruncated).toBe("true");
  });

  it("stores objects posted to the control API without recording a COS call, and refuses a malformed one by field", async () => {
    const post = (body: unknown) =>
      fetch(`${emulator.url}/_emulator/cos/objects`, { method: "POST", body: JSON.stringify(body) });

    const stored = await post({
      bucket: BUCKET.Bucket,
      objects: [
        { key: "seed/2", body: "two" },
        { key: "seed/1", body: "one" },
      ],
    });
    const refused = await post({
      bucket: BUCKET.Bucket,
      objects: [{ key: "seed/3", body: "x" }, { key: "" }],
    });
    const listed = await cosClient(emulator).getBucket({ ...BUCKET, Prefix: "seed/" });

    expect(await stored.json()).toEqual({ stored: 2 });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(/^objects\[1\] \{"key":""\}/);
    expect(listed.Contents.map((object) => object.Key)).toEqual(["seed/1", "seed/2"]);
    expect(emulator.calls().map((call) => call.action)).toEqual(["GetBucket"]);
  });

  it("keeps objects across reset() unless asked, and lists them on the control API", async () => {
    await cosClient(emulator).putObject({ ...BUCKET, Key: "keep/me", Body: "kept" });

    emulator.reset();
    const listed = await (await fetch(`${emulator.url}/_emulator/cos/objects?body=1`)).json();
    const cleared = await fetch(`${emulator.url}/_emulator/reset?cos=1`, { method: "POST" });

    expect(listed).toEqual([
      expect.objectContaining({ bucket: BUCKET.Bucket, key: "keep/me", size: 4, body: "kept" }),
    ]);
    expect(await cleared.json()).toEqual({ reset: ["calls", "tasks", "quota", "cos"] });
    expect(emulator.objects()).toEqual([]);
  });

  it("serves the buckets POST /_emulator/config names", async () => {
    emulator.configure({ cos: { buckets: [{ name: "backlog-1300000000", region: "ap-shanghai" }] } });

    await cosClient(emulator).putObject({
      Bucket: "backlog-1300000000",
      Region: "ap-shanghai",
      Key: "k",
      Body: "v",
    });
    const gone = await cosError(cosClient(emulator).getObject({ ...BUCKET, Key: "k" }));

    expect(emulator.objects("backlog-1300000000")).toHaveLength(1);
    expect(gone.code).toBe("NoSuchBucket");
    expect(() =>
      emulator.configure({ cos: { buckets: [{ name: "NoAppId", region: "ap-guangzhou" }] } }),
    ).toThrow(/cos\.buckets\.0\.name/);
  });
});
