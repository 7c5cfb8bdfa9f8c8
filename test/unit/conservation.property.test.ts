/**
 * Conservation, as a property: random uploads (one file or many per event, each mode), random fault
 * schedules (rate limits, outages, calls that arrive but are not answered, quota refusals, COS write
 * and read failures) and random drain timings. Whatever happens, once the faults are gone and the
 * drains have run, every planned URL was accepted by the provider exactly once.
 *
 * The real handler runs on a fake clock with a scripted purger and an in-memory bucket, so hundreds of
 * runs take seconds; the same guarantees are checked on the emulator by fault-matrix.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cosEvent, cosRecord, timerEvent } from "../../src/cli/samples";
import { createHandler } from "../../src/handler";
import type { PurgeReceipt, TaskRecord } from "../../src/model";
import { FakeClock } from "../support/fake-clock";
import { apiError, FakePurger } from "../support/fake-purger";
import { MemoryStore, storageError } from "../support/memory-store";

type Answer = "ok" | "arrivesUnanswered" | "RequestLimitExceeded" | "InternalError" | "NetworkError";
type Step =
  | { readonly kind: "upload"; readonly files: number; readonly mode: "direct" | "queue" | "auto" }
  | { readonly kind: "drain" }
  | { readonly kind: "wait"; readonly ms: number };

const answer = fc.constantFrom<Answer>(
  "ok",
  "ok",
  "arrivesUnanswered",
  "RequestLimitExceeded",
  "InternalError",
  "NetworkError",
);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("upload" as const),
    files: fc.integer({ min: 1, max: 4 }),
    mode: fc.constantFrom("direct" as const, "queue" as const, "auto" as const),
  }),
  fc.constant({ kind: "drain" as const }),
  fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 10_000 }) }),
);

interface World {
  readonly clock: FakeClock;
  readonly store: MemoryStore;
  readonly purger: FakePurger;
  /** URL → how many times the provider accepted it. */
  readonly accepted: Map<string, number>;
}

function world(answers: readonly Answer[], storeFailures: ReadonlySet<number>): World {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  const accepted = new Map<string, number>();
  const tasks: TaskRecord[] = [];
  let faultsOn = true;
  const accept = (targets: readonly string[], n: number): PurgeReceipt => {
    for (const target of targets) {
      accepted.set(target, (accepted.get(target) ?? 0) + 1);
      tasks.push({
        taskId: `task-${n}`,
        target,
        type: "purge_url",
        status: "success",
        createdAt: clock.now(),
      });
    }
    return { requestId: `req-${n}`, taskId: `task-${n}`, failed: [] };
  };
  const purger = new FakePurger("edgeone", {
    purge: (targets, n) => {
      const scripted = faultsOn ? (answers[n - 1] ?? "ok") : "ok";
      if (scripted === "ok") return accept(targets, n);
      if (scripted === "arrivesUnanswered") {
        accept(targets, n);
        return apiError("Timeout");
      }
      return apiError(scripted);
    },
    tasks: (query) =>
      tasks.filter((task) =>
        query.taskId ? task.taskId === query.taskId : task.createdAt >= (query.since ?? 0),
      ),
  });
  let op = 0;
  store.failWith = (storeOp) => {
    op += 1;
    return faultsOn && storeFailures.has(op) && storeOp.op !== "list"
      ? storageError("InternalError")
      : undefined;
  };
  return Object.assign(
    { clock, store, purger, accepted },
    { liftFaults: () => (faultsOn = false) },
  ) as World & {
    liftFaults(): void;
  };
}

function handlerFor(w: World, mode: string) {
  return createHandler({
    env: {
      ZoneId: "zone-1",
      eoDomains: "www.example.com",
      PURGE_MODE: mode,
      PURGE_WINDOW_MS: "1000",
      PURGE_MAX_ATTEMPTS: "3",
      PURGE_BACKLOG_BUCKET: "b-1250000000",
      PURGE_BACKLOG_REGION: "ap-guangzhou",
      PURGE_URL_SPELLINGS: "chromium",
    },
    clock: w.clock,
    purgers: { edgeone: w.purger },
    openStore: () => w.store,
    write: () => {},
  });
}

describe("conservation (property)", () => {
  it("every planned URL is accepted exactly once, whatever fails and whenever drains run", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 8 }),
        fc.array(answer, { maxLength: 12 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 80 }), { maxLength: 6 }),
        async (steps, answers, storeFailures) => {
          const w = world(answers, new Set(storeFailures)) as World & { liftFaults(): void };
          const handlers = {
            direct: handlerFor(w, "direct"),
            queue: handlerFor(w, "queue"),
            auto: handlerFor(w, "auto"),
          };
          const planned = new Set<string>();
          const failedEvents: { event: unknown; mode: keyof typeof handlers }[] = [];
          let file = 0;
          let request = 0;
          const context = () => {
            request += 1;
            return { request_id: `r-${request}`, time_limit_in_ms: 60_000 };
          };

          for (const s of steps) {
            if (s.kind === "wait") w.clock.advance(s.ms);
            if (s.kind === "drain") await handlers.direct(timerEvent(), context()).catch(() => undefined);
            if (s.kind === "upload") {
              const keys = Array.from({ length: s.files }, (_, k) => `f-${file + k + 1}.png`);
              file += s.files;
              for (const key of keys) planned.add(`https://www.example.com/${key}`);
              const records = keys.map((key) => cosRecord({ key }));
              const event = cosEvent(...records);
              // SCF retries a failed event twice; past that the event would go to a dead-letter queue,
              // whose replay is modelled below, after the faults are gone.
              let ok = false;
              for (let attempt = 0; attempt < 3 && !ok; attempt += 1) {
                ok = await handlers[s.mode](event, context()).then(
                  () => true,
                  () => false,
                );
              }
              if (!ok) failedEvents.push({ event, mode: s.mode });
            }
          }

          w.liftFaults();
          for (const { event, mode } of failedEvents) await handlers[mode](event, context());
          // The timer, until nothing is left: sent records without a task id resolve after two minutes.
          for (let round = 0; round < 5; round += 1) {
            w.clock.advance(5 * 60_000);
            await handlers.direct(timerEvent(), context());
          }
          expect(w.store.keys(".cos-purge/queue/")).toEqual([]);
          expect([...planned].map((url) => [url, w.accepted.get(url) ?? 0])).toEqual(
            [...planned].map((url) => [url, 1]),
          );
        },
      ),
      { numRuns: Number(process.env.CONSERVATION_RUNS ?? 300) },
    );
  });
});
