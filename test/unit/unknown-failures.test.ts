/**
 * Issue 13 row 12: an error nobody knows (a code missing from the table, or an exception of our own
 * inside an adapter) must neither drop a purge nor loop silently. It is kept in the backlog, its tries
 * counted, tried again with backoff, and raised by "backlog overdue" after PURGE_BACKLOG_ALARM_TRIES.
 */
import { describe, expect, it } from "vitest";
import { BACKOFF_CAP_MS, backoffMs } from "../../src/backlog/backoff";
import { partitionFailures } from "../../src/backlog/deferral";
import { drainBacklog } from "../../src/drain/drain";
import { executePlan } from "../../src/execute/execute";
import { QuotaBook } from "../../src/execute/quota";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { classifyApiError } from "../../src/foundation/errors";
import { createLogger } from "../../src/foundation/log";
import type { Provider, Purger } from "../../src/foundation/model";
import { drainWorld } from "../support/drain-world";
import { FakeClock } from "../support/fake-clock";
import { apiError, FakePurger } from "../support/fake-purger";

const ZONE = "zone-1";
const _PREFIX = ".cos-purge/";
const NEW_CODE = "FailedOperation.NewlyInventedCode";
const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://www.example.com/u-${i}.js`);

function setup(purgers: Partial<Record<Provider, Purger>>, maxTries = 5) {
  const { clock, backlog, lines, deps } = drainWorld(purgers, {
    maxAttempts: 3,
    alarm: { maxAgeMs: 365 * 24 * 3_600_000, maxTries },
  });
  const queue = async () => (await backlog.readQueue()).entries.map((entry) => entry.record);
  const defer = (targets: string[]) =>
    backlog.defer([{ provider: "edgeone", scope: ZONE, targets, reason: "Queued", message: "" }], "req-1");
  const removedForGood = () =>
    lines.filter((line) => line.level === "error" && String(line.msg).includes("no retry can fix"));
  return { clock, backlog, lines, deps, queue, defer, removedForGood };
}

describe("an error nobody knows is kept, not dropped", () => {
  it("classifies a code missing from every table, and our own UnexpectedError, as unknown", () => {
    expect(classifyApiError(NEW_CODE)).toBe("unknown");
    expect(classifyApiError("UnexpectedError")).toBe("unknown");
  });

  it.each([
    ["an error code no table knows", () => apiError(NEW_CODE), NEW_CODE],
    [
      "an exception of our own inside the adapter",
      () => new TypeError("AbortSignal.timeout is not a function"),
      "UnexpectedError",
    ],
  ])("%s during a drain: the entry stays, one call made, its try counted", async (_name, thrown, code) => {
    const edgeone = new FakePurger("edgeone", { purge: thrown });
    const { deps, queue, defer, removedForGood, lines } = setup({ edgeone });
    await defer(urls(3));
    const report = await drainBacklog(deps());

    // Not retried at once (quota is spent on what we do not understand), not given up either.
    expect(edgeone.purges).toHaveLength(1);
    expect(report).toMatchObject({ status: "drained", purged: 0, waiting: 3, failures: [] });
    expect(removedForGood()).toEqual([]);
    const [entry] = await queue();
    expect(entry).toMatchObject({ targets: urls(3), tries: 1 });
    expect(
      lines
        .filter((line) => line.msg === "api request" && line.action === "CreatePurgeTask")
        .map((line) => line.outcome),
    ).toEqual([code]);
  });

  it("backs off between drains: a failed entry is not tried again before its wait is over", async () => {
    const edgeone = new FakePurger("edgeone", { purge: () => apiError(NEW_CODE) });
    const { clock, deps, defer, queue, lines } = setup({ edgeone });
    await defer(urls(2));
    await drainBacklog(deps()); // try 1 fails
    expect(edgeone.purges).toHaveLength(1);

    clock.advance(backoffMs(1) - 1);
    const early = await drainBacklog(deps());
    expect(edgeone.purges).toHaveLength(1);
    expect(early).toMatchObject({ waiting: 2, purged: 0 });
    expect(lines.find((line) => line.msg === "backlog entries backing off after failed tries")).toMatchObject(
      {
        entries: 1,
        targets: 2,
        nextDueInMs: 1,
      },
    );
    expect((await queue())[0]?.tries).toBe(1);

    clock.advance(1);
    await drainBacklog(deps()); // try 2
    expect(edgeone.purges).toHaveLength(2);
    expect((await queue())[0]?.tries).toBe(2);
  });

  it("raises backlog overdue once an entry failed more drains than PURGE_BACKLOG_ALARM_TRIES, not before", async () => {
    const edgeone = new FakePurger("edgeone", { purge: () => apiError(NEW_CODE) });
    const maxTries = 4;
    const { clock, deps, defer, queue, lines } = setup({ edgeone }, maxTries);
    await defer(urls(1));
    const overdue = () => lines.filter((line) => line.msg === "backlog overdue");
    for (let tries = 1; tries <= maxTries; tries += 1) {
      await drainBacklog(deps());
      expect((await queue())[0]?.tries).toBe(tries);
      clock.advance(backoffMs(tries));
    }
    expect(overdue()).toEqual([]);
    await drainBacklog(deps());
    expect(edgeone.purges).toHaveLength(maxTries + 1);
    expect(overdue()).toHaveLength(1);
    expect(overdue()[0]).toMatchObject({ level: "error", mostTries: maxTries + 1, reasons: { Queued: 1 } });
  });

  it("in a direct purge, an unknown code is deferred to the backlog, neither purged nor failed", async () => {
    const clock = new FakeClock();
    const edgeone = new FakePurger("edgeone", { purge: () => apiError(NEW_CODE) });
    const log = createLogger({ level: "error", write: () => undefined });
    const execution = await executePlan([{ provider: "edgeone", scope: ZONE, targets: urls(2) }], {
      purgers: { edgeone },
      quota: new QuotaBook(clock),
      limiter: createRateLimiter(clock),
      clock,
      deadline: clock.now() + 60_000,
      requestTimeoutMs: 5_000,
      maxAttempts: 3,
      log,
      random: () => 0.5,
    });
    expect(edgeone.purges).toHaveLength(1);
    expect(execution.purged).toEqual([]);
    const { defer, failed } = partitionFailures(execution.failures);
    expect(failed).toEqual([]);
    expect(defer).toMatchObject([{ provider: "edgeone", scope: ZONE, targets: urls(2), reason: NEW_CODE }]);
  });
});

describe("backoffMs", () => {
  it.each([
    [0, 0],
    [1, 60_000],
    [2, 120_000],
    [3, 240_000],
    [6, 1_920_000],
    [7, BACKOFF_CAP_MS],
    [1_000, BACKOFF_CAP_MS],
  ])("after %i failed tries waits %i ms", (tries, ms) => {
    expect(backoffMs(tries)).toBe(ms);
  });
});
