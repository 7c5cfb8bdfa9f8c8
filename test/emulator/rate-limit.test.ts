import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { clearProxyEnv, standingClock, teoClient } from "./helpers";

clearProxyEnv();

const ZoneId = "zone-emulator";

describe("rate limit", () => {
  // The clock stands still, so every request below falls in the same one-second window.
  const clock = standingClock();
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ now: clock.now });
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset({ config: true }));

  const fire = async (count: number, call: () => Promise<unknown>) => {
    const outcomes = await Promise.allSettled(Array.from({ length: count }, call));
    return {
      ok: outcomes.filter((outcome) => outcome.status === "fulfilled").length,
      codes: outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason.code] : [])),
    };
  };
  const purge = () =>
    teoClient(emulator).CreatePurgeTask({ ZoneId, Type: "purge_url", Targets: ["https://www.example.com/"] });

  it("accepts 20 calls per second per action and answers the rest with RequestLimitExceeded", async () => {
    const { ok, codes } = await fire(25, purge);

    expect(ok).toBe(20);
    expect(codes).toEqual(Array(5).fill("RequestLimitExceeded"));
    const recorded = emulator.calls().map((call) => call.error);
    expect(recorded.filter((error) => error === null)).toHaveLength(20);
    expect(recorded.filter((error) => error === "RequestLimitExceeded")).toHaveLength(5);
  });

  it("counts each action on its own", async () => {
    await fire(20, purge);

    const quota = await fire(20, () => teoClient(emulator).DescribeContentQuota({ ZoneId }));

    expect(quota.ok).toBe(20);
  });

  it("accepts calls again once the window has slid past", async () => {
    await fire(20, purge);
    expect((await fire(1, purge)).ok).toBe(0);

    clock.advance(1000);

    expect((await fire(20, purge)).ok).toBe(20);
  });

  it("follows the configured limit, and 0 turns it off", async () => {
    emulator.configure({ rateLimit: 3 });
    expect((await fire(5, purge)).ok).toBe(3);

    emulator.configure({ rateLimit: 0 });
    expect((await fire(30, purge)).ok).toBe(30);
  });
});
