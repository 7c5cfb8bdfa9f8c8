/** PURGE_LOG_LEVEL=debug: one line per API request, each a JSON object with level, msg and the request id. */
import { describe, expect, it } from "vitest";
import { callWithRetries } from "../../src/execute/attempts";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { ApiError } from "../../src/foundation/errors";
import { createLogger } from "../../src/foundation/log";
import { FakeClock } from "../support/fake-clock";

function setup(level: "debug" | "info") {
  const clock = new FakeClock();
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    level,
    base: { requestId: "scf-1" },
    write: (line) => lines.push(JSON.parse(line)),
  });
  const context = {
    clock,
    deadline: clock.now() + 60_000,
    requestTimeoutMs: 5_000,
    maxAttempts: 3,
    limiter: createRateLimiter(clock),
    log,
    random: () => 0.5,
  };
  return { clock, lines, context };
}

const lane = { provider: "edgeone", scope: "zone-a", targets: ["https://x/a", "https://x/b"] } as const;

describe("the per-request debug line", () => {
  it("logs every attempt with action, lane, targets, attempt, latency, RequestId and outcome", async () => {
    const { clock, lines, context } = setup("debug");
    let calls = 0;
    const outcome = await callWithRetries(
      context,
      lane,
      "CreatePurgeTask",
      async () => {
        calls += 1;
        clock.advance(40);
        if (calls === 1) {
          throw new ApiError({
            provider: "edgeone",
            action: "CreatePurgeTask",
            code: "InternalError",
            message: "boom",
            requestId: "req-fail",
          });
        }
        return { requestId: "req-ok", taskId: "job-1", failed: [] };
      },
      { targets: 2 },
    );

    expect(outcome.kind).toBe("ok");
    const requests = lines.filter((line) => line.msg === "api request");
    expect(requests).toEqual([
      {
        level: "debug",
        msg: "api request",
        requestId: "scf-1",
        provider: "edgeone",
        scope: "zone-a",
        type: "purge_url",
        action: "CreatePurgeTask",
        targets: 2,
        attempt: 1,
        latencyMs: 40,
        apiRequestId: "req-fail",
        outcome: "InternalError",
      },
      {
        level: "debug",
        msg: "api request",
        requestId: "scf-1",
        provider: "edgeone",
        scope: "zone-a",
        type: "purge_url",
        action: "CreatePurgeTask",
        targets: 2,
        attempt: 2,
        latencyMs: 40,
        apiRequestId: "req-ok",
        outcome: "ok",
      },
    ]);
    // The retry warning names the lane, not its target list.
    expect(lines.find((line) => line.msg === "retrying")).not.toHaveProperty("targets");
  });

  it("is not written at the default level", async () => {
    const { lines, context } = setup("info");
    await callWithRetries(context, lane, "DescribeContentQuota", async () => ({
      batch: 1,
      daily: 1,
      dailyAvailable: 1,
    }));
    expect(lines).toEqual([]);
  });
});
