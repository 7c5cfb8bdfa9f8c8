import { describe, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import { requeueFailedTasks } from "../../src/drain/failed-tasks";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { silentLogger } from "../../src/foundation/log";
import type { TaskRecord } from "../../src/foundation/model";
import { FakeClock } from "../support/fake-clock";
import { FakePurger } from "../support/fake-purger";
import { MemoryStore } from "../support/memory-store";

const ZONE = "zone-1";
const URL = "https://www.example.com/x.png";

describe("requeueFailedTasks", () => {
  it("queues a failed task's targets once, and counts a target's repeated failures as tries", async () => {
    const clock = new FakeClock();
    let tasks: TaskRecord[] = [];
    const edgeone = new FakePurger("edgeone", { tasks: () => tasks });
    const backlog = new Backlog({ store: new MemoryStore(clock), prefix: ".p/", clock, timeoutMs: 5_000 });
    const attempts = {
      clock,
      deadline: clock.now() + 3_600_000,
      requestTimeoutMs: 5_000,
      maxAttempts: 1,
      limiter: createRateLimiter(clock),
      log: silentLogger,
    };
    const deps = { backlog, clock, log: silentLogger, purgers: { edgeone }, attempts };
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
    expect(await requeueFailedTasks(deps, lanes)).toEqual({ requeued: 0, apiCalls: 1 }); // t-1 again: seen

    tasks = [failed("t-1"), failed("t-2")];
    expect(await requeueFailedTasks(deps, lanes)).toEqual({ requeued: 1, apiCalls: 1 });
    expect((await queue()).map((entry) => entry.tries).sort()).toEqual([0, 1]);
  });
});
