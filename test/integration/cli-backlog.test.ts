/**
 * `cos-purge backlog` and `cos-purge backlog drain` (dist/cli.js) against the emulator, whose COS holds
 * the backlog: what is listed is what is stored, and a drain purges it (asserted on the calls received).
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

const env = (settings: Record<string, string> = {}) =>
  emulatorEnv(emulator, {
    COS_ENDPOINT: emulator.url,
    PURGE_BACKLOG_BUCKET: BUCKET,
    PURGE_BACKLOG_REGION: "ap-guangzhou",
    ...settings,
  });

/** Purges 5 keys with a daily quota of 2: 2 purged, 3 waiting in the backlog. */
async function fillBacklog(): Promise<void> {
  emulator.configure({
    zones: [{ zoneId: "zone-emulator", domains: ["www.example.com"], quota: { purge_url: { daily: 2 } } }],
  });
  const { code } = await cli(["purge", "a.png", "b.png", "c.png", "d.png", "e.png"], env());
  expect(code).toBe(1); // deferred is not done
}

describe("cos-purge backlog", () => {
  it("lists the backlog per lane and reason, as JSON for scripts", async () => {
    await fillBacklog();
    const { stdout, code } = await cli(["backlog", "--json"], env());

    expect(code).toBe(0);
    const listing = JSON.parse(stdout);
    expect(listing).toMatchObject({
      entries: 1,
      targets: 3,
      lanes: [
        {
          provider: "edgeone",
          zoneId: "zone-emulator",
          type: "purge_url",
          reason: "QuotaExhausted",
          targets: 3,
        },
      ],
    });
    expect(listing.oldestAgeMs).toBeGreaterThanOrEqual(0);
  });

  it("prints a table on a terminal-less stdout too, and says when the backlog is empty", async () => {
    expect((await cli(["backlog"], env())).stdout).toContain("The backlog is empty.");
    await fillBacklog();
    const { stdout } = await cli(["backlog"], env());
    expect(stdout).toMatch(/3 targets in 1 entry;/);
    expect(stdout).toContain("QuotaExhausted");
  });

  it("drains now: exit 1 while the quota still blocks, then 0 once purged, each URL once", async () => {
    await fillBacklog();
    const blocked = await cli(["backlog", "drain", "--json"], env());
    expect(blocked.code).toBe(1);
    expect(JSON.parse(blocked.stdout)).toMatchObject({ status: "drained", purged: 0, waiting: 3 });

    emulator.reset({ config: true }); // a new day, with the default quota (COS objects are kept)
    const drained = await cli(["backlog", "drain"], env());
    expect(drained.code).toBe(0);
    expect(drained.stdout).toMatch(/3 of 3 targets purged in 1 request,/);
    const purged = emulator
      .calls()
      .filter((call) => call.action === "CreatePurgeTask" && call.error === null)
      .flatMap((call) => call.params.Targets as string[]);
    expect(purged.sort()).toEqual(["c", "d", "e"].map((name) => `https://www.example.com/${name}.png`));
    expect(JSON.parse((await cli(["backlog", "--json"], env())).stdout)).toMatchObject({
      entries: 0,
      targets: 0,
    });
  });

  it("needs the backlog's bucket and region, naming the setting (exit 2)", async () => {
    const { stderr, code } = await cli(["backlog"], emulatorEnv(emulator));
    expect(code).toBe(2);
    expect(stderr).toMatch(/PURGE_BACKLOG_BUCKET/);
  });

  it("rejects an unknown action as bad usage", async () => {
    const { stderr, code } = await cli(["backlog", "flush"], env());
    expect(code).toBe(2);
    expect(stderr).toMatch(/"flush"/);
  });
});
