import { describe, expect, it } from "vitest";
import { mayBeRetry, RETRY_AGE_MS } from "../../src/backlog/markers";
import type { ObjectChange } from "../../src/foundation/model";

const NOW = 1_760_000_000_000;
const change = (eventTime: number | undefined, version = "req-1"): ObjectChange => ({
  key: "a.png",
  kind: "created",
  eventName: "cos:ObjectCreated:Put",
  bucket: "site-1250000000",
  region: "ap-guangzhou",
  record: "0",
  version,
  ...(eventTime === undefined ? {} : { eventTime }),
});

describe("which events may be SCF's retry (worth a marker lookup)", () => {
  it("an event older than the retry age may be one; a fresh one is not", () => {
    expect(mayBeRetry([change(NOW - RETRY_AGE_MS - 1)], NOW)).toBe(true);
    expect(mayBeRetry([change(NOW - RETRY_AGE_MS)], NOW)).toBe(false);
    expect(mayBeRetry([change(NOW)], NOW)).toBe(false);
  });

  it("needs every change identified and some change's time known", () => {
    expect(mayBeRetry([], NOW)).toBe(false);
    expect(mayBeRetry([change(undefined)], NOW)).toBe(false);
    expect(mayBeRetry([change(NOW - 120_000), change(NOW - 120_000, "")], NOW)).toBe(false);
    expect(mayBeRetry([change(undefined), change(NOW - 120_000)], NOW)).toBe(true);
  });

  it("a batch of half a million changes is judged without overflowing the call stack", () => {
    const changes = Array.from({ length: 500_000 }, () => change(NOW));
    changes.push(change(NOW - 120_000));
    expect(mayBeRetry(changes, NOW)).toBe(true);
  });
});
