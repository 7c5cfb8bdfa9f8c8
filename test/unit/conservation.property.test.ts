/**
 * Conservation, as a property: random uploads (one file or many per event, each mode), random fault
 * schedules (rate limits, outages, calls that arrive but are not answered, some of them with a task
 * list that shows only part of the call for now, a single target's task failing in a drain, quota
 * refusals, COS write and read failures), random drain timings, and folder collapse on or off.
 * Whatever happens, once the faults are gone and the drains have run, every planned URL was purged by
 * a task that succeeded exactly once (by its URL or its folder); only where a task lookup could not
 * see the call's tasks may it be purged again (the design's price for never losing one).
 *
 * The real handler runs on a fake clock with a scripted purger and an in-memory bucket, so hundreds of
 * runs take seconds; the same guarantees are checked on the emulator by fault-matrix.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cosEvent, cosRecord, timerEvent } from "../../src/cli/samples";
import type { PurgeReceipt, TaskRecord, TaskType } from "../../src/foundation/model";
import { createHandler } from "../../src/handler";
import { FakeClock } from "../support/fake-clock";
import { apiError, FakePurger } from "../support/fake-purger";
import { MemoryStore, storageError } from "../support/memory-store";

type Answer =
  | "ok"
  | "arrivesUnanswered"
  | "arrivesUnansweredPartlyListed"
  | "oneTaskFails"
  | "RequestLimitExceeded"
  | "InternalError"
  | "NetworkError";
type Step =
  | { readonly kind: "upload"; readonly files: number; readonly mode: "direct" | "queue" | "auto" }
  | { readonly kind: "drain" }
  | { readonly kind: "wait"; readonly ms: number };

const answer = fc.constantFrom<Answer>(
  "ok",
  "ok",
  "arrivesUnanswered",
  "arrivesUnansweredPartlyListed",
  "oneTaskFails",
  "oneTaskFails",
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
  /** URL → how many successful tasks purged it (its own, or its folder's). */
  readonly purged: Map<string, number>;
  /**
   * URLs whose task a lookup may not tell apart (a call's tasks not all listed yet; a stale sent
   * record matched by time): purged again by design, never lost.
   */
  readonly unseen: Set<string>;
  /** Planned URLs so far, for what a folder purge covers. */
  readonly planned: Set<string>;
  liftFaults(): void;
}

function world(answers: readonly Answer[], storeFailures: ReadonlySet<number>): World {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  const tasks: (TaskRecord & { hidden?: boolean })[] = [];
  let faultsOn = true;
  const w: Omit<World, "purger"> & { purger?: FakePurger } = {
    clock,
    store,
    purged: new Map(),
    unseen: new Set(),
    planned: new Set(),
    liftFaults: () => {
      faultsOn = false;
    },
  };
  /** Whether a drain's journal holds a record of this call, written just before it (journal.ts). */
  const journaled = (targets: readonly string[]) =>
    [...store.objects].some(([key, { body }]) => {
      if (!key.includes("/sent/")) return false;
      const record = JSON.parse(body) as { targets: string[]; taskId?: string };
      return record.taskId === undefined && record.targets.join("\n") === targets.join("\n");
    });
  /** The planned URLs a target purges: itself, or every URL under a folder. */
  const covered = (target: string, type: TaskType) =>
    type === "purge_prefix" ? [...w.planned].filter((url) => url.startsWith(target)) : [target];
  const accept = (targets: readonly string[], n: number, type: TaskType, how: Answer): PurgeReceipt => {
    targets.forEach((target, index) => {
      const fails = how === "oneTaskFails" && index === targets.length - 1;
      const hidden = how === "arrivesUnansweredPartlyListed" && index > 0;
      const status = fails ? "failed" : "success";
      tasks.push({ taskId: `task-${n}`, target, type, status, createdAt: clock.now(), hidden });
      for (const url of covered(target, type)) {
        if (!fails) w.purged.set(url, (w.purged.get(url) ?? 0) + 1);
        if (how === "arrivesUnansweredPartlyListed") w.unseen.add(url);
      }
    });
    return { requestId: `req-${n}`, taskId: `task-${n}`, failed: [] };
  };
  const purger = new FakePurger("edgeone", {
    purge: (targets, n, _scope, type) => {
      let scripted = faultsOn ? (answers[n - 1] ?? "ok") : "ok";
      // Only a drain's journaled call is followed up (a sent record awaits it); a direct purge's
      // failed task is another matter (issue 13 row 3).
      if (scripted === "oneTaskFails" && !journaled(targets)) scripted = "ok";
      if (scripted === "ok" || scripted === "oneTaskFails") return accept(targets, n, type, scripted);
      if (scripted === "arrivesUnanswered" || scripted === "arrivesUnansweredPartlyListed") {
        accept(targets, n, type, scripted);
        return apiError("Timeout");
      }
      return apiError(scripted);
    },
    // The fake purger selects by task id or time; hidden tasks show once the faults are gone.
    tasks: () => tasks.filter((task) => !(faultsOn && task.hidden)).reverse(), // newest first, as listed
  });
  let op = 0;
  store.failWith = (storeOp) => {
    op += 1;
    const fails = faultsOn && storeFailures.has(op) && storeOp.op !== "list";
    // A sent record that could not be deleted (its call was refused) is later matched by time: a
    // task of the same URL sent within 2 s (the retry's, or an earlier failed one) may stand in for it.
    if (fails && storeOp.op === "delete" && storeOp.key.includes("/sent/")) {
      const body = store.objects.get(storeOp.key)?.body;
      for (const url of body ? (JSON.parse(body).covers as string[]) : []) w.unseen.add(url);
    }
    return fails ? storageError("InternalError") : undefined;
  };
  return Object.assign(w, { purger });
}

function handlerFor(w: World, mode: string, collapse: boolean) {
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
      // Two files under one folder are purged as the folder (each upload has a folder of its own).
      PURGE_COLLAPSE_MIN_FILES: collapse ? "2" : "0",
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
        fc.boolean(),
        async (steps, answers, storeFailures, collapse) => {
          const w = world(answers, new Set(storeFailures));
          const handlers = {
            direct: handlerFor(w, "direct", collapse),
            queue: handlerFor(w, "queue", collapse),
            auto: handlerFor(w, "auto", collapse),
          };
          const planned = w.planned;
          const drain = () => handlers.direct(timerEvent(), context());
          const failedEvents: { event: unknown; mode: keyof typeof handlers }[] = [];
          let file = 0;
          let request = 0;
          const context = () => {
            request += 1;
            return { request_id: `r-${request}`, time_limit_in_ms: 60_000 };
          };

          for (const s of steps) {
            if (s.kind === "wait") w.clock.advance(s.ms);
            if (s.kind === "drain") await drain().catch(() => undefined);
            if (s.kind === "upload") {
              const keys = Array.from({ length: s.files }, (_, k) => `u-${file}/f-${k + 1}.png`);
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
            await drain();
          }
          expect(w.store.keys(".cos-purge/queue/")).toEqual([]);
          const times = (url: string) => w.purged.get(url) ?? 0;
          // Exactly once, or at least once where a lookup could not see the call's tasks.
          expect(
            [...planned].map((url) => [url, w.unseen.has(url) ? Math.min(times(url), 1) : times(url)]),
          ).toEqual([...planned].map((url) => [url, 1]));
        },
      ),
      {
        numRuns: Number(process.env.CONSERVATION_RUNS ?? 300),
        // Counterexamples found before, run every time: an unanswered folder purge whose invocation then
        // failed (its retry must find the folder's task); a drain's failed task that a window's drain
        // confirmed before the timer's sweep of failed tasks looked (it must not be queued twice).
        examples: [
          [
            [{ kind: "upload", files: 2, mode: "direct" }],
            ["NetworkError", "InternalError", "arrivesUnanswered"],
            [1],
            true,
          ],
          [
            [
              { kind: "upload", files: 1, mode: "queue" },
              { kind: "upload", files: 1, mode: "queue" },
              { kind: "wait", ms: 0 },
            ],
            ["oneTaskFails"],
            [],
            false,
          ],
        ],
      },
    );
  });
});
