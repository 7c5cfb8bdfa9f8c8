import { describe, expect, it } from "vitest";
import { PROVIDER_LIMITS, QuotaBook } from "../../src/execute/quota";
import type { LaneKey } from "../../src/foundation/model";
import { FakeClock } from "../support/fake-clock";

const zone: LaneKey = { provider: "edgeone", scope: "zone-1" };
const mainland: LaneKey = { provider: "cdn", scope: "mainland" };
const quota = { batch: 2_000, daily: 10_000, dailyAvailable: 9_000 };
/** 2026-11-26 12:00 Beijing time (04:00 UTC). */
const NOON_UTC8 = Date.UTC(2026, 10, 26, 4, 0, 0);

describe("QuotaBook", () => {
  it("knows nothing before a quota is recorded", () => {
    expect(new QuotaBook(new FakeClock()).known(zone)).toBeUndefined();
  });

  it("keeps quotas per provider and scope", () => {
    const book = new QuotaBook(new FakeClock());
    book.record(zone, quota);
    expect(book.known(zone)).toEqual(quota);
    expect(book.known(mainland)).toBeUndefined();
    expect(book.known({ provider: "edgeone", scope: "zone-2" })).toBeUndefined();
  });

  it("counts accepted targets against the daily quota, down to zero", () => {
    const book = new QuotaBook(new FakeClock());
    book.record(zone, quota);
    book.consume(zone, 1_500);
    expect(book.known(zone)?.dailyAvailable).toBe(7_500);
    book.consume(zone, 10_000);
    expect(book.known(zone)?.dailyAvailable).toBe(0);
  });

  it("forgets a quota after ten minutes, as other instances consume it too", () => {
    const clock = new FakeClock(NOON_UTC8);
    const book = new QuotaBook(clock);
    book.record(zone, quota);
    clock.advance(10 * 60_000 - 1);
    expect(book.known(zone)).toBeDefined();
    clock.advance(1);
    expect(book.known(zone)).toBeUndefined();
  });

  it("forgets a quota at 00:00 Beijing time, when the provider resets it", () => {
    const beforeMidnight = Date.UTC(2026, 10, 26, 15, 59, 0); // 23:59 UTC+8
    const clock = new FakeClock(beforeMidnight);
    const book = new QuotaBook(clock);
    book.record(zone, { ...quota, dailyAvailable: 0 });
    clock.advance(59_999);
    expect(book.known(zone)?.dailyAvailable).toBe(0);
    clock.advance(1);
    expect(book.known(zone)).toBeUndefined();
  });

  it("keeps a quota across midnight UTC, which is not the provider's midnight", () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 26, 23, 55, 0));
    const book = new QuotaBook(clock);
    book.record(zone, quota);
    clock.advance(6 * 60_000);
    expect(book.known(zone)).toEqual(quota);
  });

  it("assumes the provider's default batch and an unknown daily quota when it cannot be asked", () => {
    const book = new QuotaBook(new FakeClock());
    book.recordFallback(mainland);
    expect(book.known(mainland)).toEqual({
      batch: PROVIDER_LIMITS.cdn.purge_url.batch,
      daily: undefined,
      dailyAvailable: undefined,
    });
    book.consume(mainland, 10);
    expect(book.known(mainland)?.dailyAvailable).toBeUndefined();
  });

  it("only ever lowers what it believes when restricted", () => {
    const book = new QuotaBook(new FakeClock());
    book.record(zone, quota);
    book.restrict(zone, { batch: 500 });
    book.restrict(zone, { batch: 5_000, dailyAvailable: 100 });
    book.restrict(zone, { dailyAvailable: 8_000 });
    expect(book.known(zone)).toEqual({ ...quota, batch: 500, dailyAvailable: 100 });
  });

  it("turns an unknown daily quota into a known one when the provider refuses a request", () => {
    const book = new QuotaBook(new FakeClock());
    book.recordFallback(zone);
    book.restrict(zone, { dailyAvailable: 0 });
    expect(book.known(zone)?.dailyAvailable).toBe(0);
  });

  it("never trusts a batch below one or a negative count", () => {
    const book = new QuotaBook(new FakeClock());
    expect(book.record(zone, { batch: 0, daily: 10, dailyAvailable: -3 })).toEqual({
      batch: 1,
      daily: 10,
      dailyAvailable: 0,
    });
  });

  it("forgets a quota on request", () => {
    const book = new QuotaBook(new FakeClock());
    book.record(zone, quota);
    book.invalidate(zone);
    expect(book.known(zone)).toBeUndefined();
  });

  it("reports the fresh quotas the provider gave, for the lanes asked about", () => {
    const clock = new FakeClock();
    const book = new QuotaBook(clock);
    book.record(zone, quota);
    book.record(mainland, { batch: 1_000, daily: 10_000, dailyAvailable: 10 });
    book.recordFallback({ provider: "cdn", scope: "overseas" });
    expect(book.snapshot()).toEqual([
      { ...zone, ...quota },
      { ...mainland, batch: 1_000, daily: 10_000, dailyAvailable: 10 },
    ]);
    expect(book.snapshot([mainland])).toEqual([
      { ...mainland, batch: 1_000, daily: 10_000, dailyAvailable: 10 },
    ]);
    clock.advance(10 * 60_000);
    expect(book.snapshot()).toEqual([]);
  });
});
