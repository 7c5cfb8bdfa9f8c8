/**
 * A drain's world for unit tests: a fake clock, an in-memory backlog, captured log lines, and the
 * `DrainDeps` a drain of it takes (deadline a minute from the clock's now, fixed jitter).
 */
import { Backlog } from "../../src/backlog/backlog";
import type { DrainDeps } from "../../src/drain/drain";
import { QuotaBook } from "../../src/execute/quota";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { createLogger } from "../../src/foundation/log";
import type { Provider, Purger } from "../../src/foundation/model";
import { FakeClock } from "./fake-clock";
import { MemoryStore } from "./memory-store";

export const BACKLOG_PREFIX = ".cos-purge/";

export function drainWorld(purgers: Partial<Record<Provider, Purger>>, overrides: Partial<DrainDeps> = {}) {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  const backlog = new Backlog({
    store,
    prefix: BACKLOG_PREFIX,
    clock,
    timeoutMs: 5_000,
    random: Math.random,
  });
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line)) });
  const quota = new QuotaBook(clock);
  const deps = (): DrainDeps => ({
    backlog,
    purgers,
    quota,
    clock,
    limiter: createRateLimiter(clock),
    deadline: clock.now() + 60_000,
    requestTimeoutMs: 5_000,
    maxAttempts: 2,
    log,
    random: () => 0.5,
    owner: "test",
    alarm: { maxAgeMs: 24 * 3_600_000, maxTries: 5 },
    ...overrides,
  });
  return { clock, store, backlog, lines, deps };
}
