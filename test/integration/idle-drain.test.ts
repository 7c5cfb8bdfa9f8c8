/**
 * What a timer drain costs when the backlog holds nothing to do (issue 15; drain/idle.ts), and that it
 * still does everything a drain owes: failed tasks queued again, old marks swept. The built function and
 * the real COS SDK against the emulator; assertions on the COS calls it received.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator";
import {
  BACKLOG_BUCKET,
  backlogInstance,
  emulatorCosStore,
  useBacklogEmulator,
} from "../support/backlog-harness";
import { cosEvent, cosRecord, timerEvent } from "../support/events";
import { FakeClock } from "../support/fake-clock";

const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
});

const PREFIX = ".cos-purge/";
const url = (name: string) => `https://www.example.com/${name}.png`;
const cosRequests = () => emulator.calls().filter((call) => call.service === "cos");
const query = (call: { params: Record<string, unknown> }) =>
  (call.params.Query ?? {}) as Record<string, string>;
/** Each COS request as `Action key-or-prefix`, in order of arrival. */
const cosCalls = () =>
  cosRequests().map((call) => `${call.action} ${String(call.params.Key || query(call).prefix || "")}`);
const purged = () =>
  emulator
    .calls()
    .filter((call) => call.action === "CreatePurgeTask" && call.error === null)
    .flatMap((call) => call.params.Targets as string[]);
const keys = (folder: string) =>
  emulator
    .objects(BACKLOG_BUCKET)
    .map((object) => object.key)
    .filter((key) => key.startsWith(`${PREFIX}${folder}`));

function cosStore() {
  return emulatorCosStore(emulator);
}

describe("a timer drain with nothing to do", () => {
  it("costs a warm instance two COS requests, a one-key listing of queue/ and of sent/, and takes no lease (it cost 12)", async () => {
    const timer = backlogInstance(emulator);
    await timer.invoke(timerEvent()); // the instance's versioning check and first sweep
    emulator.reset();

    const summary = await timer.invoke(timerEvent());

    expect(summary.drain).toMatchObject({ status: "drained", complete: true, purged: 0, waiting: 0 });
    expect(cosCalls().sort()).toEqual([`GetBucket ${PREFIX}queue/`, `GetBucket ${PREFIX}sent/`]);
    expect(cosRequests().map((call) => query(call)["max-keys"])).toEqual(["1", "1"]);
    expect(keys("lease/")).toEqual([]);
  });

  it("takes the lease and purges as soon as an entry waits", async () => {
    const timer = backlogInstance(emulator);
    await timer.invoke(timerEvent());
    await backlogInstance(emulator, { PURGE_MODE: "queue", PURGE_WINDOW_MS: "60000" }).invoke(
      cosEvent(cosRecord({ key: "waiting.png" })),
      2_000, // too short for the window's drain: the entry waits for the timer
    );
    expect(keys("queue/")).toHaveLength(1);
    emulator.reset();

    const summary = await timer.invoke(timerEvent());

    expect(summary.drain).toMatchObject({ status: "drained", purged: 1, waiting: 0 });
    expect(purged()).toEqual([url("waiting")]);
    expect(cosCalls().filter((call) => call.startsWith(`PutObject ${PREFIX}lease/drain/`))).toHaveLength(2);
    // sent/ is listed once under the lease, for the journal and the sweep of failed tasks alike.
    expect(cosCalls().filter((call) => call === `GetBucket ${PREFIX}sent/`)).toHaveLength(2); // the look, the journal
    expect(keys("queue/")).toEqual([]);
  });

  it("queues again a task that failed after a direct purge, then stays idle with one GET of the cursor while that failure is within the hour looked at", async () => {
    emulator.configure({ tasks: { processingMs: 0, outcome: "success", failTargets: ["broken"] } });
    await backlogInstance(emulator, { PURGE_MODE: "direct" }).invoke(
      cosEvent(cosRecord({ key: "broken.png" })),
    );
    emulator.configure({ tasks: { processingMs: 0, outcome: "success", failTargets: [] } });
    const timer = backlogInstance(emulator);

    const first = await timer.invoke(timerEvent());
    expect(first.drain).toMatchObject({ status: "drained", requeued: 1, purged: 1 });
    expect(purged()).toEqual([url("broken"), url("broken")]); // queued again and purged by this drain
    await timer.invoke(timerEvent()); // confirms its own purge (its sent record)
    expect(keys("sent/")).toEqual([]);
    // Not reset: the emulator would forget the failed task, which is what this drain must look past.
    const before = cosCalls().length;

    const idle = await timer.invoke(timerEvent());

    expect(idle.drain).toMatchObject({ status: "drained", requeued: 0, purged: 0 });
    expect(cosCalls().slice(before).sort()).toEqual([
      `GetBucket ${PREFIX}queue/`,
      `GetBucket ${PREFIX}sent/`,
      `GetObject ${PREFIX}failed-tasks/cursor.json`,
    ]);
    expect(purged()).toEqual([url("broken"), url("broken")]);
  });

  it("queues again and purges a task that was canceled after a direct purge, filtering EdgeOne's purge tasks by the statuses they have", async () => {
    emulator.configure({ tasks: { processingMs: 0, outcome: "canceled" } });
    await backlogInstance(emulator, { PURGE_MODE: "direct" }).invoke(
      cosEvent(cosRecord({ key: "canceled.png" })),
    );
    emulator.configure({ tasks: { processingMs: 0, outcome: "success" } });

    const summary = await backlogInstance(emulator).invoke(timerEvent());

    expect(summary.drain).toMatchObject({ status: "drained", requeued: 1, purged: 1 });
    expect(purged()).toEqual([url("canceled"), url("canceled")]); // queued again and purged by this drain
    // DescribePurgeTasks documents processing|success|failed|timeout|canceled: `invalid` is a prefetch status.
    const sweeps = emulator
      .calls()
      .filter((call) => call.action === "DescribePurgeTasks" && call.params.Filters !== undefined)
      .map((call) => call.params.Filters);
    expect(sweeps).toEqual([[{ Name: "statuses", Values: ["failed", "timeout", "canceled"] }]]);
  });

  it("still sweeps busy marks and retry markers past their lifetime: on an instance's first drain, then once per 10 minutes", async () => {
    const clock = new FakeClock(Date.now());
    const store = cosStore();
    const busyMark = (at: number, id: string) => `${PREFIX}busy/${String(at).padStart(13, "0")}-${id}`;
    await store.put(busyMark(clock.now() - 11 * 60_000, "0000000a"), "");
    await store.put(`${PREFIX}done/marker.json`, "{}");
    const timer = backlogInstance(emulator, {}, clock);

    await timer.invoke(timerEvent());
    expect(keys("busy/")).toEqual([]);
    expect(keys("done/")).toEqual([`${PREFIX}done/marker.json`]); // a day old only later

    await store.put(busyMark(clock.now() - 11 * 60_000, "0000000b"), "");
    clock.advance(5 * 60_000);
    await timer.invoke(timerEvent());
    expect(keys("busy/")).toHaveLength(1); // swept 5 minutes ago: not yet

    clock.advance(24 * 3_600_000);
    await timer.invoke(timerEvent());
    expect(keys("busy/")).toEqual([]);
    expect(keys("done/")).toEqual([]);
  });
});
