import { describe, expect, it } from "vitest";
import { API_RATE_LIMIT, createRateLimiter } from "../../src/execute/rate-limit";
import { FakeClock } from "../support/fake-clock";

/** Acquires `count` slots one after another and returns the time each was granted. */
async function grantTimes(
  clock: FakeClock,
  limiter: ReturnType<typeof createRateLimiter>,
  count: number,
  action = "A",
) {
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    await limiter.acquire(action);
    times.push(clock.now());
  }
  return times;
}

describe("createRateLimiter", () => {
  it("lets 20 requests of one action through at once and holds the 21st a second and a margin", async () => {
    const clock = new FakeClock(0);
    const times = await grantTimes(clock, createRateLimiter(clock), 21);
    expect(API_RATE_LIMIT).toEqual({ requests: 20, windowMs: 1_100 });
    expect(times.slice(0, 20)).toEqual(Array(20).fill(0));
    expect(times[20]).toBe(1_100);
  });

  it("never lets more than 20 requests start within any second", async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter(clock);
    const times: number[] = [];
    for (let i = 0; i < 100; i += 1) {
      await limiter.acquire("A");
      times.push(clock.now());
      clock.advance(i % 7 === 0 ? 130 : 3); // uneven call durations
    }
    for (const start of times) {
      expect(times.filter((t) => t >= start && t < start + 1_000).length).toBeLessThanOrEqual(20);
    }
  });

  it("does not wait for slots that have left the window", async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter(clock);
    await grantTimes(clock, limiter, 20);
    clock.advance(API_RATE_LIMIT.windowMs);
    await limiter.acquire("A");
    expect(clock.sleeps).toEqual([]);
  });

  it("counts each action on its own", async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter(clock);
    await grantTimes(clock, limiter, 20, "CreatePurgeTask");
    await limiter.acquire("PurgeUrlsCache");
    expect(clock.now()).toBe(0);
  });

  it("gives concurrent callers distinct slots", async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter(clock, { requests: 2, windowMs: 1_000 });
    await Promise.all([limiter.acquire("A"), limiter.acquire("A"), limiter.acquire("A")]);
    expect(clock.sleeps).toEqual([1_000]);
  });

  it("refuses, without taking a slot, a slot that would start after the latest start", async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter(clock, { requests: 1, windowMs: 1_000 });
    await limiter.acquire("A");
    expect(await limiter.acquire("A", 999)).toBe(false);
    expect(clock.sleeps).toEqual([]);
    expect(await limiter.acquire("A", 1_000)).toBe(true);
    expect(clock.now()).toBe(1_000);
  });
});
