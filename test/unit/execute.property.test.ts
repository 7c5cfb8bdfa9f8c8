import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MIN_CALL_MS } from "../../src/execute/attempts";
import { executePlan } from "../../src/execute/execute";
import { QuotaBook } from "../../src/execute/quota";
import { createRateLimiter } from "../../src/execute/rate-limit";
import { silentLogger } from "../../src/foundation/log";
import type { Lane, Provider, PurgeReceipt } from "../../src/foundation/model";
import { FakeClock } from "../support/fake-clock";
import { accepted, apiError, FakePurger } from "../support/fake-purger";

/** One code per behaviour the executor has: retried, re-split, re-read, fatal for a batch, lane or provider. */
const CODES = [
  "InternalError",
  "RequestLimitExceeded",
  "NetworkError",
  "HttpError.502",
  "LimitExceeded.BatchQuota",
  "LimitExceeded.DailyQuota",
  "LimitExceeded.CdnPurgeUrlExceedDayLimit",
  "InvalidParameter.Target",
  "ResourceUnavailable.ZoneNotFound",
  "AuthFailure.SignatureFailure",
  "Never.Seen",
] as const;

type Answer =
  | { readonly kind: "ok" }
  | { readonly kind: "refuse"; readonly every: number }
  | { readonly kind: "error"; readonly code: string }
  | { readonly kind: "bug" };

const answerArb: fc.Arbitrary<Answer> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: "ok" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("refuse" as const), every: fc.integer({ min: 1, max: 4 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("error" as const), code: fc.constantFrom(...CODES) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "bug" as const }) },
);

const quotaArb = fc.option(
  fc.record({
    batch: fc.integer({ min: 1, max: 40 }),
    daily: fc.constant(500),
    dailyAvailable: fc.integer({ min: 0, max: 200 }),
  }),
  { nil: undefined }, // undefined: describeQuota fails
);

const laneSpecArb = fc.record({
  provider: fc.constantFrom<Provider>("edgeone", "cdn"),
  scope: fc.constantFrom("a", "b", ""),
  count: fc.integer({ min: 0, max: 120 }),
});

function toLanes(specs: readonly { provider: Provider; scope: string; count: number }[]): Lane[] {
  const seen = new Set<string>();
  return specs.flatMap((spec, i) => {
    const key = `${spec.provider}:${spec.scope}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const targets = Array.from({ length: spec.count }, (_, j) => `https://h${i}.example.com/${j}`);
    return [{ provider: spec.provider, scope: spec.scope, targets }];
  });
}

function answerFor(
  answer: Answer,
  provider: Provider,
  targets: readonly string[],
  n: number,
): PurgeReceipt | Error {
  switch (answer.kind) {
    case "ok":
      return accepted(n);
    case "refuse": {
      const refused = targets.filter((_, i) => i % answer.every === 0);
      return { ...accepted(n), failed: [{ reason: "Domain not in zone", targets: refused }] };
    }
    case "error":
      return apiError(answer.code, provider);
    case "bug":
      return new TypeError("cannot read properties of undefined");
  }
}

describe("executePlan (property)", () => {
  it("accounts for every target exactly once, whatever the providers answer", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(laneSpecArb, { minLength: 1, maxLength: 4 }),
        fc.array(answerArb, { minLength: 1, maxLength: 25 }),
        fc.array(quotaArb, { minLength: 1, maxLength: 4 }),
        fc.record({
          callMs: fc.integer({ min: 0, max: 1_500 }),
          requestTimeoutMs: fc.integer({ min: 100, max: 3_000 }),
          timeLeftMs: fc.integer({ min: 0, max: 30_000 }),
          maxAttempts: fc.integer({ min: 1, max: 4 }),
        }),
        async (specs, answers, quotas, timing) => {
          const lanes = toLanes(specs);
          const clock = new FakeClock();
          const deadline = clock.now() + timing.timeLeftMs;
          const purger = (provider: Provider) =>
            new FakePurger(provider, {
              clock,
              callMs: Math.min(timing.callMs, timing.requestTimeoutMs),
              purge: (targets, n) =>
                answerFor(answers[n % answers.length] ?? { kind: "ok" }, provider, targets, n),
              quota: (_, n) => quotas[n % quotas.length] ?? apiError("InternalError", provider),
            });
          const purgers = { edgeone: purger("edgeone"), cdn: purger("cdn") };

          const execution = await executePlan(lanes, {
            purgers,
            quota: new QuotaBook(clock),
            limiter: createRateLimiter(clock),
            clock,
            deadline,
            requestTimeoutMs: timing.requestTimeoutMs,
            maxAttempts: timing.maxAttempts,
            log: silentLogger,
          });

          const outcome = [...execution.purged, ...execution.failures.flatMap((failure) => failure.targets)];
          expect(outcome.sort()).toEqual(lanes.flatMap((lane) => lane.targets).sort());
          const calls = [...purgers.edgeone.calls, ...purgers.cdn.calls];
          expect(execution.apiCalls).toBe(calls.length);
          // No call starts without a useful time left, and none is allowed to run past the deadline.
          const minCallMs = Math.min(timing.requestTimeoutMs, MIN_CALL_MS);
          for (const call of calls) {
            expect(call.at).toBeLessThanOrEqual(deadline - minCallMs);
            expect(call.at + (call.timeoutMs ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(deadline);
            expect(call.timeoutMs).toBeLessThanOrEqual(timing.requestTimeoutMs);
          }
          for (const failure of execution.failures) {
            expect(failure.targets.length).toBeGreaterThan(0);
            expect(failure.hint).not.toBe("");
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
