/**
 * The drain window's timing (window.ts) on a fake clock: uploads arrive at set times while the window
 * sleeps, and the purge calls are timed by the clock they were made at.
 */
import { describe, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import { acquireLease } from "../../src/backlog/lease";
import { drainWithinWindow, JOIN_GRACE_MS, type WindowDeps, writeAndJoin } from "../../src/deliver/window";
import { QuotaBook } from "../../src/execute/quota";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { createLogger } from "../../src/foundation/log";
import { FakeClock } from "../support/fake-clock";
import { DEFAULT_QUOTA, FakePurger } from "../support/fake-purger";
import { MemoryStore } from "../support/memory-store";

const PREFIX = ".cos-purge/";
const T0 = Date.UTC(2026, 10, 26, 4, 0, 0);
const url = (at: number) => `https://www.example.com/at-${at}.js`;

/** A fake clock that, while it sleeps, queues an upload at each scheduled time (as other invocations do). */
class UploadClock extends FakeClock {
  private uploads: number[] = [];
  backlog: Backlog | undefined;

  /** Uploads at T0 + each offset (ms). */
  schedule(...offsets: number[]): void {
    this.uploads.push(...offsets.map((offset) => T0 + offset));
    this.uploads.sort((a, b) => a - b);
  }

  override async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    const end = this.now() + Math.max(0, ms);
    while (this.uploads[0] !== undefined && this.uploads[0] <= end) {
      const at = this.uploads.shift() as number;
      this.advance(at - this.now());
      await queue(this.backlog as Backlog, at - T0);
    }
    this.advance(end - this.now());
  }
}

const queue = (backlog: Backlog, offset: number) =>
  backlog.defer(
    [{ provider: "edgeone", scope: "zone-1", targets: [url(offset)], reason: "Queued", message: "" }],
    "upload",
  );

function setup(
  options: {
    batch?: number;
    windowMs?: number;
    maxHoldMs?: number;
    deadlineIn?: number;
    firstWait?: "window" | "quiet";
  } = {},
) {
  const clock = new UploadClock(T0);
  const store = new MemoryStore(clock);
  const backlog = new Backlog({ store, prefix: PREFIX, clock, timeoutMs: 5_000 });
  clock.backlog = backlog;
  const edgeone = new FakePurger("edgeone", {
    clock,
    quota: () => ({ ...DEFAULT_QUOTA, batch: options.batch ?? DEFAULT_QUOTA.batch }),
  });
  const lines: Record<string, unknown>[] = [];
  const deps = (): WindowDeps => ({
    backlog,
    purgers: { edgeone },
    quota: new QuotaBook(clock),
    limiter: createRateLimiter(clock),
    clock,
    deadline: T0 + (options.deadlineIn ?? 60_000),
    requestTimeoutMs: 5_000,
    maxAttempts: 2,
    log: createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line)) }),
    random: () => 0.5,
    owner: "holder",
    alarm: { maxAgeMs: 24 * 3_600_000, maxTries: 5 },
    windowMs: options.windowMs ?? 1_000,
    maxHoldMs: options.maxHoldMs ?? 20_000,
    ...(options.firstWait ? { firstWait: options.firstWait } : {}),
  });
  /** Each purge call: when (ms after T0) and which uploads (their offsets) it carried. */
  const purges = () =>
    edgeone.purges.map((call) => ({
      at: call.at - T0,
      uploads: call.targets.map((target) => Number(/at-(\d+)/.exec(target)?.[1])),
    }));
  return { clock, store, backlog, deps, purges, lines };
}

describe("drainWithinWindow", () => {
  it("waits one window after a lone upload, then drains it", async () => {
    const { backlog, deps, purges, clock } = setup();
    await queue(backlog, 0);
    const report = await drainWithinWindow(deps());

    expect(clock.sleeps).toEqual([1_000, JOIN_GRACE_MS]); // the window, then the grace after releasing
    expect(purges()).toEqual([{ at: 1_000, uploads: [0] }]);
    expect(report).toMatchObject({ status: "drained", purged: 1, waiting: 0 });
  });

  it("keeps waiting while uploads arrive within the quiet period (a quarter window), then drains them together", async () => {
    const { backlog, deps, purges, clock } = setup();
    await queue(backlog, 0);
    clock.schedule(900, 1_100, 1_300); // 200 ms apart: less than the 250 ms quiet period
    await drainWithinWindow(deps());

    // It looks every 125 ms (half the quiet period): until 1,500 the newest upload is under 250 ms
    // old; at 1,625 it is 325 ms old.
    expect(clock.sleeps).toEqual([1_000, 125, 125, 125, 125, 125, JOIN_GRACE_MS]);
    expect(purges()).toEqual([{ at: 1_625, uploads: [0, 900, 1_100, 1_300] }]);
  });

  it("in auto (first wait: the quiet period) drains a lone upload a quiet period after it, not a window", async () => {
    const { backlog, deps, purges, clock } = setup({ windowMs: 3_000, firstWait: "quiet" });
    await queue(backlog, 0);
    await drainWithinWindow(deps());

    expect(clock.sleeps).toEqual([500, JOIN_GRACE_MS]); // a sixth of the 3 s window
    expect(purges()).toEqual([{ at: 500, uploads: [0] }]);
  });

  it("in auto, keeps gathering while uploads arrive and drains a quiet period after the last", async () => {
    const { backlog, deps, purges, clock } = setup({ windowMs: 3_000, firstWait: "quiet" });
    await queue(backlog, 0);
    clock.schedule(500, 1_000, 1_400);
    await drainWithinWindow(deps());

    // It looks every 250 ms: until 1,750 the newest upload is under 500 ms old; at 2,000 it is 600 ms old.
    expect(clock.sleeps).toEqual([500, 250, 250, 250, 250, 250, 250, JOIN_GRACE_MS]);
    expect(purges()).toEqual([{ at: 2_000, uploads: [0, 500, 1_000, 1_400] }]);
  });

  it("holds no entry past its hold time, even when an earlier holder kept it waiting", async () => {
    const { backlog, deps, purges, clock } = setup({ windowMs: 3_000, maxHoldMs: 6_000, firstWait: "quiet" });
    await queue(backlog, 0);
    clock.advance(5_000); // the previous holder gathered, held a partial batch back, and let go
    clock.schedule(...Array.from({ length: 40 }, (_, i) => 5_100 + i * 200)); // uploads keep coming
    await drainWithinWindow(deps());

    // Six seconds after the oldest upload (not after this holder took the window), all that is queued
    // goes out at once, uploads still coming or not.
    expect(purges()[0]).toEqual({ at: 6_000, uploads: [0, 5_100, 5_300, 5_500, 5_700, 5_900] });
  });

  it("renews a gathering mark about once a second while uploads keep coming, and leaves none for a lone upload", async () => {
    const gathering = async (store: MemoryStore) =>
      (await store.list(`${PREFIX}busy/`)).map((object) => object.key).filter((key) => key.endsWith("-w"));
    const busy = setup({ windowMs: 3_000, firstWait: "quiet" });
    await queue(busy.backlog, 0);
    busy.clock.schedule(...Array.from({ length: 14 }, (_, i) => 300 + i * 200)); // until 2,900
    await drainWithinWindow({ ...busy.deps(), instance: "0000000a" });
    const stamps = (await gathering(busy.store)).map(
      (key) => Number(/(\d{13})-0000000a-w$/.exec(key)?.[1]) - T0,
    );
    expect(stamps).toEqual([500, 1_500, 2_500]); // looks every 250 ms, marks when a second has passed

    const lone = setup({ windowMs: 3_000, firstWait: "quiet" });
    await queue(lone.backlog, 0);
    await drainWithinWindow({ ...lone.deps(), instance: "0000000a" });
    expect(await gathering(lone.store)).toEqual([]);
  });

  it("looks for fresh uploads by listing only the keys queued since, however long the queue", async () => {
    const { backlog, store, deps, clock } = setup({ windowMs: 3_000, firstWait: "quiet", batch: 2_000 });
    for (let at = 0; at < 1_500; at += 1) await queue(backlog, at % 10);
    const lists: { after?: string; maxKeys?: number }[] = [];
    const list = store.list.bind(store);
    store.list = async (prefix, options) => {
      if (prefix.endsWith("queue/") && options?.maxKeys !== 1_000) lists.push({ ...options });
      return list(prefix, options);
    };
    clock.schedule(500);
    await drainWithinWindow(deps());

    // The oldest entry once, then each look from the quiet period's start: at most 10 keys each time.
    expect(lists.length).toBeGreaterThanOrEqual(3);
    expect(lists.every((options) => options.maxKeys === 10)).toBe(true);
    expect(lists[0]?.after).toBeUndefined();
    expect(lists.slice(1).every((options) => /queue\/\d{13}$/.test(options.after ?? ""))).toBe(true);
  });

  it("counts an upload exactly one quiet period old as quiet", async () => {
    const { backlog, deps, purges, clock } = setup();
    await queue(backlog, 0);
    clock.schedule(750);
    await drainWithinWindow(deps());

    expect(clock.sleeps).toEqual([1_000, JOIN_GRACE_MS]);
    expect(purges()).toEqual([{ at: 1_000, uploads: [0, 750] }]);
  });

  it("stops waiting at maxHoldMs while uploads keep arriving, and drains everything queued by then", async () => {
    const { backlog, deps, purges, clock } = setup({ batch: 3, maxHoldMs: 2_000 });
    await queue(backlog, 0);
    clock.schedule(...Array.from({ length: 50 }, (_, i) => 200 * (i + 1)));
    await drainWithinWindow(deps());

    // Held for 2,000 ms: the oldest upload has waited maxHoldMs, so partial batches go too.
    const first = purges().filter((purge) => purge.at === 2_000);
    expect(first.map((purge) => purge.uploads.length)).toEqual([3, 3, 3, 2]);
    expect(first.flatMap((purge) => purge.uploads)).toEqual(Array.from({ length: 11 }, (_, i) => 200 * i));
  });

  it("stops waiting DRAIN_TIME_MS (3 s) before the deadline, and holds back a partial batch while uploads arrive", async () => {
    const { backlog, deps, purges, clock } = setup({ batch: 3, deadlineIn: 4_500 });
    await queue(backlog, 0);
    clock.schedule(...Array.from({ length: 50 }, (_, i) => 200 * (i + 1)));
    const report = await drainWithinWindow(deps());

    // 4,500 - 3,000 = 1,500: uploads 0 … 1,400 are queued (8), still arriving: 2 full batches go.
    expect(purges()).toEqual([
      { at: 1_500, uploads: [0, 200, 400] },
      { at: 1_500, uploads: [600, 800, 1_000] },
    ]);
    expect(clock.now()).toBeLessThanOrEqual(T0 + 4_500);
    expect(report).toMatchObject({ heldBack: 2, waiting: 2 });
  });

  it("holds a partial batch back only while uploads arrive", async () => {
    const { backlog, deps, purges, clock } = setup({ batch: 3, deadlineIn: 5_000 });
    await queue(backlog, 0);
    clock.schedule(...Array.from({ length: 50 }, (_, i) => 200 * (i + 1)));
    const report = await drainWithinWindow(deps());

    // At 2,000 (the deadline less 3 s) uploads 0 … 2,000 wait (11): 9 go, 2 wait for a fuller batch.
    expect(purges().map((purge) => purge.uploads.length)).toEqual([3, 3, 3]);
    expect(report).toMatchObject({ heldBack: 2, waiting: 2 });

    // Once uploads stopped, the same partial batch goes out.
    const quiet = setup({ batch: 3, deadlineIn: 5_000 });
    await queue(quiet.backlog, 0);
    quiet.clock.schedule(200, 400, 600);
    await drainWithinWindow(quiet.deps());
    expect(quiet.purges().map((purge) => purge.uploads)).toEqual([[0, 200, 400], [600]]);
  });

  it("takes the next round itself when an upload arrived as it released the window", async () => {
    const { backlog, deps, purges, store, clock } = setup();
    await queue(backlog, 0);
    let windowWrites = 0;
    store.failWith = (op) => {
      // The window lease's second write is its release: an upload lands just then.
      if (op.op === "put" && op.key.includes("lease/window/") && ++windowWrites === 2) {
        clock.advance(10);
        void queue(backlog, 5_000);
      }
      return undefined;
    };
    await drainWithinWindow(deps());

    expect(purges().map((purge) => purge.uploads)).toEqual([[0], [5_000]]);
  });

  it("returns at once, drains nothing and sleeps not, when another invocation holds the window", async () => {
    const first = setup();
    await queue(first.backlog, 0);
    const holder = { ...first.deps(), owner: "other" };
    const { acquireLease } = await import("../../src/backlog/lease");
    await acquireLease(first.store, first.clock, `${PREFIX}lease/window/`, holder.owner, 30_000);

    expect(await drainWithinWindow(first.deps())).toBeUndefined();
    expect(first.purges()).toEqual([]);
    expect(first.clock.sleeps).toEqual([]);
  });

  it("waits for a drain lease held elsewhere (the timer's), then drains", async () => {
    const { backlog, deps, purges, clock, store } = setup();
    await queue(backlog, 0);
    const { acquireLease } = await import("../../src/backlog/lease");
    await acquireLease(store, clock, `${PREFIX}lease/drain/`, "timer", 2_500);
    await drainWithinWindow(deps());

    // Busy at 1,000 and 2,000 (1 s apart); the timer's lease expired at 2,500; drained at 3,000.
    expect(purges()).toEqual([{ at: 3_000, uploads: [0] }]);
  });

  it("ignores misnamed and future-stamped objects under queue/ when timing, and the drain reports them once", async () => {
    const { backlog, deps, purges, clock, store, lines } = setup();
    await queue(backlog, 0);
    await store.put(`${PREFIX}queue/notes.txt`, "not an entry");
    await store.put(`${PREFIX}queue/9999999999999-00000000.json`, "{}");
    await drainWithinWindow(deps());

    expect(clock.sleeps).toEqual([1_000, JOIN_GRACE_MS]);
    expect(purges()).toEqual([{ at: 1_000, uploads: [0] }]);
    const misnamed = lines.filter((line) => String(line.msg).includes("not named as its records"));
    expect(misnamed).toEqual([expect.objectContaining({ count: 1 })]);
  });

  it("looks at the queue again a grace after releasing, and drains an entry written as it released", async () => {
    const { backlog, deps, purges, clock } = setup();
    await queue(backlog, 0);
    clock.schedule(1_000 + JOIN_GRACE_MS / 2); // written while the holder releases and waits the grace
    await drainWithinWindow(deps());

    expect(purges()).toEqual([
      { at: 1_000, uploads: [0] },
      { at: 1_000 + JOIN_GRACE_MS + 1_000, uploads: [1_000 + JOIN_GRACE_MS / 2] },
    ]);
  });
});

describe("writing an entry while looking at the window (writeAndJoin)", () => {
  const world = () => {
    const clock = new FakeClock(T0);
    const store = new MemoryStore(clock);
    const backlog = new Backlog({ store, prefix: PREFIX, clock, timeoutMs: 5_000 });
    return { clock, store, backlog };
  };
  const write = (clock: FakeClock, takesMs: number) => async () => {
    clock.advance(takesMs);
    return "written";
  };

  it("joins a window another invocation holds when the write is quick: no lease taken", async () => {
    const { clock, store, backlog } = world();
    await acquireLease(store, clock, `${PREFIX}lease/window/`, "holder", 60_000);
    const generations = (await store.list(`${PREFIX}lease/window/`)).length;
    expect(await writeAndJoin(backlog, clock, write(clock, 50))).toEqual({
      written: "written",
      joined: true,
    });
    expect((await store.list(`${PREFIX}lease/window/`)).length).toBe(generations);
  });

  it("does not join when the write took longer than the holder's grace, nor when nobody holds the window", async () => {
    const { clock, store, backlog } = world();
    expect((await writeAndJoin(backlog, clock, write(clock, 50))).joined).toBe(false);
    await acquireLease(store, clock, `${PREFIX}lease/window/`, "holder", 60_000);
    expect((await writeAndJoin(backlog, clock, write(clock, JOIN_GRACE_MS))).joined).toBe(false);
  });
});
