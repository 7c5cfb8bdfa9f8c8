/**
 * A long backlog drains over successive timer invocations of the built function, each within its time
 * limit and each making progress; and a drain without a provider's settings leaves its entries alone
 * (issue 13, rows 2 and 8). Against the emulator, with latency on every COS and API call.
 */
import { beforeEach, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import type { Emulator } from "../../src/emulator";
import { systemClock } from "../../src/foundation/clock";
import {
  BACKLOG_BUCKET,
  backlogInstance,
  emulatorCosStore,
  useBacklogEmulator,
} from "../support/backlog-harness";
import { cosEvent, cosRecord, timerEvent } from "../support/events";

const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
});

const ENTRIES = 1_500;
const TIME_LIMIT_MS = 8_000;
const url = (i: number) => `https://www.example.com/scale/f-${i}.js`;
const queueKeys = () =>
  emulator.objects(BACKLOG_BUCKET).filter((object) => object.key.startsWith(".cos-purge/queue/"));
const accepted = () =>
  emulator
    .calls()
    .filter((call) => call.action === "CreatePurgeTask" && call.error === null)
    .flatMap((call) => call.params.Targets as string[]);

/**
 * One queue entry per URL, as a burst of single uploads in `queue` mode leaves them, each with a
 * message too long for the entry to ride in its key: each is read with a GET, the reads a drain's time
 * limit bounds (entries read from their keys drain 1,500 in one invocation).
 */
async function seedBacklog(count: number): Promise<void> {
  const store = emulatorCosStore(emulator);
  const backlog = new Backlog({ store, prefix: ".cos-purge/", clock: systemClock, timeoutMs: 5_000 });
  const deferrals = Array.from({ length: count }, (_, i) => ({
    provider: "edgeone" as const,
    scope: "zone-emulator",
    targets: [url(i)],
    reason: "Queued",
    message: `seeded ${"with a long message ".repeat(40)}`,
  }));
  await backlog.defer(deferrals, "seed");
}

it("drains 1,500 entries over successive timer invocations, each within its limit and each purging, every URL exactly once", async () => {
  await seedBacklog(ENTRIES);
  emulator.configure({ latencyMs: 20 });
  const { invoke } = backlogInstance(emulator);

  const invocations: { ms: number; purged: number; removed: number }[] = [];
  while (queueKeys().length > 0 && invocations.length < 15) {
    const started = Date.now();
    const summary = await invoke(timerEvent(), TIME_LIMIT_MS);
    invocations.push({
      ms: Date.now() - started,
      purged: summary.purged,
      removed: summary.drain?.removed ?? 0,
    });
  }

  expect(queueKeys()).toEqual([]);
  expect(invocations.length).toBeGreaterThan(1);
  for (const invocation of invocations) {
    expect(invocation.ms).toBeLessThan(TIME_LIMIT_MS);
    expect(invocation.purged).toBeGreaterThan(0);
    expect(invocation.removed).toBe(invocation.purged);
  }
  const urls = accepted();
  expect(urls).toHaveLength(ENTRIES);
  expect(new Set(urls)).toEqual(new Set(Array.from({ length: ENTRIES }, (_, i) => url(i))));
}, 120_000);

it("a drain without cdnHosts leaves the CDN entries queued and says so; one with cdnHosts purges them", async () => {
  const cdn = backlogInstance(emulator, {
    cdnHosts: "www.example.com",
    PURGE_MODE: "queue",
    PURGE_WINDOW_MS: "60000",
  });
  // The window drain needs a minute; a 2 s limit leaves it none, so the entries stay queued.
  await cdn.invoke(cosEvent(cosRecord({ key: "a.png" }), cosRecord({ key: "b.png" })), 2_000);
  const queued = queueKeys().map((object) => [object.key, object.body.toString()]);
  expect(queued.length).toBeGreaterThan(0);

  const edgeoneOnly = backlogInstance(emulator);
  const summary = await edgeoneOnly.invoke(timerEvent());
  expect(queueKeys().map((object) => [object.key, object.body.toString()])).toEqual(queued);
  expect(summary.drain).toMatchObject({
    unconfigured: [expect.objectContaining({ provider: "cdn", setting: "cdnHosts", targets: 2 })],
  });
  expect(edgeoneOnly.lines).toContainEqual(
    expect.objectContaining({ level: "warn", provider: "cdn", setting: "cdnHosts" }),
  );

  await backlogInstance(emulator, { cdnHosts: "www.example.com" }).invoke(timerEvent());
  expect(queueKeys()).toEqual([]);
  const cdnPurged = emulator
    .calls()
    .filter((call) => call.action === "PurgeUrlsCache" && call.error === null);
  expect(cdnPurged.flatMap((call) => call.params.Urls as string[]).sort()).toEqual([
    "https://www.example.com/a.png",
    "https://www.example.com/b.png",
  ]);
}, 60_000);
