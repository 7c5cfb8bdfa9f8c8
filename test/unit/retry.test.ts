import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BACKOFF, backoffDelay, fitsBeforeDeadline, minimumDelay } from "../../src/execute/retry";

describe("backoffDelay", () => {
  it("draws below a ceiling that doubles from the base with each attempt", () => {
    expect(backoffDelay(1, () => 0.999_999)).toBe(BACKOFF.baseMs);
    expect(backoffDelay(2, () => 0.5)).toBe(BACKOFF.baseMs);
    expect(backoffDelay(3, () => 0.5)).toBe(2 * BACKOFF.baseMs);
    expect(backoffDelay(1, () => 0)).toBe(0);
  });

  it("never waits longer than the cap, however many attempts failed", () => {
    expect(backoffDelay(30, () => 0.999_999)).toBe(BACKOFF.capMs);
    expect(backoffDelay(1_000, () => 0.999_999)).toBe(BACKOFF.capMs);
  });

  it("adds the floor on top of the jitter", () => {
    expect(backoffDelay(1, () => 0, 1_000)).toBe(1_000);
    expect(backoffDelay(1, () => 0.5, 1_000)).toBe(1_100);
  });

  it("stays between the floor and floor plus cap for any attempt and draw", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.constantFrom(0, 1_000),
        (attempt, draw, floor) => {
          const delay = backoffDelay(attempt, () => draw, floor);
          return delay >= floor && delay <= floor + BACKOFF.capMs;
        },
      ),
    );
  });
});

describe("minimumDelay", () => {
  it("waits at least a second after a per-second rate limit", () => {
    expect(minimumDelay("RequestLimitExceeded")).toBe(1_000);
    expect(minimumDelay("RequestLimitExceeded.IPLimitExceeded")).toBe(1_000);
    expect(minimumDelay("UnauthorizedOperation.OperationTooOften")).toBe(1_000);
  });

  it("waits a second after a call that may still be running at the provider", () => {
    expect(minimumDelay("Timeout")).toBe(1_000);
    expect(minimumDelay("NetworkError")).toBe(1_000);
  });

  it("sets no floor for other errors", () => {
    expect(minimumDelay("InternalError")).toBe(0);
    expect(minimumDelay("HttpError.503")).toBe(0);
  });
});

describe("fitsBeforeDeadline", () => {
  it("allows a wait and a call that end exactly at the deadline", () => {
    expect(fitsBeforeDeadline({ now: 1_000, waitMs: 500, callMs: 500, deadline: 2_000 })).toBe(true);
  });

  it("refuses a wait and a call that would end after it", () => {
    expect(fitsBeforeDeadline({ now: 1_000, waitMs: 501, callMs: 500, deadline: 2_000 })).toBe(false);
    expect(fitsBeforeDeadline({ now: 1_600, waitMs: 0, callMs: 500, deadline: 2_000 })).toBe(false);
  });
});
