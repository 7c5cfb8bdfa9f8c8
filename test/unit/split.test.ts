/**
 * Issue 13 row 1: a request refused whole because of one target is split until that target is alone;
 * every other target is purged, the refused one fails alone (code, target, hint), at a bounded cost.
 */
import { describe, expect, it } from "vitest";
import { partitionFailures } from "../../src/backlog/deferral";
import { type ExecuteDeps, executePlan } from "../../src/execute/execute";
import { QuotaBook } from "../../src/execute/quota";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { LaneWork, SPLIT_BUDGET_TARGETS, splitCallsFor } from "../../src/execute/split";
import { refusesTarget } from "../../src/foundation/errors";
import { silentLogger } from "../../src/foundation/log";
import type { Lane } from "../../src/foundation/model";
import { FakeClock } from "../support/fake-clock";
import { accepted, apiError, DEFAULT_QUOTA, FakePurger } from "../support/fake-purger";

const ZONE = "zone-1";
const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://www.example.com/s-${i}.png`);

/** A purger that refuses any request holding one of `bad`, whole, with `code` (as the real APIs do). */
function refusing(bad: readonly string[], code = "InvalidParameter.Target", options = {}) {
  return new FakePurger("edgeone", {
    quota: () => ({ ...DEFAULT_QUOTA, batch: 1_000 }),
    purge: (targets, n) => (targets.some((t) => bad.includes(t)) ? apiError(code) : accepted(n)),
    ...options,
  });
}

function run(purger: FakePurger, targets: readonly string[], overrides: Partial<ExecuteDeps> = {}) {
  const clock = new FakeClock();
  const lanes: Lane[] = [{ provider: "edgeone", scope: ZONE, targets }];
  return executePlan(lanes, {
    purgers: { edgeone: purger },
    quota: new QuotaBook(clock),
    limiter: createRateLimiter(clock),
    clock,
    deadline: clock.now() + 600_000,
    requestTimeoutMs: 5_000,
    maxAttempts: 3,
    log: silentLogger,
    random: () => 0.5,
    ...overrides,
  });
}

const acceptedTargets = (purger: FakePurger, bad: readonly string[]) =>
  purger.purges.filter((call) => !call.targets.some((t) => bad.includes(t))).flatMap((call) => call.targets);

describe("a request refused for one of its targets", () => {
  it("is bisected: the other 999 are purged, the refused one fails alone with its code and a hint", async () => {
    const all = urls(1_000);
    const bad = [all[637] as string];
    const purger = refusing(bad);
    const execution = await run(purger, all);

    expect(acceptedTargets(purger, bad).sort()).toEqual(all.filter((u) => u !== bad[0]).sort());
    expect(execution.purged).toHaveLength(999);
    expect(execution.failures).toEqual([
      expect.objectContaining({ code: "InvalidParameter.Target", class: "fatal", targets: bad }),
    ]);
    expect(execution.failures[0]?.hint).not.toBe("");
    // One whole request, then two per halving: 2 × ⌈log2 1000⌉ = 20 extra calls at most.
    expect(purger.purges.length).toBeLessThanOrEqual(1 + splitCallsFor(1_000));
    // Nothing sent twice once accepted.
    const sent = acceptedTargets(purger, bad);
    expect(new Set(sent).size).toBe(sent.length);
  });

  it("isolates several refused targets, each failing alone (CDN's CdnUrlExceedLength as well)", async () => {
    const all = urls(64);
    const bad = [all[3], all[40], all[41]] as string[];
    const purger = refusing(bad, "InvalidParameter.CdnUrlExceedLength");
    const execution = await run(purger, all);

    expect([...execution.purged].sort()).toEqual(all.filter((u) => !bad.includes(u)).sort());
    expect(execution.failures.flatMap((f) => f.targets).sort()).toEqual([...bad].sort());
    expect(execution.failures.every((f) => f.targets.length === 1 && f.class === "fatal")).toBe(true);
    expect(purger.purges.length).toBeLessThanOrEqual(1 + bad.length * splitCallsFor(64));
  });

  it("stops splitting when the lane's budget is spent, and keeps what is left (unknown, deferred), never failed for good", async () => {
    const all = urls(256);
    const purger = refusing(all); // every target refused: a request-wide problem, or many bad targets
    const execution = await run(purger, all);

    const budget = splitCallsFor(256) * SPLIT_BUDGET_TARGETS;
    expect(purger.purges.length).toBeLessThanOrEqual(1 + budget);
    const targets = execution.failures.flatMap((f) => f.targets);
    expect(targets.sort()).toEqual([...all].sort());
    const { defer, failed } = partitionFailures(execution.failures);
    // Only targets refused alone fail for good; the rest waits to be split by a later drain.
    expect(failed.every((f) => f.targets.length === 1)).toBe(true);
    expect(defer.flatMap((d) => d.targets).length + failed.length).toBe(256);
    expect(defer.length).toBeGreaterThan(0);
  });

  it("never splits a code about the request as a whole: a parameter error fails it once", async () => {
    const all = urls(10);
    const purger = refusing(all, "InvalidParameter.ParameterError");
    await run(purger, all);
    expect(purger.purges).toHaveLength(1);
    expect(refusesTarget("InvalidParameter.ParameterError")).toBe(false);
  });

  it("respects the deadline: halves not sent in time are reported DeadlineReached (deferred), not failed", async () => {
    const all = urls(100);
    const bad = [all[99] as string];
    const clock = new FakeClock();
    const purger = refusing(bad, "InvalidParameter.Target", { clock, callMs: 1_500 });
    const execution = await run(purger, all, { clock, deadline: clock.now() + 4_000 });

    expect(purger.purges.length).toBeGreaterThanOrEqual(2); // split, then out of time
    expect(purger.purges.length).toBeLessThan(4);
    const { defer, failed } = partitionFailures(execution.failures);
    expect(failed).toEqual([]);
    expect([...execution.purged, ...defer.flatMap((d) => d.targets)].sort()).toEqual([...all].sort());
  });
});

describe("LaneWork", () => {
  it("sends the halves of a split request before the rest of the lane, in order", () => {
    const work = new LaneWork(["a", "b", "c", "d", "e"]);
    const first = work.next(4);
    expect(first).toEqual(["a", "b", "c", "d"]);
    expect(work.split(first)).toBe(true);
    expect(work.next(4)).toEqual(["a", "b"]);
    work.advance(2);
    expect(work.next(1)).toEqual(["c"]); // a piece larger than the batch is taken in part
    work.advance(1);
    expect(work.rest()).toEqual(["d", "e"]);
    expect(work.split(["d"])).toBe(false);
    work.advance(1);
    work.advance(1);
    expect(work.done).toBe(true);
  });
});
