import { describe, expect, it } from "vitest";
import { Backlog } from "../../src/backlog/backlog";
import { drainWithinWindow, WINDOW_DRAIN_BUDGET_MS } from "../../src/deliver/window";
import { QuotaBook } from "../../src/execute/quota";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { createLogger } from "../../src/foundation/log";
import { FakeClock } from "../support/fake-clock";
import { FakePurger } from "../support/fake-purger";
import { MemoryStore } from "../support/memory-store";

const PREFIX = ".cos-purge/";

describe("drainWithinWindow", () => {
  it("holds the window and its drain for at most the waits plus the drain budget, however long the invocation may run", async () => {
    const clock = new FakeClock();
    const store = new MemoryStore(clock);
    const backlog = new Backlog({ store, prefix: PREFIX, clock, timeoutMs: 5_000 });
    await backlog.defer(
      [
        {
          provider: "edgeone",
          scope: "zone-1",
          targets: ["https://www.example.com/a.png"],
          reason: "Queued",
          message: "",
        },
      ],
      "req-1",
    );
    const started = clock.now();
    const edgeone = new FakePurger("edgeone");
    const report = await drainWithinWindow({
      backlog,
      purgers: { edgeone },
      quota: new QuotaBook(clock),
      limiter: createRateLimiter(clock),
      clock,
      deadline: started + 900_000, // a 15-minute function
      requestTimeoutMs: 5_000,
      maxAttempts: 2,
      log: createLogger({ write: () => {} }),
      owner: "req-1",
      alarm: { maxAgeMs: 86_400_000, maxTries: 5 },
      windowMs: 1_000,
      maxHoldMs: 2_000,
    });

    expect(report).toMatchObject({ status: "drained", purged: 1 });
    const expiries = await Promise.all(
      [...store.keys(`${PREFIX}lease/window/`), ...store.keys(`${PREFIX}lease/drain/`)].map(
        async (key) => JSON.parse((await store.get(key)) ?? "{}").expiresAt as number,
      ),
    );
    expect(expiries.length).toBeGreaterThan(0);
    for (const expiresAt of expiries)
      expect(expiresAt).toBeLessThanOrEqual(started + 2_000 + WINDOW_DRAIN_BUDGET_MS);
  });
});
