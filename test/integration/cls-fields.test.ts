/**
 * What CLS can alarm on. SCF ships stdout to CLS, which makes fields of only the top-level strings and
 * numbers of a JSON line (arrays, objects and booleans are ignored: tencent-cloud.md §10). The built
 * function against the emulator; assertions on the lines it logged, as CLS would index them.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator";
import { backlogInstance, useBacklogEmulator } from "../support/backlog-harness";
import { cosEvent, cosRecord, timerEvent } from "../support/events";

const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
});

/** A log line as CLS indexes it: its top-level strings and numbers, nothing else. */
const indexed = (line: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(line).filter(([, value]) => typeof value === "string" || typeof value === "number"),
  );

const lineOf = (lines: Record<string, unknown>[], msg: string) => {
  const line = lines.find((each) => each.msg === msg);
  expect(line, `a "${msg}" line`).toBeDefined();
  return indexed(line as Record<string, unknown>);
};

describe("CLS fields", () => {
  it("a failed purge: the summary's counts, first failure code and provider are indexed fields", async () => {
    emulator.configure({
      faults: [{ action: "CreatePurgeTask", kind: "error", code: "UnauthorizedOperation.CamUnauthorized" }],
    });
    const { invoke, lines } = backlogInstance(emulator, { PURGE_MODE: "direct" });
    await invoke(cosEvent(cosRecord({ key: "a.png" }), cosRecord({ key: "b.png" }))).catch(() => undefined);

    expect(lineOf(lines, "purge summary")).toMatchObject({
      level: "error",
      purged: 0,
      deferred: 0,
      failed: 2,
      rejectedCount: 0,
      route: "direct",
      providers: "edgeone",
      firstFailureCode: "UnauthorizedOperation.CamUnauthorized",
      firstFailureProvider: "edgeone",
      firstFailureScope: "zone-emulator",
      failureCodes: "UnauthorizedOperation.CamUnauthorized:2",
    });
  });

  it("deferred purges and the drain that purges them: reasons and drain counts are indexed fields", async () => {
    emulator.configure({
      zones: [{ zoneId: "zone-emulator", domains: ["www.example.com"], quota: { purge_url: { daily: 1 } } }],
    });
    const { invoke, lines } = backlogInstance(emulator, { PURGE_MODE: "direct" });
    await invoke(cosEvent(cosRecord({ key: "a.png" }), cosRecord({ key: "b.png" })));
    expect(lineOf(lines, "purge summary")).toMatchObject({
      level: "info",
      purged: 1,
      deferred: 1,
      failed: 0,
      firstDeferralReason: "QuotaExhausted",
    });

    emulator.reset();
    lines.length = 0;
    await invoke(timerEvent());
    expect(lineOf(lines, "drain summary")).toMatchObject({
      status: "drained",
      purged: 1,
      waiting: 0,
      failed: 0,
    });
    expect(lineOf(lines, "purge summary")).toMatchObject({ purged: 1, deferred: 0, providers: "edgeone" });
  });

  it("a queued burst drained in the same invocation: the drain's counts are top-level too", async () => {
    const { invoke, lines } = backlogInstance(emulator, { PURGE_MODE: "queue", PURGE_WINDOW_MS: "200" });
    await invoke(cosEvent(cosRecord({ key: "a.png" })));

    const summary = lineOf(lines, "purge summary");
    expect(summary).toMatchObject({ route: "queued", drainPurged: 1, drainWaiting: 0, drainFailed: 0 });
    expect(summary.drainOldestAgeMs).toBeTypeOf("number");
  });
});
