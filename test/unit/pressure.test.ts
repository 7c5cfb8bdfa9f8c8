import { describe, expect, it } from "vitest";
import {
  AutoPressure,
  BACK_TO_BACK_MS,
  BUSY_TOGETHER_MS,
  eventWaited,
  GAP_SHARE,
  GATHERING_FRESH_MS,
  LOOKS_PER_WINDOW,
  MAX_BACKOFF_WINDOWS,
  OTHERS_BUSY,
  WAITED_MS,
} from "../../src/deliver/pressure";

const WINDOW = 1_000;

/** Other instances' busy marks at `times`, none of them holding a window. */
const marks = (times: readonly number[]) => times.map((time) => ({ time, gathering: false }));

/** Runs one invocation from `start` to `end`, returning how auto routed it. */
const invocation = (pressure: AutoPressure, start: number, end = start + 50, waitedMs = 0) => {
  const route = pressure.arrive(start, waitedMs);
  pressure.leave(end);
  return route;
};

describe("auto's decision (AutoPressure)", () => {
  it("purges at once uploads spaced apart, however many come within a window", () => {
    const pressure = new AutoPressure(WINDOW);
    const routes = Array.from({ length: 10 }, (_, i) => invocation(pressure, i * 100));
    expect(routes).toEqual(Array(10).fill("direct"));
  });

  it("looks at the other instances, not the queue, when an invocation starts right after the previous one ended", () => {
    const pressure = new AutoPressure(WINDOW);
    invocation(pressure, 0, 50);
    expect(invocation(pressure, 50 + BACK_TO_BACK_MS - 1)).toBe("look");
    expect(invocation(pressure, 10_000)).toBe("direct");
  });

  it("looks at the window at most a few times per window while invocations run back to back", () => {
    const pressure = new AutoPressure(WINDOW);
    let now = 0;
    const routes = Array.from({ length: 28 }, () => {
      const route = invocation(pressure, now, now + 70);
      now += 71; // 14 uploads a second, each right after the previous
      return route;
    });
    const looks = routes.filter((route) => route === "look").length;
    expect(routes.filter((route) => route === "queue")).toEqual([]);
    expect(looks).toBeGreaterThan(0);
    expect(looks).toBeLessThanOrEqual(2 * LOOKS_PER_WINDOW); // 2 s of uploads
  });

  it("queues for one window after the invocation that saw a refusal ended, then probes at once", () => {
    const pressure = new AutoPressure(WINDOW);
    pressure.arrive(0);
    pressure.refused(40);
    pressure.leave(600); // it drained its own window meanwhile
    expect(invocation(pressure, 700)).toBe("queue");
    expect(invocation(pressure, 600 + WINDOW - 100)).toBe("queue");
    expect(invocation(pressure, 600 + WINDOW + 100)).toBe("direct");
  });

  it("doubles the back-off when the probe is refused too, up to the cap", () => {
    const pressure = new AutoPressure(WINDOW);
    let now = 0;
    const backoffs: number[] = [];
    for (let refusal = 0; refusal < 6; refusal += 1) {
      pressure.refused(now);
      let until = now;
      while (invocation(pressure, until + 1, until + 1) === "queue") until += 100;
      backoffs.push(until - now);
      now = until + 2; // the probe, refused again
    }
    expect(backoffs).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    expect(Math.max(...backoffs)).toBe(MAX_BACKOFF_WINDOWS * WINDOW);
  });

  it("starts again from one window once the pressure has been gone a while", () => {
    const pressure = new AutoPressure(WINDOW);
    pressure.refused(0);
    pressure.refused(WINDOW + 10); // the probe refused: 2 windows
    const quietAfter = WINDOW + 10 + 2 * WINDOW;
    expect(invocation(pressure, quietAfter + 1)).toBe("direct");
    const later = quietAfter + 60_000;
    pressure.refused(later);
    expect(invocation(pressure, later + WINDOW / 2)).toBe("queue");
    expect(invocation(pressure, later + WINDOW + 100)).toBe("direct");
  });

  it("queues for one window when others are busy too, then purges at once again", () => {
    const pressure = new AutoPressure(WINDOW);
    const crowd = Array.from({ length: OTHERS_BUSY }, (_, i) => i * 10);
    expect(pressure.arrive(0)).toBe("direct");
    pressure.leave(1);
    expect(pressure.arrive(2)).toBe("look");
    expect(pressure.looked(10, marks(crowd))).toBe(true);
    pressure.leave(20);
    expect(invocation(pressure, 20 + BACK_TO_BACK_MS - 1, 100)).toBe("queue"); // still back to back
    expect(invocation(pressure, 300)).toBe("direct"); // a gap: it keeps up, whatever the others do
    expect(invocation(pressure, 300 + 50 + 1, 400)).toBe("queue"); // back to back again, same window
    expect(invocation(pressure, 400 + 1 + WINDOW)).toBe("direct");
  });

  /** An instance behind (its second invocation back to back) whose look at `lookAt` finds `others`. */
  const look = (others: readonly number[], lookAt = 10_000) => {
    const pressure = new AutoPressure(WINDOW);
    invocation(pressure, lookAt - 100, lookAt);
    expect(pressure.arrive(lookAt)).toBe("look");
    return { pressure, saturated: pressure.looked(lookAt + 300, marks(others)) };
  };

  it("counts as saturated only enough others behind together with it, not a cold start's pile-up spread over a second", () => {
    const together = Array.from({ length: OTHERS_BUSY }, (_, i) => 10_000 - BUSY_TOGETHER_MS + i);
    expect(look(together).saturated).toBe(true);
    expect(look(together.slice(1)).saturated).toBe(false); // one fewer
    const spread = together.map((time, i) => time - i * BUSY_TOGETHER_MS); // one after another
    expect(look(spread).saturated).toBe(false);
    // Others that looked just after this one started (their LIST came first) count too; later ones not.
    const after = Array.from({ length: OTHERS_BUSY }, (_, i) => 10_000 + BUSY_TOGETHER_MS - i);
    expect(look(after).saturated).toBe(true);
    expect(look(after.map((time) => time + 1)).saturated).toBe(false);
  });

  it("once saturated, one other instance busy lately keeps it queueing at its next look; none lets it go", () => {
    const { pressure } = look(Array(OTHERS_BUSY).fill(10_000));
    /** Invocations back to back (100 ms apart, 60 ms each) from `from` until one looks: its time. */
    const untilLook = (from: number) => {
      for (let now = from; ; now += 100) {
        const route = pressure.arrive(now);
        if (route === "look") return now;
        expect(route).toBe("queue");
        pressure.leave(now + 60);
      }
    };
    pressure.leave(10_320);
    const relook = untilLook(10_360);
    expect(relook).toBeGreaterThan(10_300 + WINDOW); // after the window's queueing
    expect(pressure.looked(relook + 30, marks([relook - WINDOW + 10]))).toBe(true);
    pressure.leave(relook + 60);

    const last = untilLook(relook + 100);
    expect(last).toBeGreaterThan(relook + 30 + WINDOW);
    expect(pressure.looked(last + 30, [])).toBe(false);
    pressure.leave(last + 60);
    expect(pressure.arrive(last + 100)).toBe("direct"); // looked within the window: at once
  });

  it("counts a short gap after a long purge as back to back (a loaded host), not after a window's wait", () => {
    const pressure = new AutoPressure(WINDOW);
    const took = 400; // a cold start's purge on a loaded host
    invocation(pressure, 0, took);
    expect(invocation(pressure, took + GAP_SHARE * took - 1)).toBe("look");

    const holder = new AutoPressure(WINDOW);
    holder.refused(0); // queues its next invocation, which holds the window for 3 s
    expect(invocation(holder, 10, 3_010)).toBe("queue");
    expect(invocation(holder, 3_010 + 2 * BACK_TO_BACK_MS)).toBe("direct");
  });

  it("joins a window another instance is gathering, whatever the count, while its mark is fresh", () => {
    const holder = (time: number) => [{ time, gathering: true }];
    expect(look([]).saturated).toBe(false);
    expect(look([], 10_000).pressure.looked(10_300, holder(10_000 - GATHERING_FRESH_MS))).toBe(true);
    expect(look([], 10_000).pressure.looked(10_300, holder(10_000 - GATHERING_FRESH_MS - 1))).toBe(false);
    // A plain mark as old is one instance briefly behind, not a window gathering.
    expect(look([10_000 - 100]).saturated).toBe(false);
  });

  it("looks when the event waited in SCF's queue, however long the instance was idle before it", () => {
    const pressure = new AutoPressure(WINDOW);
    expect(invocation(pressure, 0, 50, WAITED_MS - 1)).toBe("direct");
    expect(pressure.arrive(500, WAITED_MS)).toBe("look");
    expect(pressure.looked(560, marks(Array(OTHERS_BUSY).fill(500)))).toBe(true);
    pressure.leave(570);
    expect(invocation(pressure, 800, 850, WAITED_MS)).toBe("queue");
    expect(invocation(pressure, 1_100, 1_150)).toBe("direct"); // a fresh event: it keeps up
  });
});

describe("how long an event waited (eventWaited)", () => {
  const at = (seconds: number) => ({ eventTime: seconds * 1_000 });

  it("counts from the end of the newest event's second, since COS truncates eventTime", () => {
    expect(eventWaited([at(100)], 101_000)).toBe(0);
    expect(eventWaited([at(100)], 104_500)).toBe(3_500);
    expect(eventWaited([at(90), at(100), at(95)], 105_000)).toBe(4_000);
  });

  it("is 0 without event times (a timer, the CLI) and never negative (a clock ahead of the host's)", () => {
    expect(eventWaited([], 50_000)).toBe(0);
    expect(eventWaited([{}], 50_000)).toBe(0);
    expect(eventWaited([at(100)], 99_000)).toBe(0);
  });

  it("takes a CKafka batch of 10,000 records without overflowing the stack", () => {
    const changes = Array.from({ length: 200_000 }, (_, i) => at(i / 1_000));
    expect(eventWaited(changes, 210_000)).toBe(210_000 - 201_000 + 1);
  });
});
