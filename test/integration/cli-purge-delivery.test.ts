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
const withBacklog = () =>
  emulatorEnv(emulator, {
    COS_ENDPOINT: emulator.url,
    PURGE_BACKLOG_BUCKET: BUCKET,
    PURGE_BACKLOG_REGION: "ap-guangzhou",
  });
/** The queue entries in the emulator's bucket: lane, reason and targets. */
const queued = () =>
  emulator
    .objects(BUCKET)
    .filter((object) => object.key.startsWith(".cos-purge/queue/"))
    .map(
      (object) => JSON.parse(object.body.toString()) as { type?: string; reason: string; targets: string[] },
    );
const withDaily = (quota: Record<string, { daily: number }>) =>
  emulator.configure({ zones: [{ zoneId: "zone-emulator", domains: ["www.example.com"], quota }] });

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

describe("cos-purge purge of URLs and folders, with a backlog configured", () => {
  it("queues the URLs the daily quota refuses, as it queues keys, and says they wait", async () => {
    withDaily({ purge_url: { daily: 2 } });

    const keys = await cli(["purge", "--json", "k1.png", "k2.png", "k3.png"], withBacklog());
    expect(JSON.parse(keys.stdout)).toMatchObject({ purged: 2, deferred: 1, failed: 0 });
    emulator.reset({ config: true, cos: true });
    withDaily({ purge_url: { daily: 2 } });

    const urls = await cli(["purge", "--json", url("u1.png"), url("u2.png"), url("u3.png")], withBacklog());

    expect(urls.code).toBe(1); // deferred is not done
    expect(JSON.parse(urls.stdout)).toMatchObject({ purged: 2, deferred: 1, failed: 0 });
    const accepted = purgeCalls()
      .filter((call) => call.error === null)
      .flatMap((call) => call.params.Targets as string[]);
    const entries = queued();
    expect(entries).toEqual([expect.objectContaining({ reason: "QuotaExhausted" })]);
    expect([...accepted, ...(entries[0]?.targets ?? [])].sort()).toEqual(
      ["u1.png", "u2.png", "u3.png"].map(url),
    );
  });

  it("queues a folder purge the folder quota refuses, in the folder lane", async () => {
    withDaily({ purge_prefix: { daily: 0 } });

    const { code, stdout } = await cli(["purge", "--json", "--prefix", url("img/")], withBacklog());

    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ purged: 0, deferred: 1, failed: 0 });
    expect(queued()).toEqual([
      expect.objectContaining({ type: "purge_prefix", reason: "QuotaExhausted", targets: [url("img/")] }),
    ]);
  });
});
