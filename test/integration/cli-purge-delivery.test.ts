/**
 * `cos-purge purge` (dist/cli.js) against the emulator: keys, URLs and folders of one run go out as
 * one delivery would send them: one rate limiter for the whole run, and what the provider refuses for
 * a reason time fixes waits in the backlog, whichever way the targets were given.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { cli, emulatorEnv } from "../support/cli";

const BUCKET = "examplebucket-1250000000";
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset({ config: true, cos: true }));

const url = (name: string) => `https://www.example.com/${name}`;
const purgeCalls = () => emulator.calls().filter((call) => call.action === "CreatePurgeTask");

describe("cos-purge purge, keys and URLs in one run", () => {
  it("keeps keys and URLs together under the 20 requests/s limit: none refused for rate", async () => {
    // One target per request: 12 key calls then 12 URL calls, 24 in all, more than 20 in a second
    // unless one limiter paces both.
    emulator.configure({
      zones: [
        {
          zoneId: "zone-emulator",
          domains: ["www.example.com"],
          quota: { purge_url: { batch: 1, daily: 100 } },
        },
      ],
    });
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}.png`);
    const urls = Array.from({ length: 12 }, (_, i) => url(`u${i}.png`));

    const { code } = await cli(["purge", ...keys, ...urls], emulatorEnv(emulator));

    expect(code).toBe(0);
    const refused = purgeCalls().filter((call) => call.error?.startsWith("RequestLimitExceeded"));
    expect(refused).toEqual([]);
    expect(purgeCalls().filter((call) => call.error === null)).toHaveLength(24);
  });
});
