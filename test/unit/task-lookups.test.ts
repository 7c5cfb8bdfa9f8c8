/**
 * The places that look a task up instead of sending a call again: the executor after a submit that
 * was not answered (findAccepted), and an event's retry (recheck.ts); the drain's journal is in
 * confirm.test.ts. One rule for all: only a task created at most 2 s before the call stands in for it,
 * and only when it holds every target. The fake purger lists tasks at the real APIs' one-second
 * resolution, so an older task from the same second reaches the code's own check.
 */
import { describe, expect, it } from "vitest";
import { executePlan } from "../../src/execute/execute";
import { QuotaBook } from "../../src/execute/quota";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { acceptedEarlier } from "../../src/execute/recheck";
import { createLogger } from "../../src/foundation/log";
import type { PlannedTarget, TaskRecord } from "../../src/foundation/model";
import { FakeClock } from "../support/fake-clock";
import { accepted, apiError, FakePurger } from "../support/fake-purger";

const ZONE = "zone-1";
const [A, B, C] = ["a", "b", "c"].map((name) => `https://www.example.com/${name}.js`) as [
  string,
  string,
  string,
];
/** 600 ms into a second: 2 s before it, and 2.5 s before it, fall in the same whole second. */
const START = Date.UTC(2026, 10, 26, 4, 0, 0) + 600;

const task = (target: string, createdAt: number): TaskRecord => ({
  taskId: "job-old",
  target,
  type: "purge_url",
  status: "success",
  createdAt,
});

/**
 * The first submit times out; the provider's task list holds `listed` (given the clock at that
 * moment). Returns the targets of every submit the executor made.
 */
async function submitsAfterTimeout(batch: string[], listed: (sentAt: number) => TaskRecord[]) {
  const clock = new FakeClock(START);
  let sentAt = 0;
  const edgeone = new FakePurger("edgeone", {
    purge: (_targets, n) => {
      if (n > 1) return accepted(n);
      sentAt = clock.now();
      return apiError("Timeout");
    },
    tasks: () => listed(sentAt),
  });
  const execution = await executePlan([{ provider: "edgeone", scope: ZONE, targets: batch }], {
    purgers: { edgeone },
    quota: new QuotaBook(clock),
    limiter: createRateLimiter(clock),
    clock,
    deadline: clock.now() + 60_000,
    requestTimeoutMs: 5_000,
    maxAttempts: 3,
    log: createLogger({ level: "error", write: () => {} }),
    random: () => 0.5,
  });
  expect(edgeone.calls.some((call) => call.kind === "tasks")).toBe(true);
  return { submits: edgeone.purges.map((call) => call.targets), execution };
}

describe("after a submit that was not answered (findAccepted)", () => {
  it("a task holding every target of the batch counts as accepted: the batch is not sent again", async () => {
    const { submits, execution } = await submitsAfterTimeout([A, B], (at) => [task(A, at), task(B, at)]);
    expect(submits).toEqual([[A, B]]);
    expect([...execution.purged].sort()).toEqual([A, B]);
  });

  it("a task list holding only part of the batch does not: the whole batch is sent again", async () => {
    const { submits, execution } = await submitsAfterTimeout([A, B, C], (at) => [task(A, at), task(B, at)]);
    expect(submits).toEqual([
      [A, B, C],
      [A, B, C],
    ]);
    expect([...execution.purged].sort()).toEqual([A, B, C]);
  });

  it("two calls' tasks within the skew: the newest is this call's, never the earlier one's", async () => {
    const { submits, execution } = await submitsAfterTimeout([A], (at) => [
      { ...task(A, at), taskId: "job-this" },
      { ...task(A, at - 1_500), taskId: "job-earlier", status: "failed" },
    ]);
    expect(submits).toEqual([[A]]);
    expect(execution.jobs.map((job) => job.taskId)).toEqual(["job-this"]);
  });

  it("a task created 2.5 s before the call (an earlier upload's) never stands in for it", async () => {
    const { submits } = await submitsAfterTimeout([A], (at) => [task(A, at - 2_500)]);
    expect(submits).toEqual([[A], [A]]);
  });

  it("a task stamped 1.5 s before the call (the provider's clock behind ours) is the call's", async () => {
    const { submits } = await submitsAfterTimeout([A], (at) => [task(A, at - 1_500)]);
    expect(submits).toEqual([[A]]);
  });
});

describe("an event's retry (acceptedEarlier)", () => {
  const target = (url: string): PlannedTarget => ({ provider: "edgeone", scope: ZONE, url, keys: [] });

  it("skips a target whose task was created since its call, never one from before", async () => {
    const clock = new FakeClock(START + 60_000);
    const [early, late, skewed] = [target(A), target(B), target(C)];
    const sentAt = START;
    const edgeone = new FakePurger("edgeone", {
      tasks: () => [task(A, sentAt - 2_500), task(B, sentAt + 200), task(C, sentAt - 1_500)],
    });
    const found = await acceptedEarlier(
      new Map([
        [early, sentAt],
        [late, sentAt],
        [skewed, sentAt],
      ]),
      { purgers: { edgeone }, clock, deadline: clock.now() + 10_000, requestTimeoutMs: 5_000 },
    );
    expect([...found].map((t) => t.url).sort()).toEqual([B, C]);
  });
});
