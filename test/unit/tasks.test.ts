/**
 * execute/tasks.ts, the one place tasks are looked up and matched (issue 16): the executor, an event's
 * retry, the drain's journal and its sweep of failed tasks all use its skew rule, matching and error
 * policy (task-lookups.test.ts and confirm.test.ts drive the callers).
 */
import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../../src/execute/rate-limit";
import {
  lookUpTasks,
  lookUpTasksOnce,
  mayBeTaskOf,
  TASK_CLOCK_SKEW_MS,
  taskCovers,
  taskOfBatch,
  tasksSentSince,
} from "../../src/execute/tasks";
import { createLogger } from "../../src/foundation/log";
import type { TaskRecord } from "../../src/foundation/model";
import { FakeClock } from "../support/fake-clock";
import { apiError, FakePurger } from "../support/fake-purger";

const SENT = Date.UTC(2026, 10, 26, 4, 0, 0);
const lane = { provider: "edgeone", scope: "zone-1" } as const;
const task = (taskId: string, target: string, createdAt: number): TaskRecord => ({
  taskId,
  target,
  type: "purge_url",
  status: "success",
  createdAt,
});

describe("the clock-skew rule", () => {
  it("takes a task stamped up to the skew before the call for the call's, and none older", () => {
    expect(mayBeTaskOf({ createdAt: SENT - TASK_CLOCK_SKEW_MS }, SENT)).toBe(true);
    expect(mayBeTaskOf({ createdAt: SENT - TASK_CLOCK_SKEW_MS - 1 }, SENT)).toBe(false);
    expect(tasksSentSince({ ...lane, type: "purge_prefix" }, SENT, SENT + 9)).toEqual({
      scope: "zone-1",
      type: "purge_prefix",
      since: SENT - TASK_CLOCK_SKEW_MS,
      until: SENT + 9,
    });
  });
});

describe("matching", () => {
  it("finds a batch's task only in a task holding every target, the newest when two do", () => {
    const tasks = [
      task("older", "a", SENT - 1_000),
      task("older", "b", SENT - 1_000),
      task("newer", "a", SENT + 500),
      task("newer", "b", SENT + 500),
      task("part", "a", SENT + 900),
    ];
    expect(taskOfBatch(tasks, ["a", "b"], SENT)).toBe("newer");
    expect(taskOfBatch(tasks.slice(4), ["a", "b"], SENT)).toBeUndefined();
    expect(taskOfBatch([task("stale", "a", SENT - 2_001)], ["a"], SENT)).toBeUndefined();
  });

  it("matches a URL to its own task, or to a folder task above it", () => {
    const folder = task("f", "https://www.example.com/img/", SENT);
    expect(taskCovers(folder, "https://www.example.com/img/a.png", true)).toBe(true);
    expect(taskCovers(folder, "https://www.example.com/img/a.png", false)).toBe(false);
    expect(taskCovers(folder, "https://www.example.com/css/a.css", true)).toBe(false);
  });
});

describe("the error policy", () => {
  it("reports a failed lookup as unknown with the provider's code, never as no task", async () => {
    const purger = new FakePurger("edgeone", {
      tasks: () => apiError("UnauthorizedOperation.CamUnauthorized"),
    });
    const once = await lookUpTasksOnce(purger, tasksSentSince(lane, SENT), { timeoutMs: 1_000 });
    expect(once).toEqual({ kind: "unknown", code: "UnauthorizedOperation.CamUnauthorized" });

    const clock = new FakeClock(SENT);
    const attempts = {
      clock,
      deadline: SENT + 60_000,
      requestTimeoutMs: 5_000,
      maxAttempts: 2,
      limiter: createRateLimiter(clock),
      log: createLogger({ write: () => undefined }),
    };
    const retried = await lookUpTasks(attempts, purger, lane, tasksSentSince(lane, SENT));
    expect(retried.lookup).toEqual({ kind: "unknown", code: "UnauthorizedOperation.CamUnauthorized" });
    // Each lookup asked the provider (a refused permission is not retried).
    expect(purger.calls.filter((call) => call.kind === "tasks")).toHaveLength(2);
  });

  it("lists what the provider has when the lookup succeeds", async () => {
    const listed = [task("t", "a", SENT)];
    const purger = new FakePurger("edgeone", { tasks: () => listed });
    const lookup = await lookUpTasksOnce(purger, tasksSentSince(lane, SENT), { timeoutMs: 1_000 });
    expect(lookup).toEqual({ kind: "found", tasks: listed });
  });
});
