import { describe, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import {
  BUSY_TTL_MS,
  busySince,
  instanceId,
  lookAtOthers,
  markBusy,
  sweepBusy,
} from "../../src/backlog/busy";
import { FakeClock } from "../support/fake-clock";
import { MemoryStore } from "../support/memory-store";

const WINDOW = 3_000;

function world() {
  const clock = new FakeClock(1_800_000_000_000);
  const store = new MemoryStore(clock);
  const backlog = new Backlog({ store, prefix: ".p/", clock, timeoutMs: 5_000 });
  return { clock, store, backlog };
}

describe("busy marks (auto's view of the other instances)", () => {
  it("an instance looking alone finds nobody else busy, however often it marked itself", async () => {
    const { clock, backlog } = world();
    expect(await lookAtOthers(backlog, "aaaaaaaa", WINDOW, clock)).toEqual([]);
    clock.advance(500);
    expect(await lookAtOthers(backlog, "aaaaaaaa", WINDOW, clock)).toEqual([]);
  });

  it("says when each other instance was last busy within the look-back, and leaves the looker's own mark", async () => {
    const { clock, store, backlog } = world();
    const start = clock.now();
    await markBusy(backlog, "bbbbbbbb", start);
    await markBusy(backlog, "dddddddd", start);
    clock.advance(400);
    await markBusy(backlog, "bbbbbbbb", clock.now());
    clock.advance(WINDOW - 500);
    const times = async (instance: string) =>
      (await lookAtOthers(backlog, instance, WINDOW, clock)).map((mark) => mark.time).sort();
    expect(await times("eeeeeeee")).toEqual([start, start + 400]);
    clock.advance(WINDOW - 200); // b's and d's marks are now older than the look-back; e's is not
    expect(await times("cccccccc")).toEqual([start + WINDOW - 100]);
    expect((await store.list(".p/busy/")).map((object) => object.key.slice(-8)).sort()).toEqual([
      "bbbbbbbb",
      "bbbbbbbb",
      "cccccccc",
      "dddddddd",
      "eeeeeeee",
    ]);
  });

  it("objects not named as marks, and marks stamped far in the future, are not instances", async () => {
    const { clock, store, backlog } = world();
    await store.put(".p/busy/not-a-mark", "");
    await store.put(`.p/busy/${clock.now()}-XYZ`, "");
    await store.put(`.p/busy/${clock.now() + 3_600_000}-dddddddd`, "");
    expect([...(await busySince(backlog, clock.now() - WINDOW, clock.now())).keys()]).toEqual([]);
  });

  it("the sweep deletes marks older than their lifetime and keeps the recent ones", async () => {
    const { clock, store, backlog } = world();
    await markBusy(backlog, "aaaaaaaa", clock.now());
    clock.advance(BUSY_TTL_MS + 1);
    await markBusy(backlog, "bbbbbbbb", clock.now());
    expect(await sweepBusy(backlog, clock.now())).toBe(1);
    expect((await store.list(".p/busy/")).map((object) => object.key.slice(-8))).toEqual(["bbbbbbbb"]);
  });

  it("instance ids are 8 hex digits", () => {
    expect(instanceId(() => 0)).toBe("00000000");
    expect(instanceId(() => 0.999_999_999_9)).toMatch(/^[0-9a-f]{8}$/);
  });

  it("tells a window holder's mark from an instance's own look, and keeps each instance's newest", async () => {
    const { clock, backlog } = world();
    await markBusy(backlog, "bbbbbbbb", clock.now());
    clock.advance(100);
    await markBusy(backlog, "bbbbbbbb", clock.now(), true);
    await markBusy(backlog, "dddddddd", clock.now());
    clock.advance(100);
    const others = await lookAtOthers(backlog, "aaaaaaaa", WINDOW, clock);
    expect(others).toEqual(
      expect.arrayContaining([
        { time: clock.now() - 100, gathering: true },
        { time: clock.now() - 100, gathering: false },
      ]),
    );
    expect(others).toHaveLength(2);
  });
});
