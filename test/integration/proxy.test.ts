/**
 * A proxy variable in the shell must not break the local runs (issue 6, item 8): the SDK sends every
 * request through a lowercase `http_proxy` and ignores `no_proxy` (tencent-cloud.md §6), so loopback
 * endpoints are given an agent of their own (providers/sdk.ts).
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { isLoopback } from "../../src/providers/sdk";
import { cli, emulatorEnv, eventFile } from "../support/cli";
import { cosEvent, cosRecord } from "../support/events";

describe("a proxy set in the shell", () => {
  let emulator: Emulator;
  let proxy: Server;
  let proxyConnections = 0;
  let deadProxy: string;

  beforeAll(async () => {
    emulator = await startEmulator();
    // A "proxy" that hangs up on every connection, and counts them.
    proxy = createServer((socket) => {
      proxyConnections += 1;
      socket.destroy();
    });
    await new Promise<void>((listening) => proxy.listen(0, "127.0.0.1", listening));
    const address = proxy.address();
    deadProxy = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await emulator.stop();
    await new Promise((closed) => proxy.close(closed));
  });

  it("is bypassed for the emulator on loopback: the purge reaches it, the proxy sees nothing", async () => {
    const file = eventFile(cosEvent(cosRecord({ key: "proxied.png" })));
    const { stdout, code } = await cli(
      ["invoke", "--event", file],
      emulatorEnv(emulator, { cdnHosts: "cdn.example.com", http_proxy: deadProxy, HTTP_PROXY: deadProxy }),
    );

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ planned: 2, purged: 2, failed: 0 });
    const purges = emulator.calls().filter((call) => call.action !== "DescribeContentQuota");
    expect(purges.map((call) => call.action)).toEqual(
      expect.arrayContaining(["CreatePurgeTask", "PurgeUrlsCache"]),
    );
    expect(proxyConnections).toBe(0);
  });

  it("recognises loopback endpoints, and only them", () => {
    for (const host of ["127.0.0.1:8080", "127.1.2.3", "localhost:9000", "LOCALHOST", "[::1]:8080"]) {
      expect(isLoopback(host), host).toBe(true);
    }
    for (const host of ["teo.tencentcloudapi.com", "10.0.0.1:80", "127.0.0.1.example.com", "[::2]"]) {
      expect(isLoopback(host), host).toBe(false);
    }
  });
});
