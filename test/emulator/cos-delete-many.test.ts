/**
 * DELETE Multiple Objects (`POST /?delete`) on the emulator, driven by cos-nodejs-sdk-v5's own
 * `deleteMultipleObject` (and its generic `request` for bodies the method would never send).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { BUCKET, type CosSdkError, clearProxyEnv, cosClient, sdkError } from "./helpers";

clearProxyEnv();

describe("COS DELETE Multiple Objects", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset({ config: true, cos: true }));

  /** Stores objects through the control API, so that the COS call log holds only the delete. */
  const put = async (...keys: string[]) => {
    const response = await fetch(`${emulator.url}/_emulator/cos/objects`, {
      method: "POST",
      body: JSON.stringify({ bucket: BUCKET.Bucket, objects: keys.map((key) => ({ key, body: "{}" })) }),
    });
    expect(response.status).toBe(200);
  };
  const keysLeft = () => emulator.objects(BUCKET.Bucket).map((object) => object.key);
  const cosError = (call: Promise<unknown>) => sdkError(call) as Promise<CosSdkError>;
  const objects = (keys: readonly string[]) => keys.map((Key) => ({ Key }));

  it("deletes every key named, a missing one counting as deleted, and answers each in Verbose mode", async () => {
    await put("q/a.json", "q/b & <c>.json", "q/keep.json");
    const cos = cosClient(emulator);

    const result = await cos.deleteMultipleObject({
      ...BUCKET,
      Objects: objects(["q/a.json", "q/b & <c>.json", "q/missing.json"]),
    });

    expect(keysLeft()).toEqual(["q/keep.json"]);
    expect(result.Deleted.map((deleted) => deleted.Key)).toEqual([
      "q/a.json",
      "q/b & <c>.json",
      "q/missing.json",
    ]);
    expect(result.Error).toEqual([]);
    const [call] = emulator.calls();
    expect(call).toMatchObject({
      service: "cos",
      action: "DeleteMultipleObjects",
      error: null,
      httpStatus: 200,
    });
    expect(call?.params).toMatchObject({
      Bucket: BUCKET.Bucket,
      Objects: 3,
      Quiet: false,
      Keys: ["q/a.json", "q/b & <c>.json", "q/missing.json"],
    });
  });

  it("answers only the failed keys in Quiet mode: a DeleteObject fault fails its key alone", async () => {
    await put("q/1.json", "q/2.json", "q/3.json");
    emulator.configure({
      faults: [{ service: "cos", action: "DeleteObject", kind: "error", code: "AccessDenied", times: 1 }],
    });

    const result = await cosClient(emulator).deleteMultipleObject({
      ...BUCKET,
      Quiet: true,
      Objects: objects(["q/1.json", "q/2.json", "q/3.json"]),
    });

    expect(result.Deleted).toEqual([]);
    expect(result.Error).toEqual([expect.objectContaining({ Key: "q/1.json", Code: "AccessDenied" })]);
    expect(keysLeft()).toEqual(["q/1.json"]);
    expect(emulator.calls()[0]?.response).toEqual({ Deleted: 2, Errors: 1 });
  });

  it("fails the whole request for a fault scripted on DeleteMultipleObjects, deleting nothing", async () => {
    await put("q/1.json");
    emulator.configure({
      faults: [{ service: "cos", action: "DeleteMultipleObjects", kind: "error", code: "SlowDown" }],
    });

    const error = await cosError(
      cosClient(emulator).deleteMultipleObject({ ...BUCKET, Objects: objects(["q/1.json"]) }),
    );

    expect(error).toMatchObject({ code: "SlowDown", statusCode: 503 });
    expect(keysLeft()).toEqual(["q/1.json"]);
  });

  it("refuses more than 1,000 keys with MalformedXML and deletes none of them", async () => {
    const keys = Array.from({ length: 1001 }, (_, i) => `q/${String(i).padStart(4, "0")}.json`);
    await put(...keys);

    const error = await cosError(
      cosClient(emulator).deleteMultipleObject({ ...BUCKET, Objects: objects(keys) }),
    );

    expect(error).toMatchObject({ code: "MalformedXML", statusCode: 400 });
    expect(keysLeft()).toHaveLength(1001);
    expect(emulator.calls()[0]).toMatchObject({ action: "DeleteMultipleObjects", error: "MalformedXML" });
  });

  it("accepts exactly 1,000 keys", async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `q/${String(i).padStart(4, "0")}.json`);
    await put(...keys);

    await cosClient(emulator).deleteMultipleObject({ ...BUCKET, Quiet: true, Objects: objects(keys) });

    expect(keysLeft()).toEqual([]);
    expect(emulator.calls()[0]?.params).toMatchObject({ Objects: 1000 });
  });

  describe("Content-MD5", () => {
    const body = "<Delete><Quiet>true</Quiet><Object><Key>q/1.json</Key></Object></Delete>";
    const send = (headers: Record<string, string>) =>
      cosError(
        cosClient(emulator).request({
          ...BUCKET,
          Method: "POST",
          Action: "delete",
          Body: body,
          Headers: { "Content-Type": "application/xml", ...headers },
        } as Parameters<ReturnType<typeof cosClient>["request"]>[0]),
      );

    it("is required: without it the request is refused with MissingContentMD5", async () => {
      await put("q/1.json");
      const error = await send({});
      expect(error).toMatchObject({ code: "MissingContentMD5", statusCode: 400 });
      expect(keysLeft()).toEqual(["q/1.json"]);
    });

    it("must be the body's: another body's digest is BadDigest", async () => {
      await put("q/1.json");
      const other = createHash("md5").update(`${body} `).digest("base64");
      const error = await send({ "Content-MD5": other });
      expect(error).toMatchObject({ code: "BadDigest", statusCode: 400 });
      expect(keysLeft()).toEqual(["q/1.json"]);
    });

    it("with the right digest, the same body deletes", async () => {
      await put("q/1.json");
      await cosClient(emulator).request({
        ...BUCKET,
        Method: "POST",
        Action: "delete",
        Body: body,
        Headers: { "Content-MD5": createHash("md5").update(body).digest("base64") },
      } as Parameters<ReturnType<typeof cosClient>["request"]>[0]);
      expect(keysLeft()).toEqual([]);
    });
  });

  it("checks the signature before anything else: a wrong key deletes nothing", async () => {
    await put("q/1.json");
    const cos = cosClient(emulator, {
      credential: { secretId: "AKIDEMULATOR00000000000000000000000", secretKey: "wrong" },
    });

    const error = await cosError(cos.deleteMultipleObject({ ...BUCKET, Objects: objects(["q/1.json"]) }));

    expect(error).toMatchObject({ code: "SignatureDoesNotMatch", statusCode: 403 });
    expect(keysLeft()).toEqual(["q/1.json"]);
  });
});
