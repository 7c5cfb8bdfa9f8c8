/**
 * Issue 13, rows 1, 3 and 12, end to end: the built function and the real SDKs against the emulator.
 * A target leaves the backlog only when the provider accepted it, or for a reason known to be permanent
 * for that target alone; anything unknown is kept and tried again. Assertions are on what the emulator
 * received and holds.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator";
import { BACKLOG_BUCKET, backlogInstance, useBacklogEmulator } from "../support/backlog-harness";
import { cosEvent, cosRecord, timerEvent } from "../support/events";

const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
});

const NEW_CODE = "FailedOperation.NewlyInventedCode";
const files = (count: number) => Array.from({ length: count }, (_, i) => cosRecord({ key: `r-${i}.png` }));
const urlsOf = (count: number) =>
  Array.from({ length: count }, (_, i) => `https://www.example.com/r-${i}.png`);

/** Real time, `aheadMs` in the future: a timer drain that runs "later". */
const later = (aheadMs: number) => ({
  now: () => Date.now() + aheadMs,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
});

const purgeCalls = () => emulator.calls().filter((call) => call.action === "CreatePurgeTask");
const acceptedTargets = () =>
  purgeCalls()
    .filter((call) => call.error === null)
    .flatMap((call) => call.params.Targets as string[]);
const queued = () =>
  emulator
    .objects(BACKLOG_BUCKET)
    .filter((object) => object.key.startsWith(".cos-purge/queue/"))
    .map((object) => JSON.parse(object.body.toString()) as { targets: string[]; tries: number });

describe("an error code nobody knows (row 12)", () => {
  it("in a direct purge is deferred to the backlog; a drain keeps it with a try counted; a later one purges it", async () => {
    emulator.configure({ faults: [{ action: "CreatePurgeTask", kind: "error", code: NEW_CODE }] });
    const direct = await backlogInstance(emulator, { PURGE_MODE: "direct" }).invoke(cosEvent(...files(2)));
    expect(direct).toMatchObject({ planned: 2, purged: 0, deferred: 2, failed: 0 });
    expect(purgeCalls()).toHaveLength(1); // not retried at once
    expect(queued()).toMatchObject([{ targets: urlsOf(2), tries: 0 }]);

    const drain = await backlogInstance(emulator).invoke(timerEvent());
    expect(drain).toMatchObject({
      failed: 0,
      drain: { status: "drained", purged: 0, waiting: 2, failed: 0 },
    });
    expect(purgeCalls()).toHaveLength(2);
    expect(queued()).toMatchObject([{ targets: urlsOf(2), tries: 1 }]);

    emulator.configure({ faults: [] });
    const after = await backlogInstance(emulator, {}, later(2 * 60_000)).invoke(timerEvent());
    expect(after).toMatchObject({ drain: { purged: 2, waiting: 0 } });
    expect(acceptedTargets().sort()).toEqual(urlsOf(2));
    expect(queued()).toEqual([]);
  });
});
