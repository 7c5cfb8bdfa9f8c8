/**
 * A proxy variable in the shell, in either case, must not break the backlog's COS calls to a loopback
 * endpoint (the emulator): the COS SDK's request fork reads HTTP_PROXY / http_proxy (and the HTTPS
 * ones) by itself, so providers/cos.ts turns its proxy off for loopback. The proxy here is a closed port:
 * any request sent through it fails.
 */
import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { createCosStore } from "../../src/providers/cos";
import { cli, emulatorEnv } from "../support/cli";

const BUCKET = "examplebucket-1250000000";
const KEYS = { secretId: "AKIDEMULATOR00000000000000000000000", secretKey: "emulator-secret-key" };
const PROXY_VARIABLES = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"] as const;
let emulator: Emulator;
/** http://127.0.0.1:<a port nothing listens on>. */
let closedProxy: string;

beforeAll(async () => {
  emulator = await startEmulator();
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const address = server.address();
  closedProxy = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 1}`;
  await new Promise((closed) => server.close(closed));
});
afterAll(() => emulator.stop());
beforeEach(() => {
  for (const name of PROXY_VARIABLES) vi.stubEnv(name, undefined);
  emulator.reset({ config: true, cos: true });
});

const cosCalls = () => emulator.calls().filter((call) => call.service === "cos");

describe("the COS adapter with a proxy set in the environment", () => {
  it.each(PROXY_VARIABLES)("reaches a loopback endpoint directly with %s set", async (variable) => {
    vi.stubEnv(variable, closedProxy);
    const store = createCosStore({
      bucket: BUCKET,
      region: "ap-guangzhou",
      endpoint: emulator.url,
      credentials: () => KEYS,
      requestTimeoutMs: 5_000,
    });

    expect(await store.put("q/a.json", "{}", { ifAbsent: true })).toBe(true);
    expect(await store.put("q/b.json", "{}")).toBe(true);
    expect(await store.get("q/a.json")).toBe("{}");
    expect((await store.list("q/")).map((object) => object.key)).toEqual(["q/a.json", "q/b.json"]);
    await store.delete("q/b.json");
    // The five calls, and the versioning check before the first (cos-versioning.ts), all reached it.
    expect(cosCalls()).toHaveLength(6);
    expect(emulator.objects(BUCKET).map((object) => object.key)).toEqual(["q/a.json"]);
  });
});

describe("cos-purge backlog with a proxy in the shell", () => {
  it("lists and drains the backlog in the emulator's COS with http_proxy and HTTP_PROXY set", async () => {
    const env = emulatorEnv(emulator, {
      COS_ENDPOINT: emulator.url,
      PURGE_BACKLOG_BUCKET: BUCKET,
      PURGE_BACKLOG_REGION: "ap-guangzhou",
      http_proxy: closedProxy,
      HTTP_PROXY: closedProxy,
    });
    const listed = await cli(["backlog", "--json"], env);
    expect(listed.stderr).not.toContain("ECONNREFUSED");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ entries: 0 });
    expect((await cli(["backlog", "drain", "--json"], env)).code).toBe(0);
    expect(cosCalls().length).toBeGreaterThan(2);
  });
});
