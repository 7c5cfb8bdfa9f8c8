import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { sendJson } from "../../src/emulator/server";
import { clearProxyEnv, sdkError, teoClient } from "./helpers";

clearProxyEnv();

const ZoneId = "zone-emulator";
const urls = (count: number, length = 40) =>
  Array.from(
    { length: count },
    (_, index) => `https://www.example.com/${String(index).padStart(length, "x")}`,
  );

describe("the emulator stays bounded and answers every request", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ config: { rateLimit: 0 } });
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset({ config: true }));

  it("answers 413, not 'not JSON', to a control body over the 10 MB it reads", async () => {
    const body = JSON.stringify({ cdn: { domains: urls(1) }, padding: "x".repeat(20 * 1024 * 1024) });

    const response = await fetch(`${emulator.url}/_emulator/config`, { method: "POST", body });

    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(/exceeds 10485760 bytes/);
  });

  it("keeps a 9 MB call as a preview, so the call list stays small and is served at once", async () => {
    const targets = urls(90_000, 80); // ~9 MB of JSON
    const client = teoClient(emulator);
    for (let i = 0; i < 2; i++) {
      await sdkError(client.CreatePurgeTask({ ZoneId, Type: "purge_url", Targets: targets }));
    }

    const response = await fetch(`${emulator.url}/_emulator/calls`, { signal: AbortSignal.timeout(5000) });
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(text.length).toBeLessThan(64 * 1024);
    const calls = JSON.parse(text) as { params: Record<string, unknown>; unreadableBody: string }[];
    expect(calls).toHaveLength(2);
    expect(calls[0]?.params._truncated).toBeGreaterThan(9_000_000);
    expect(calls[0]?.unreadableBody.startsWith('{"ZoneId":"zone-emulator"')).toBe(true);
  });
});

describe("call log limits", () => {
  it("drops the oldest calls past maxCalls and counts them, in the API and the control route", async () => {
    const emulator = await startEmulator({ callLog: { maxCalls: 3 } });
    try {
      const client = teoClient(emulator);
      for (let i = 0; i < 5; i++) await client.DescribeContentQuota({ ZoneId });
      await client.CreatePurgeTask({ ZoneId, Type: "purge_url", Targets: urls(1) });

      const response = await fetch(`${emulator.url}/_emulator/calls`);

      expect(emulator.calls().map((call) => call.action)).toEqual([
        "DescribeContentQuota",
        "DescribeContentQuota",
        "CreatePurgeTask",
      ]);
      expect(emulator.droppedCalls()).toBe(3);
      expect(response.headers.get("x-emulator-calls-dropped")).toBe("3");
      emulator.reset();
      expect([emulator.calls().length, emulator.droppedCalls()]).toEqual([0, 0]);
    } finally {
      await emulator.stop();
    }
  });

  it("keeps the serialised log within maxBytes", async () => {
    const emulator = await startEmulator({ callLog: { maxBytes: 20_000 } });
    try {
      const client = teoClient(emulator);
      for (let i = 0; i < 10; i++) {
        await client.CreatePurgeTask({ ZoneId, Type: "purge_url", Targets: urls(50) }); // ~4 KB each
      }

      expect(JSON.stringify(emulator.calls()).length).toBeLessThanOrEqual(20_000);
      expect(emulator.calls().length + emulator.droppedCalls()).toBe(10);
      expect(emulator.droppedCalls()).toBeGreaterThan(0);
    } finally {
      await emulator.stop();
    }
  });
});

describe("sendJson", () => {
  it("answers 500 naming the reason when the body cannot be serialised, instead of never ending", async () => {
    const server = createServer((_request, response) => sendJson(response, 200, { count: 1n }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });

      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: string }).error).toMatch(/BigInt/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
