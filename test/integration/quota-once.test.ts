/**
 * One owner reads the quota (execute/quota-read.ts): a role that may not read it pays one refused
 * call per lane per warm instance, whether collapse, the drain's batches or the executor asks first.
 * The built function (dist/index.js) against the emulator, which holds the backlog.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { queueKey } from "../../src/backlog/entries";
import type { Emulator } from "../../src/emulator";
import { BACKLOG_BUCKET, backlogInstance, useBacklogEmulator } from "../support/backlog-harness";
import { timerEvent } from "../support/events";

const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
});

/** `count` queued URLs under `folder`, written straight into the emulator's bucket, one entry each. */
async function queueFolder(folder: string, count: number): Promise<void> {
  const now = Date.now();
  const objects = Array.from({ length: count }, (_, i) => {
    const body = JSON.stringify({
      provider: "edgeone",
      scope: "zone-emulator",
      targets: [`https://www.example.com/${folder}/f-${i}.png`],
      reason: "Queued",
      message: "queued by the test",
      firstDeferredAt: now,
      deferredAt: now,
      tries: 0,
      origin: "test",
    });
    // Keyed as the function keys them (the body in the key too).
    return { key: queueKey(".cos-purge/", body, now - count + i, Math.random), body };
  });
  const response = await fetch(`${emulator.url}/_emulator/cos/objects`, {
    method: "POST",
    body: JSON.stringify({ bucket: BACKLOG_BUCKET, objects }),
  });
  expect(response.ok).toBe(true);
}

const quotaCalls = () => emulator.calls().filter((call) => call.action === "DescribeContentQuota");

describe("a role denied the quota action, collapse on", () => {
  it("makes one refused quota call per lane across two drains of one instance, not one per drain", async () => {
    emulator.configure({
      faults: [
        { action: "DescribeContentQuota", kind: "error", code: "UnauthorizedOperation.CamUnauthorized" },
      ],
    });
    const { invoke, lines } = backlogInstance(emulator, { PURGE_COLLAPSE_MIN_FILES: "20" });

    await queueFolder("a", 25);
    const first = await invoke(timerEvent());
    const afterFirst = quotaCalls().length;
    await queueFolder("b", 25);
    const second = await invoke(timerEvent());

    expect(first.drain).toMatchObject({ status: "drained", waiting: 0 });
    expect(second.drain).toMatchObject({ status: "drained", waiting: 0 });
    // Both drains collapsed their folder: the URL lane and the folder lane each read once.
    const folders = emulator
      .calls()
      .filter((call) => call.action === "CreatePurgeTask" && call.params.Type === "purge_prefix");
    expect(folders.flatMap((call) => call.params.Targets)).toEqual([
      "https://www.example.com/a/",
      "https://www.example.com/b/",
    ]);
    expect(afterFirst).toBe(2);
    expect(quotaCalls()).toHaveLength(2);
    expect(quotaCalls().every((call) => call.error === "UnauthorizedOperation.CamUnauthorized")).toBe(true);
    const warnings = lines.filter((line) => line.msg === "purge quota unknown, going on with what is known");
    expect(warnings).toHaveLength(2);
  });
});
