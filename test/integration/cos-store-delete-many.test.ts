/**
 * The COS adapter's `deleteMany`: DELETE Multiple Objects in requests of 1,000 keys, driving the real
 * cos-nodejs-sdk-v5 against the emulator; a key not deleted is always named, never passed as deleted.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { KeysNotDeletedError } from "../../src/backlog/store";
import { type Emulator, startEmulator } from "../../src/emulator";
import { createCosStore } from "../../src/providers/cos";

const KEYS = { secretId: "AKIDEMULATOR00000000000000000000000", secretKey: "emulator-secret-key" };
const BUCKET = { bucket: "examplebucket-1250000000", region: "ap-guangzhou" };

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());
beforeEach(() => {
  for (const name of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) vi.stubEnv(name, undefined);
  emulator.reset({ config: true, cos: true });
});

const store = () =>
  createCosStore({ ...BUCKET, endpoint: emulator.url, credentials: () => KEYS, requestTimeoutMs: 5_000 });
const keys = (n: number) => Array.from({ length: n }, (_, i) => `q/${String(i).padStart(5, "0")}.json`);

/** Stores `names` through the control API: the call log then holds only what deleteMany sent. */
async function seed(names: readonly string[]): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/cos/objects`, {
    method: "POST",
    body: JSON.stringify({ bucket: BUCKET.bucket, objects: names.map((key) => ({ key, body: "{}" })) }),
  });
  expect(response.status).toBe(200);
}

const batchDeletes = () => emulator.calls().filter((call) => call.action === "DeleteMultipleObjects");
const stored = () => emulator.objects(BUCKET.bucket).map((object) => object.key);

async function notDeleted(call: Promise<unknown>): Promise<KeysNotDeletedError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(KeysNotDeletedError);
  return error as KeysNotDeletedError;
}

describe("ObjectStore.deleteMany on COS", () => {
  it("deletes 2,500 keys in three requests of at most 1,000, each key sent once", async () => {
    const all = keys(2_500);
    await seed([...all, "keep.json"]);

    await store().deleteMany([...all, all[0] as string]);

    expect(stored()).toEqual(["keep.json"]);
    expect(batchDeletes().map((call) => call.params.Objects)).toEqual([1_000, 1_000, 500]);
    expect(batchDeletes().flatMap((call) => call.params.Keys as string[])).toEqual(all);
    expect(emulator.calls().filter((call) => call.action === "DeleteObject")).toEqual([]);
  });

  it("counts a key that does not exist as deleted, and sends nothing for no keys", async () => {
    await store().deleteMany(["q/never-written.json"]);
    await store().deleteMany([]);

    expect(batchDeletes()).toHaveLength(1);
  });

  it("names the keys COS refused, and only those: the others are gone", async () => {
    const all = keys(5);
    await seed(all);
    emulator.configure({
      faults: [{ service: "cos", action: "DeleteObject", kind: "error", code: "AccessDenied", times: 2 }],
    });

    const error = await notDeleted(store().deleteMany(all));

    expect(error.notDeleted.map(({ key, code }) => [key, code])).toEqual([
      [all[0], "AccessDenied"],
      [all[1], "AccessDenied"],
    ]);
    expect(error).toMatchObject({ code: "AccessDenied", of: 5 });
    expect(stored()).toEqual(all.slice(0, 2));
  });

  it("names every key of a request that failed whole, and still sends the next request", async () => {
    const all = keys(1_500);
    await seed(all);
    emulator.configure({
      faults: [
        { service: "cos", action: "DeleteMultipleObjects", kind: "error", code: "AccessDenied", times: 1 },
      ],
    });

    const error = await notDeleted(store().deleteMany(all));

    expect(error.notDeleted).toHaveLength(1_000);
    expect(error.notDeleted.every(({ code }) => code === "AccessDenied")).toBe(true);
    expect(stored()).toEqual(all.slice(0, 1_000));
    expect(batchDeletes().map((call) => call.error)).toEqual(["AccessDenied", null]);
  });
});
