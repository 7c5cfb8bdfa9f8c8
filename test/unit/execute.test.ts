import { describe, expect, it } from "vitest";
import { type ExecuteDeps, executePlan } from "../../src/execute/execute";
import { QuotaBook } from "../../src/execute/quota";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { CosPurgeError } from "../../src/foundation/errors";
import { createLogger } from "../../src/foundation/log";
import type { Execution, Lane, Provider, Purger } from "../../src/foundation/model";
import { FakeClock } from "../support/fake-clock";
import { accepted, apiError, DEFAULT_QUOTA, FakePurger } from "../support/fake-purger";

const ZONE = "zone-1";

function urls(count: number, host = "www.example.com"): string[] {
  return Array.from({ length: count }, (_, i) => `https://${host}/file-${i}.jpg`);
}

function lane(provider: Provider, scope: string, targets: readonly string[]): Lane {
  return { provider, scope, targets };
}

/** Deps around a fake clock (60 s to the deadline), a fresh QuotaBook and a logger that keeps its lines. */
function deps(
  clock: FakeClock,
  purgers: Partial<Record<Provider, Purger>>,
  overrides: Partial<ExecuteDeps> = {},
) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line)) });
  const base: ExecuteDeps = {
    purgers,
    quota: new QuotaBook(clock),
    limiter: createRateLimiter(clock),
    clock,
    deadline: clock.now() + 60_000,
    requestTimeoutMs: 5_000,
    maxAttempts: 3,
    log,
    random: () => 0.5,
  };
  return { deps: { ...base, ...overrides }, lines };
}

/** Every planned target is purged or failed, exactly once. */
function expectAccountedFor(lanes: readonly Lane[], execution: Execution) {
  const outcome = [...execution.purged, ...execution.failures.flatMap((failure) => failure.targets)];
  expect(outcome.sort()).toEqual(lanes.flatMap((l) => l.targets).sort());
}

const sizes = (purger: FakePurger) => purger.purges.map((call) => call.targets.length);

describe("executePlan: batching and quota", () => {
  it("splits a lane into as few requests as the quota's batch allows", async () => {
    const clock = new FakeClock();
    const edgeone = new FakePurger("edgeone", { quota: () => ({ ...DEFAULT_QUOTA, batch: 1_000 }) });
    const lanes = [lane("edgeone", ZONE, urls(2_500))];
    const execution = await executePlan(lanes, deps(clock, { edgeone }).deps);

    expect(sizes(edgeone)).toEqual([1_000, 1_000, 500]);
    expect(execution.purged).toHaveLength(2_500);
    expect(execution.failures).toEqual([]);
    expect(execution.jobs.map((job) => job.targets)).toEqual([1_000, 1_000, 500]);
    expect(execution.jobs[0]).toMatchObject({
      provider: "edgeone",
      scope: ZONE,
      taskId: "task-1",
      requestId: "req-1",
    });
    expect(execution.apiCalls).toBe(4);
    expect(execution.quota).toEqual([
      { provider: "edgeone", scope: ZONE, batch: 1_000, daily: 10_000, dailyAvailable: 7_500 },
    ]);
  });

  it("submits what today's quota allows and reports the rest with the numbers", async () => {
    const clock = new FakeClock();
    const cdn = new FakePurger("cdn", {
      quota: () => ({ batch: 1_000, daily: 10_000, dailyAvailable: 1_200 }),
    });
    const lanes = [lane("cdn", "mainland", urls(2_500))];
    const execution = await executePlan(lanes, deps(clock, { cdn }).deps);

    expect(sizes(cdn)).toEqual([1_000, 200]);
    expect(execution.purged).toHaveLength(1_200);
    expect(execution.failures).toHaveLength(1);
    const [failure] = execution.failures;
    expect(failure).toMatchObject({
      provider: "cdn",
      scope: "mainland",
      code: "QuotaExhausted",
      class: "quota",
    });
    expect(failure?.targets).toEqual(urls(2_500).slice(1_200));
    expect(failure?.message).toMatch(
      /2500 URLs needed purging.*10000 a day.*room for 1200: 1300 not submitted/,
    );
    expect(failure?.hint).toMatch(/00:00 UTC\+8/);
    expectAccountedFor(lanes, execution);
  });

  it("reports targets the provider refused in FailedList, and counts only the rest as purged", async () => {
    const clock = new FakeClock();
    const targets = urls(4);
    const edgeone = new FakePurger("edgeone", {
      purge: () => ({
        requestId: "req-9",
        taskId: "job-9",
        failed: [{ reason: "Domain not found in zone", targets: [targets[1] ?? "", targets[3] ?? ""] }],
      }),
    });
    const { deps: d } = deps(clock, { edgeone });
    const execution = await executePlan([lane("edgeone", ZONE, targets)], d);

    expect(execution.purged).toEqual([targets[0], targets[2]]);
    expect(execution.failures).toEqual([
      {
        provider: "edgeone",
        scope: ZONE,
        code: "Domain not found in zone",
        class: "rejected",
        message: expect.stringMatching(
          /CreatePurgeTask accepted the request \(task job-9\) but refused 2 of its 4 URLs/,
        ),
        hint: expect.stringMatching(/eoDomains\*/),
        requestId: "req-9",
        targets: [targets[1], targets[3]],
      },
    ]);
    expect(execution.jobs).toEqual([
      { provider: "edgeone", scope: ZONE, taskId: "job-9", requestId: "req-9", targets: 2 },
    ]);
    expect(d.quota.known({ provider: "edgeone", scope: ZONE })?.dailyAvailable).toBe(10_000 - 2);
  });

  it("matches refused targets the provider lists percent-decoded", async () => {
    const clock = new FakeClock();
    const target = "https://www.example.com/%E4%B8%AD.jpg";
    const edgeone = new FakePurger("edgeone", {
      purge: () => ({
        ...accepted(1),
        failed: [{ reason: "refused", targets: ["https://www.example.com/中.jpg"] }],
      }),
    });
    const execution = await executePlan([lane("edgeone", ZONE, [target])], deps(clock, { edgeone }).deps);
    expect(execution.purged).toEqual([]);
    expect(execution.failures[0]?.targets).toEqual([target]);
  });

  it("reports a lane whose provider has no purger", async () => {
    const lanes = [lane("cdn", "", urls(3))];
    const execution = await executePlan(lanes, deps(new FakeClock(), {}).deps);
    expect(execution.failures).toEqual([
      expect.objectContaining({ code: "ProviderNotConfigured", class: "fatal", targets: urls(3) }),
    ]);
    expect(execution.apiCalls).toBe(0);
  });

  it("makes no call for an empty lane", async () => {
    const edgeone = new FakePurger("edgeone");
    const execution = await executePlan([lane("edgeone", ZONE, [])], deps(new FakeClock(), { edgeone }).deps);
    expect(edgeone.calls).toEqual([]);
    expect(execution).toMatchObject({ purged: [], failures: [], apiCalls: 0 });
  });
});

describe("executePlan: reading the quota only when needed", () => {
  it("reads a lane's quota once per instance, not once per invocation", async () => {
    const clock = new FakeClock();
    const edgeone = new FakePurger("edgeone");
    const { deps: d } = deps(clock, { edgeone });
    await executePlan([lane("edgeone", ZONE, urls(10))], d);
    await executePlan([lane("edgeone", ZONE, urls(10))], d);
    expect(edgeone.describes).toHaveLength(1);

    clock.advance(10 * 60_000); // other instances have been purging: the count is stale
    await executePlan([lane("edgeone", ZONE, urls(10))], { ...d, deadline: clock.now() + 60_000 });
    expect(edgeone.describes).toHaveLength(2);
  });

  it("reads the quota again when a plan needs more than is believed left", async () => {
    const clock = new FakeClock();
    const edgeone = new FakePurger("edgeone", {
      quota: (_, n) => ({ ...DEFAULT_QUOTA, dailyAvailable: n === 1 ? 15 : 10_000 }),
    });
    const { deps: d } = deps(clock, { edgeone });
    await executePlan([lane("edgeone", ZONE, urls(10))], d);
    const execution = await executePlan([lane("edgeone", ZONE, urls(10))], d);
    expect(edgeone.describes).toHaveLength(2);
    expect(execution.purged).toHaveLength(10);
  });

  it("goes on with default batches when the quota cannot be read, warns once, and does not ask again", async () => {
    const clock = new FakeClock();
    const edgeone = new FakePurger("edgeone", {
      quota: () => apiError("UnauthorizedOperation.NoPermission"),
    });
    const { deps: d, lines } = deps(clock, { edgeone });
    const first = await executePlan([lane("edgeone", ZONE, urls(2_500))], d);
    const second = await executePlan([lane("edgeone", ZONE, urls(5))], d);

    expect(edgeone.describes).toHaveLength(1);
    expect(sizes(edgeone)).toEqual([1_000, 1_000, 500, 5]);
    expect(first.purged).toHaveLength(2_500);
    expect(second.purged).toHaveLength(5);
    expect(first.quota).toEqual([]); // defaults are not the provider's numbers
    const warnings = lines.filter((line) => line.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      code: "UnauthorizedOperation.NoPermission",
      dailyAvailable: "unknown",
    });
    expect(warnings[0]?.hint).toMatch(/teo:DescribeContentQuota/);
  });
});

describe("executePlan: errors", () => {
  it("retries a transient error after a short jittered wait, and succeeds", async () => {
    const clock = new FakeClock();
    const cdn = new FakePurger("cdn", {
      purge: (_, n) => (n === 1 ? apiError("InternalError", "cdn") : accepted(n)),
    });
    const execution = await executePlan([lane("cdn", "", urls(3))], deps(clock, { cdn }).deps);
    expect(execution.purged).toHaveLength(3);
    expect(execution.failures).toEqual([]);
    expect(clock.sleeps).toEqual([100]); // half of the 200 ms first ceiling
    expect(execution.apiCalls).toBe(3); // describe, failed purge, purge
  });

  it("waits at least a second after a rate-limit error", async () => {
    const clock = new FakeClock();
    const cdn = new FakePurger("cdn", {
      purge: (_, n) => (n === 1 ? apiError("RequestLimitExceeded", "cdn") : accepted(n)),
    });
    await executePlan([lane("cdn", "", urls(3))], deps(clock, { cdn }).deps);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(1_000);
  });

  it("gives up a request after maxAttempts and goes on with the next", async () => {
    const clock = new FakeClock();
    const edgeone = new FakePurger("edgeone", {
      quota: () => ({ ...DEFAULT_QUOTA, batch: 2 }),
      purge: (targets, n) =>
        targets.includes(urls(4)[0] ?? "") ? apiError("ServiceUnavailable") : accepted(n),
    });
    const execution = await executePlan([lane("edgeone", ZONE, urls(4))], deps(clock, { edgeone }).deps);
    expect(sizes(edgeone)).toEqual([2, 2, 2, 2]);
    expect(execution.purged).toEqual(urls(4).slice(2));
    expect(execution.failures).toEqual([
      expect.objectContaining({
        code: "ServiceUnavailable",
        class: "retry",
        message: expect.stringMatching(/gave up after 3 attempts/),
        requestId: "req-ServiceUnavailable",
        targets: urls(4).slice(0, 2),
      }),
    ]);
  });

  it("splits again with the batch the provider reports after a batch-quota error", async () => {
    const clock = new FakeClock();
    const edgeone = new FakePurger("edgeone", {
      quota: () => ({ ...DEFAULT_QUOTA, batch: 500 }),
      purge: (targets, n) => (targets.length > 500 ? apiError("LimitExceeded.BatchQuota") : accepted(n)),
    });
    const { deps: d } = deps(clock, { edgeone });
    d.quota.record({ provider: "edgeone", scope: ZONE }, { ...DEFAULT_QUOTA, batch: 2_000 }); // from an earlier invocation
    const execution = await executePlan([lane("edgeone", ZONE, urls(1_200))], d);

    expect(sizes(edgeone)).toEqual([1_200, 500, 500, 200]);
    expect(edgeone.describes).toHaveLength(1);
    expect(execution.purged).toHaveLength(1_200);
    expect(d.quota.known({ provider: "edgeone", scope: ZONE })?.batch).toBe(500);
  });

  it("halves the batch when the quota read does not explain a batch-quota error", async () => {
    const clock = new FakeClock();
    const cdn = new FakePurger("cdn", {
      purge: (targets, n) =>
        targets.length > 300 ? apiError("LimitExceeded.CdnPurgeUrlExceedBatchLimit", "cdn") : accepted(n),
    });
    const execution = await executePlan([lane("cdn", "mainland", urls(1_000))], deps(clock, { cdn }).deps);
    expect(sizes(cdn)).toEqual([1_000, 500, 250, 250, 250, 250]);
    expect(cdn.describes).toHaveLength(1); // read at the start; reading again would say the same
    expect(execution.purged).toHaveLength(1_000);
  });

  it("never falls back to one call per URL when even one URL is refused as too many", async () => {
    const clock = new FakeClock();
    const cdn = new FakePurger("cdn", {
      purge: () => apiError("LimitExceeded.CdnPurgeUrlExceedBatchLimit", "cdn"),
    });
    const lanes = [lane("cdn", "mainland", urls(4))];
    const execution = await executePlan(lanes, deps(clock, { cdn }).deps);
    expect(sizes(cdn)).toEqual([4, 2, 1]);
    expect(execution.failures).toEqual([
      expect.objectContaining({
        code: "LimitExceeded.CdnPurgeUrlExceedBatchLimit",
        class: "quota",
        targets: urls(4),
      }),
    ]);
  });

  it("after a daily-quota error reads the quota, submits what fits and reports the rest", async () => {
    const clock = new FakeClock();
    const edgeone = new FakePurger("edgeone", {
      quota: () => ({ ...DEFAULT_QUOTA, dailyAvailable: 300 }),
      purge: (targets, n) => (targets.length > 300 ? apiError("LimitExceeded.DailyQuota") : accepted(n)),
    });
    const { deps: d } = deps(clock, { edgeone });
    d.quota.record({ provider: "edgeone", scope: ZONE }, DEFAULT_QUOTA); // believed: all left
    const lanes = [lane("edgeone", ZONE, urls(1_000))];
    const execution = await executePlan(lanes, d);

    expect(edgeone.calls.map((call) => `${call.kind}:${call.targets.length}`)).toEqual([
      "purge:1000",
      "describe:0",
      "purge:300",
    ]);
    expect(execution.purged).toEqual(urls(1_000).slice(0, 300));
    expect(execution.failures).toEqual([
      expect.objectContaining({
        code: "QuotaExhausted",
        class: "quota",
        message: expect.stringMatching(/1000 URLs needed purging.*room for 300: 700 not submitted/),
        targets: urls(1_000).slice(300),
      }),
    ]);
  });

  it("after a daily-quota error with the quota unreadable, stops submitting", async () => {
    const clock = new FakeClock();
    const cdn = new FakePurger("cdn", {
      quota: () => apiError("UnauthorizedOperation.CdnCamUnauthorized", "cdn"),
      purge: () => apiError("LimitExceeded.CdnPurgeUrlExceedDayLimit", "cdn"),
    });
    const lanes = [lane("cdn", "mainland", urls(2_500))];
    const execution = await executePlan(lanes, deps(clock, { cdn }).deps);
    expect(sizes(cdn)).toEqual([1_000]);
    expect(execution.failures).toEqual([
      expect.objectContaining({ code: "QuotaExhausted", targets: urls(2_500) }),
    ]);
  });

  it("does not retry a fatal error, splits off the refused target, and still submits the next request", async () => {
    const clock = new FakeClock();
    const first = urls(4)[0] ?? "";
    const edgeone = new FakePurger("edgeone", {
      quota: () => ({ ...DEFAULT_QUOTA, batch: 2 }),
      purge: (targets, n) => (targets.includes(first) ? apiError("InvalidParameter.Target") : accepted(n)),
    });
    const execution = await executePlan([lane("edgeone", ZONE, urls(4))], deps(clock, { edgeone }).deps);
    // The refused request of two is split (split.ts): its other target is purged.
    expect(sizes(edgeone)).toEqual([2, 1, 1, 2]);
    expect(clock.sleeps).toEqual([]);
    expect(execution.failures).toEqual([
      expect.objectContaining({
        targets: [first],
        code: "InvalidParameter.Target",
        class: "fatal",
        hint: expect.stringMatching(/URLs/),
      }),
    ]);
  });

  it("stops calling a provider after an auth failure, failing its other lanes with the same cause", async () => {
    const clock = new FakeClock();
    const edgeone = new FakePurger("edgeone", { purge: () => apiError("AuthFailure.SecretIdNotFound") });
    const cdn = new FakePurger("cdn");
    const lanes = [
      lane("edgeone", ZONE, urls(1_500)),
      lane("edgeone", "zone-2", urls(5, "static.example.com")),
      lane("cdn", "", urls(5, "cdn.example.com")),
    ];
    const execution = await executePlan(lanes, deps(clock, { edgeone, cdn }).deps);

    expect(edgeone.purges).toHaveLength(1);
    expect(execution.purged).toEqual(urls(5, "cdn.example.com"));
    expect(new Set(execution.failures.map((failure) => failure.code))).toEqual(
      new Set(["AuthFailure.SecretIdNotFound"]),
    );
    expect(execution.failures.every((failure) => /execution role/.test(failure.hint))).toBe(true);
    expectAccountedFor(lanes, execution);
  });

  it("treats missing credentials like an auth failure", async () => {
    const clock = new FakeClock();
    const missing = new CosPurgeError("No credentials", { code: "MissingCredentials" });
    const cdn = new FakePurger("cdn", { quota: () => missing, purge: () => missing });
    const lanes = [lane("cdn", "mainland", urls(3)), lane("cdn", "overseas", urls(3))];
    const execution = await executePlan(lanes, deps(clock, { cdn }).deps);
    expect(cdn.purges).toHaveLength(1);
    expect(execution.failures.map((failure) => failure.code)).toEqual([
      "MissingCredentials",
      "MissingCredentials",
    ]);
  });

  it("fails the rest of a lane whose zone does not exist, and goes on with the other zones", async () => {
    const clock = new FakeClock();
    const edgeone = new FakePurger("edgeone", {
      quota: () => ({ ...DEFAULT_QUOTA, batch: 2 }),
      purge: (_, n, scope) =>
        scope === "zone-gone" ? apiError("ResourceUnavailable.ZoneNotFound") : accepted(n),
    });
    const lanes = [
      lane("edgeone", "zone-gone", urls(6)),
      lane("edgeone", ZONE, urls(3, "static.example.com")),
    ];
    const execution = await executePlan(lanes, deps(clock, { edgeone }).deps);
    expect(edgeone.purges.map((call) => call.scope)).toEqual(["zone-gone", ZONE, ZONE]);
    expect(execution.purged).toEqual(urls(3, "static.example.com"));
    expectAccountedFor(lanes, execution);
  });
});

describe("executePlan: deadline", () => {
  it("starts no call that could end after the deadline, and reports what was not submitted", async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const edgeone = new FakePurger("edgeone", {
      clock,
      callMs: 1_000,
      quota: () => ({ ...DEFAULT_QUOTA, batch: 10 }),
    });
    const lanes = [lane("edgeone", ZONE, urls(100))];
    const { deps: d } = deps(clock, { edgeone }, { deadline: start + 4_500, requestTimeoutMs: 1_000 });
    const execution = await executePlan(lanes, d);

    expect(edgeone.calls.map((call) => call.at - start)).toEqual([0, 1_000, 2_000, 3_000]);
    expect(execution.purged).toHaveLength(30);
    expect(execution.failures).toEqual([
      expect.objectContaining({
        code: "DeadlineReached",
        class: "deadline",
        hint: expect.stringMatching(/timeout/),
        targets: urls(100).slice(30),
      }),
    ]);
  });

  it("does not wait to retry when the retry could not end by the deadline", async () => {
    const clock = new FakeClock();
    const cdn = new FakePurger("cdn", { purge: () => apiError("RequestLimitExceeded", "cdn") });
    // A retry needs its backoff (at least 1 s after RequestLimitExceeded) and MIN_CALL_MS for the call.
    const { deps: d } = deps(clock, { cdn }, { deadline: clock.now() + 1_900, requestTimeoutMs: 5_000 });
    const execution = await executePlan([lane("cdn", "", urls(2))], d);
    expect(cdn.purges).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(execution.failures).toEqual([
      expect.objectContaining({
        code: "DeadlineReached",
        message: expect.stringMatching(
          /no time left to retry after PurgeUrlsCache failed with RequestLimitExceeded/,
        ),
      }),
    ]);
  });
});

describe("executePlan: a deadline shorter than the request timeout", () => {
  it("still calls, with the call's timeout cut to the time left (SCF's default limit is 3 s)", async () => {
    const clock = new FakeClock();
    const edgeone = new FakePurger("edgeone", { clock, callMs: 50 });
    const { deps: d } = deps(clock, { edgeone }, { deadline: clock.now() + 2_500, requestTimeoutMs: 5_000 });
    const execution = await executePlan([lane("edgeone", ZONE, urls(2))], d);

    expect(execution.failures).toEqual([]);
    expect(edgeone.calls.map((call) => call.timeoutMs)).toEqual([2_500, 2_450]);
  });
});

describe("executePlan: concurrency and rate", () => {
  it("keeps each action under 20 requests a second", async () => {
    const clock = new FakeClock();
    const cdn = new FakePurger("cdn", { clock, callMs: 10, quota: () => ({ ...DEFAULT_QUOTA, batch: 1 }) });
    const execution = await executePlan([lane("cdn", "", urls(45))], deps(clock, { cdn }).deps);
    const starts = cdn.purges.map((call) => call.at);
    for (const at of starts) {
      expect(starts.filter((t) => t >= at && t < at + 1_000).length).toBeLessThanOrEqual(20);
    }
    expect(execution.purged).toHaveLength(45);
  });

  it("calls EdgeOne and CDN at the same time", async () => {
    let inFlight = 0;
    let most = 0;
    const slow = (provider: Provider): Purger => {
      const inner = new FakePurger(provider);
      return {
        provider,
        actions: inner.actions,
        quotaActions: inner.quotaActions,
        describeQuota: (scope) => inner.describeQuota(scope),
        describeTasks: (query) => inner.describeTasks(query),
        async submit(scope, targets) {
          inFlight += 1;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setImmediate(resolve));
          inFlight -= 1;
          return inner.submit(scope, targets);
        },
      };
    };
    const lanes = [lane("edgeone", ZONE, urls(3)), lane("cdn", "", urls(3, "cdn.example.com"))];
    const execution = await executePlan(
      lanes,
      deps(new FakeClock(), { edgeone: slow("edgeone"), cdn: slow("cdn") }).deps,
    );
    expect(most).toBe(2);
    expect(execution.purged).toHaveLength(6);
  });
});
