/**
 * `auto`'s decision against the emulator's own rate limit (pressure.ts): at once below the limit,
 * queued after a refusal or beside a window another instance is gathering, at once again when the
 * pressure is gone. Assertions are on what the emulator received and holds.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import { markBusy } from "../../src/backlog/busy";
import { SECOND_LOOK_MS } from "../../src/deliver/pressure";
import type { Emulator } from "../../src/emulator";
import {
  BACKLOG_BUCKET,
  backlogInstance,
  emulatorCosStore,
  useBacklogEmulator,
} from "../support/backlog-harness";
import { cosEvent, cosRecord, timerEvent } from "../support/events";
import { FakeClock } from "../support/fake-clock";

const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
});

const upload = (name: string) => cosEvent(cosRecord({ key: `${name}.png` }));
const url = (name: string) => `https://www.example.com/${name}.png`;
const purgeCalls = () => emulator.calls().filter((call) => call.action === "CreatePurgeTask");
const targetsOf = (call: { params: Record<string, unknown> }) => (call.params.Targets ?? []) as string[];
const accepted = () =>
  purgeCalls()
    .filter((call) => call.error === null)
    .flatMap(targetsOf);
const cosCalls = () => emulator.calls().filter((call) => call.service === "cos");
const queuedTargets = () =>
  emulator
    .objects(BACKLOG_BUCKET)
    .filter((object) => object.key.startsWith(".cos-purge/queue/"))
    .flatMap((object) => JSON.parse(object.body.toString()).targets as string[]);

describe("auto mode decides by the rate limit, on the emulator", () => {
  it("below the limit, one instance taking uploads back to back purges each at once: no backlog write, no window wait", async () => {
    const { invoke } = backlogInstance(emulator, { PURGE_MODE: "auto", PURGE_WINDOW_MS: "3000" });
    const names = Array.from({ length: 6 }, (_, i) => `b2b-${i}`);
    const started = Date.now();
    const summaries = [];
    for (const name of names) summaries.push(await invoke(upload(name)));

    expect(summaries.map((summary) => summary.route)).toEqual(Array(6).fill("direct"));
    expect(purgeCalls().map(targetsOf)).toEqual(names.map((name) => [url(name)]));
    // At most a look at the others (its own busy mark, a LIST): nothing queued.
    const writes = cosCalls().filter((call) => call.action === "PutObject" || call.action === "DeleteObject");
    expect(writes.map((call) => String(call.params.Key))).toEqual(
      writes.map(() => expect.stringMatching(/^\.cos-purge\/busy\/\d{13}-[0-9a-f]{8}$/)),
    );
    expect(writes.length).toBeGreaterThan(0); // it did look: the invocations were back to back
    expect(queuedTargets()).toEqual([]);
    expect(Date.now() - started).toBeLessThan(3_000); // not one window of 3 s waited
  });

  it("a refusal by the rate limit queues the instance's next upload; once the back-off passed and the limit has room, it purges at once again", async () => {
    emulator.configure({ rateLimit: 1 });
    const clock = new FakeClock(Date.now());
    const neighbour = backlogInstance(emulator, { PURGE_MODE: "direct" });
    const instance = backlogInstance(
      emulator,
      { PURGE_MODE: "auto", PURGE_WINDOW_MS: "1000", PURGE_MAX_ATTEMPTS: "1" },
      clock,
    );
    await neighbour.invoke(upload("neighbour")); // takes the second's only call

    const refused = await instance.invoke(upload("first"));
    expect(refused).toMatchObject({ route: "direct", purged: 0, deferred: 1, failed: 0 });
    expect(refused.deferrals[0]).toMatchObject({ reason: "RequestLimitExceeded" });
    clock.advance(200);
    const callsBefore = purgeCalls().length;
    const backedOff = await instance.invoke(upload("second"));
    expect(backedOff).toMatchObject({ route: "queued", deferred: 1, failed: 0 });
    // It made no purge call of its own for the upload: only its window's drain may have tried.
    expect(
      purgeCalls()
        .slice(callsBefore)
        .every((call) => targetsOf(call).length !== 1 || targetsOf(call)[0] !== url("second")),
    ).toBe(true);

    emulator.configure({ rateLimit: 20 }); // the neighbours are done: the limit has room
    clock.advance(2_000); // past the one-window back-off
    const probe = await instance.invoke(upload("third"));
    expect(probe).toMatchObject({ route: "direct", purged: 1, deferred: 0 });
    expect(purgeCalls().at(-1)).toMatchObject({ error: null, params: { Targets: [url("third")] } });

    // Nothing queued is lost: the timer's drain purges what waited.
    await backlogInstance(emulator).invoke(timerEvent());
    expect(queuedTargets()).toEqual([]);
    expect(new Set(accepted())).toEqual(
      new Set(["neighbour", "first", "second", "third"].map((name) => url(name))),
    );
  });

  it("an instance handed its next upload the moment it returned looks, however long its summary took after the purge", async () => {
    const clock = new FakeClock(Date.now());
    // A loaded host: writing the summary takes 100 ms, after the purge and before the handler returns.
    const slowSummary = (line: Record<string, unknown>) => {
      if (line.msg === "purge summary") clock.advance(100);
    };
    const { invoke } = backlogInstance(emulator, { PURGE_MODE: "auto" }, clock, slowSummary);
    await invoke(upload("first"));
    await invoke(upload("second")); // handed over at once: an event was waiting for it

    expect(busyMarks()).toHaveLength(1);
    expect(purgeCalls().map(targetsOf)).toEqual([[url("first")], [url("second")]]);
  });

  const backToBack = async (count: number) => {
    const instances = Array.from({ length: count }, (_, i) => ({
      name: `i${i}`,
      ...backlogInstance(emulator, { PURGE_MODE: "auto", PURGE_WINDOW_MS: "1000" }),
    }));
    // Each instance takes its uploads one right after another, all at the same time.
    const routes = await Promise.all(
      instances.map(async ({ name, invoke }) => {
        const taken: string[] = [];
        for (let i = 0; i < 4; i += 1) taken.push((await invoke(upload(`${name}-${i}`))).route);
        return taken;
      }),
    );
    const urls = instances.flatMap(({ name }) => [0, 1, 2, 3].map((i) => url(`${name}-${i}`)));
    return { routes, urls };
  };
  /** How many instances left busy marks (a window holder's end in `-w`). */
  const markingInstances = () =>
    new Set(busyMarks().map((call) => /-([0-9a-f]{8})(?:-w)?$/.exec(String(call.params.Key))?.[1])).size;
  const busyMarks = () =>
    cosCalls().filter((call) => call.action === "PutObject" && /busy\//.test(String(call.params.Key)));

  it("four instances all taking uploads back to back: a look finds the others busy and queues, with no refusal", async () => {
    const { routes, urls } = await backToBack(4);

    expect(routes.map((taken) => taken[0])).toEqual(Array(4).fill("direct")); // nothing waiting yet
    expect(routes.flat()).toContain("queued");
    expect(purgeCalls().filter((call) => call.error !== null)).toEqual([]);
    expect(markingInstances()).toBe(4);
    // Nothing queued is lost: what no window drained, the timer's drain does.
    await backlogInstance(emulator).invoke(timerEvent());
    expect(queuedTargets()).toEqual([]);
    expect(new Set(accepted())).toEqual(new Set(urls));
  });

  it("three instances back to back stay below the limit on their own: each upload purged at once", async () => {
    const { routes, urls } = await backToBack(3);

    expect(routes.flat()).toEqual(Array(12).fill("direct"));
    expect(busyMarks().length).toBeGreaterThan(0); // they did look
    expect(queuedTargets()).toEqual([]);
    expect(new Set(accepted())).toEqual(new Set(urls));
  });

  /** Four instances each taking 4 uploads 200 ms apart (never back to back), uploaded `age` s before. */
  const spacedUploads = async (ageSeconds: number) => {
    const uploadedAt = Math.floor(Date.now() / 1000) - ageSeconds;
    const instances = ["s0", "s1", "s2", "s3"].map((name) => ({
      name,
      ...backlogInstance(emulator, { PURGE_MODE: "auto", PURGE_WINDOW_MS: "1000" }),
    }));
    const routes = await Promise.all(
      instances.map(async ({ name, invoke }) => {
        const taken: string[] = [];
        for (let i = 0; i < 4; i += 1) {
          if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
          const record = cosRecord({ key: `${name}-${i}.png`, eventTime: uploadedAt });
          taken.push((await invoke(cosEvent(record))).route);
        }
        return taken;
      }),
    );
    const urls = instances.flatMap(({ name }) => [0, 1, 2, 3].map((i) => url(`${name}-${i}`)));
    return { routes, urls };
  };

  it("events that waited seconds in SCF's queue mean the function is behind even with idle gaps: a look finds the others busy and queues", async () => {
    const { routes, urls } = await spacedUploads(10);

    expect(routes.flat()).toContain("queued");
    expect(markingInstances()).toBe(4);
    expect(purgeCalls().filter((call) => call.error !== null)).toEqual([]);
    await backlogInstance(emulator).invoke(timerEvent());
    expect(queuedTargets()).toEqual([]);
    expect(new Set(accepted())).toEqual(new Set(urls));
  });

  it("fresh events with idle gaps are purged at once, without a look", async () => {
    const { routes, urls } = await spacedUploads(0);

    expect(routes.flat()).toEqual(Array(16).fill("direct"));
    expect(busyMarks()).toEqual([]);
    expect(queuedTargets()).toEqual([]);
    expect(new Set(accepted())).toEqual(new Set(urls));
  });

  /** A fake clock that, when the look pauses before its second listing, lets another instance mark itself. */
  class SecondLookClock extends FakeClock {
    meanwhile: (() => Promise<void>) | undefined;
    override async sleep(ms: number): Promise<void> {
      if (ms === SECOND_LOOK_MS) await this.meanwhile?.();
      await super.sleep(ms);
    }
  }
  /** A look's listings of the marks: from the oldest that counts (a drain's sweep lists them all). */
  const busyListings = () =>
    cosCalls().filter((call) => {
      const query = (call.params.Query ?? {}) as Record<string, string>;
      return call.action === "GetBucket" && /busy\/$/.test(query.prefix ?? "") && (query.marker ?? "") !== "";
    });

  /** The backlog's bucket as another instance sees it, to leave busy marks in. */
  const marksOf = (clock: FakeClock) =>
    new Backlog({ store: emulatorCosStore(emulator), prefix: ".cos-purge/", clock, timeoutMs: 5_000 });
  /** The queue entries written, drained or not. */
  const queueWrites = () =>
    cosCalls().filter(
      (call) => call.action === "PutObject" && String(call.params.Key).startsWith(".cos-purge/queue/"),
    );

  it("a look that finds too few others busy lists once more a moment later, and queues when the crowd has arrived", async () => {
    const clock = new SecondLookClock(Date.now());
    const marks = marksOf(clock);
    await markBusy(marks, "0000000a", clock.now());
    await markBusy(marks, "0000000b", clock.now());
    clock.meanwhile = () => markBusy(marks, "0000000c", clock.now()); // the third lands after the first listing
    const { invoke } = backlogInstance(emulator, { PURGE_MODE: "auto" }, clock);

    expect((await invoke(upload("first"))).route).toBe("direct");
    expect((await invoke(upload("second"))).route).toBe("queued"); // handed over at once: it looked

    expect(busyListings()).toHaveLength(2);
    expect(clock.sleeps).toContain(SECOND_LOOK_MS);
  });

  it("a look that finds another instance's window still gathering a burst queues, though that is one instance", async () => {
    const clock = new FakeClock(Date.now());
    const marks = marksOf(clock);
    await markBusy(marks, "0000000a", clock.now(), true); // as the window's holder renews it while uploads arrive
    const { invoke } = backlogInstance(emulator, { PURGE_MODE: "auto" }, clock);

    expect((await invoke(upload("first"))).route).toBe("direct");
    expect((await invoke(upload("second"))).route).toBe("queued");

    expect(queueWrites()).toHaveLength(1);
    // No holder really drains here (the mark stands alone), so the window this invocation took does.
    expect(purgeCalls().map(targetsOf)).toEqual([[url("first")], [url("second")]]);
    expect(queuedTargets()).toEqual([]);
  });

  it("the same instance beside one busy but not gathering purges at once", async () => {
    const clock = new FakeClock(Date.now());
    const marks = marksOf(clock);
    await markBusy(marks, "0000000a", clock.now());
    const { invoke } = backlogInstance(emulator, { PURGE_MODE: "auto" }, clock);

    expect((await invoke(upload("first"))).route).toBe("direct");
    expect((await invoke(upload("second"))).route).toBe("direct");

    expect(purgeCalls().map(targetsOf)).toEqual([[url("first")], [url("second")]]);
    expect(queueWrites()).toEqual([]);
  });

  it("a look that finds nobody else busy lists once and purges at once, without the pause", async () => {
    const clock = new SecondLookClock(Date.now());
    const { invoke } = backlogInstance(emulator, { PURGE_MODE: "auto" }, clock);

    await invoke(upload("first"));
    expect((await invoke(upload("second"))).route).toBe("direct");

    expect(busyMarks()).toHaveLength(1);
    expect(busyListings()).toHaveLength(1);
    expect(clock.sleeps).not.toContain(SECOND_LOOK_MS);
  });
});
