import { describe, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import { requeueFailedTasks } from "../../src/drain/failed-tasks";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { silentLogger } from "../../src/foundation/log";
import type { TaskQuery, TaskRecord } from "../../src/foundation/model";
import { FakeClock } from "../support/fake-clock";
import { FakePurger } from "../support/fake-purger";
import { MemoryStore } from "../support/memory-store";

const ZONE = "zone-1";
const URL = "https://www.example.com/x.png";

/** A memory bucket's backlog and the sweep's dependencies around `edgeone`, calls allowed for `forMs`. */
function sweepWorld(clock: FakeClock, edgeone: FakePurger, forMs: number) {
  const store = new MemoryStore(clock);
  const backlog = new Backlog({ store, prefix: ".p/", clock, timeoutMs: 5_000 });
  const attempts = {
    clock,
    deadline: clock.now() + forMs,
    requestTimeoutMs: 5_000,
    maxAttempts: 1,
    limiter: createRateLimiter(clock),
    log: silentLogger,
  };
  return { store, backlog, deps: { backlog, clock, log: silentLogger, purgers: { edgeone }, attempts } };
}

describe("requeueFailedTasks", () => {
  it("queues a failed task's targets once, and counts a target's repeated failures as tries", async () => {
    const clock = new FakeClock();
    let tasks: TaskRecord[] = [];
    const edgeone = new FakePurger("edgeone", { tasks: () => tasks });
    const { store, backlog, deps } = sweepWorld(clock, edgeone, 3_600_000);
    const failed = (taskId: string): TaskRecord => ({
      taskId,
      target: URL,
      type: "purge_url",
      status: "failed",
      createdAt: clock.now() - 1_000,
      failType: "taskFailed",
    });
    const lanes = [{ provider: "edgeone" as const, scope: ZONE }];
    const queue = async () => (await backlog.readQueue()).entries.map((entry) => entry.record);

    tasks = [failed("t-1")];
    expect(await requeueFailedTasks(deps, lanes)).toEqual({ requeued: 1, apiCalls: 1 });
    expect(await queue()).toMatchObject([{ targets: [URL], tries: 0, reason: "TaskTaskFailed" }]);
    expect(edgeone.calls.filter((call) => call.kind === "tasks")).toHaveLength(1);

    clock.advance(60_000);
    store.ops.length = 0;
    expect(await requeueFailedTasks(deps, lanes)).toEqual({ requeued: 0, apiCalls: 1 }); // t-1 again: seen
    // Nothing changed: the cursor is read (and sent/, called without the journal's listing), not written again.
    expect(store.ops).toEqual([
      { op: "get", key: ".p/failed-tasks/cursor.json" },
      { op: "list", key: ".p/sent/" },
    ]);

    tasks = [failed("t-1"), failed("t-2")];
    expect(await requeueFailedTasks(deps, lanes)).toEqual({ requeued: 1, apiCalls: 1 });
    expect((await queue()).map((entry) => entry.tries).sort()).toEqual([0, 1]);
  });

  it("makes no COS request when no task failed within the hour it looks at, and forgets none it queued within it", async () => {
    const clock = new FakeClock();
    let tasks: TaskRecord[] = [];
    const queries: TaskQuery[] = [];
    const edgeone = new FakePurger("edgeone", {
      tasks: (query) => {
        queries.push(query);
        return tasks;
      },
    });
    const { store, deps } = sweepWorld(clock, edgeone, 7_200_000);
    const lanes = [{ provider: "edgeone" as const, scope: ZONE }];
    const failedAt = clock.now() - 1_000;
    const failed = (taskId: string): TaskRecord => ({
      taskId,
      target: URL,
      type: "purge_url",
      status: "failed",
      createdAt: failedAt,
    });

    expect(await requeueFailedTasks(deps, lanes)).toEqual({ requeued: 0, apiCalls: 1 });
    expect(store.ops).toEqual([]);

    tasks = [failed("t-1")];
    expect(await requeueFailedTasks(deps, lanes)).toEqual({ requeued: 1, apiCalls: 1 });
    // A task seen 50 minutes ago is still listed by a look over the last hour: still known as queued.
    clock.advance(50 * 60_000);
    tasks = [failed("t-1"), { ...failed("t-2"), createdAt: clock.now() }];
    expect(await requeueFailedTasks(deps, lanes)).toEqual({ requeued: 1, apiCalls: 1 });
    tasks = [failed("t-1")];
    expect(await requeueFailedTasks(deps, lanes)).toEqual({ requeued: 0, apiCalls: 1 });
    expect(queries.at(-1)).toMatchObject({ since: clock.now() - 60 * 60_000, until: clock.now() });
  });
});
