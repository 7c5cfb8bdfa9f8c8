/**
 * Conservation under faults: every planned target ends purged exactly once, waiting in the backlog,
 * or reported failed for a reason no retry fixes. Each fault is tried at each stage (an invocation
 * purging at once, an invocation queueing, a drain), through the built function and the real SDKs
 * against the emulator. After the faulty phase the faults are lifted and timer drains run until the
 * backlog is empty; then the emulator's call log must show each planned URL accepted exactly once.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Emulator, FaultInput } from "../../src/emulator";
import type { Summary } from "../../src/report/report";
import { BACKLOG_BUCKET, backlogInstance, useBacklogEmulator } from "../support/backlog-harness";
import { cosEvent, cosRecord, timerEvent } from "../support/events";

const BUCKET = BACKLOG_BUCKET;
const ZONE = { zoneId: "zone-emulator", domains: ["www.example.com"] };
const FILES = 6;
const useEmulator = useBacklogEmulator();
let emulator: Emulator;
beforeEach(() => {
  emulator = useEmulator();
  // Tasks end at once, so that a drain can confirm what the previous one sent.
  emulator.configure({ tasks: { processingMs: 0 } });
});

/** Real time, `aheadMs` in the future: the drains after the faults run "later", as the timer's would. */
const later = (aheadMs: number) => ({
  now: () => Date.now() + aheadMs,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
});

function instance(
  mode: "direct" | "queue",
  clock?: ReturnType<typeof later>,
  extra: Record<string, string> = {},
) {
  const settings = {
    PURGE_API_TIMEOUT_MS: "1000",
    PURGE_MAX_ATTEMPTS: "3",
    PURGE_MODE: mode,
    PURGE_WINDOW_MS: "200",
    ...extra,
  };
  const { invoke } = backlogInstance(emulator, settings, clock);
  return invoke;
}

const records = () => Array.from({ length: FILES }, (_, i) => cosRecord({ key: `f-${i}.png` }));
const PLANNED = Array.from({ length: FILES }, (_, i) => `https://www.example.com/f-${i}.png`);

/** How often each URL was accepted by a successful purge call. */
function acceptedCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of emulator.calls()) {
    if (call.action !== "CreatePurgeTask" || call.error !== null) continue;
    for (const target of call.params.Targets as string[]) counts.set(target, (counts.get(target) ?? 0) + 1);
  }
  return counts;
}

const backlogKeys = (folder: string) =>
  emulator.objects(BUCKET).filter((object) => object.key.startsWith(`.cos-purge/${folder}/`));

/**
 * Timer drains, as the cron would fire them, until nothing is queued or unresolved. They run five
 * minutes "later": a call that was never answered is queued again only once its task has had two
 * minutes to show up in the provider's list (journal.ts).
 */
async function drainUntilEmpty(settings: Record<string, string> = {}): Promise<void> {
  const drain = instance("direct", later(5 * 60_000), settings);
  for (let round = 0; round < 6; round += 1) {
    const unresolved = backlogKeys("sent").filter((object) => !JSON.parse(object.body.toString()).taskId);
    if (backlogKeys("queue").length === 0 && unresolved.length === 0) return;
    await drain(timerEvent()).catch(() => undefined);
  }
}

/** The whole upload, as SCF delivers it: one event, retried by the platform when it ends in an Error. */
async function upload(invoke: (event: unknown) => Promise<Summary>, event: unknown) {
  const first = await invoke(event).then(
    () => "ok",
    (error: Error) => error.message,
  );
  emulator.configure({ faults: [] });
  if (first !== "ok") await invoke(event); // SCF's async retry, on the same warm instance
  return first;
}

interface Case {
  readonly faults: FaultInput[];
  /** Extra emulator config for the faulty phase (a small daily quota). */
  readonly quota?: number;
  /** Whether an invocation may end in an Error (the backlog itself could not be written). */
  readonly mayFail?: boolean;
}

const CASES: Record<string, Case> = {
  "rate limit": {
    faults: [{ action: "CreatePurgeTask", kind: "error", code: "RequestLimitExceeded", times: 4 }],
  },
  "HTTP 5xx": { faults: [{ action: "CreatePurgeTask", kind: "http", status: 503, times: 4 }] },
  "timeout (the call arrives late)": {
    faults: [{ action: "CreatePurgeTask", kind: "delay", delayMs: 1_300, times: 1 }],
  },
  "dropped connection": { faults: [{ action: "CreatePurgeTask", kind: "drop", times: 4 }] },
  "quota used up part-way": { faults: [], quota: 2 },
  "COS write failure": {
    faults: [{ service: "cos", action: "PutObject", kind: "http", status: 503, times: 12 }],
    quota: 2,
    mayFail: true,
  },
  "COS read failure": {
    faults: [
      { service: "cos", action: "GetObject", kind: "http", status: 503, times: 12 },
      { service: "cos", action: "GetBucket", kind: "http", status: 503, times: 12 },
    ],
    quota: 2,
    mayFail: true,
  },
  "drain killed between submit and delete": {
    faults: [{ service: "cos", action: "DeleteObject", kind: "http", status: 503 }],
    mayFail: true,
  },
  // Settled entries leave in DELETE Multiple Objects requests: the request failing whole, and COS
  // refusing some of its keys (cos:DeleteObject is checked per key, 436/8289).
  "COS batch delete failure": {
    faults: [{ service: "cos", action: "DeleteMultipleObjects", kind: "http", status: 503 }],
    mayFail: true,
  },
  "COS batch delete refusing some keys": {
    faults: [{ service: "cos", action: "DeleteObject", kind: "error", code: "AccessDenied", times: 3 }],
    mayFail: true,
  },
};

function configure(testCase: Case) {
  emulator.configure({
    zones: [{ ...ZONE, quota: { purge_url: { daily: testCase.quota ?? 10_000 } } }],
    faults: testCase.faults,
  });
}

/** Lifts the quota limit, as the next day would. */
function nextDay() {
  emulator.configure({ zones: [{ ...ZONE, quota: { purge_url: { daily: 10_000 } } }], faults: [] });
}

function expectConserved() {
  const counts = acceptedCounts();
  expect(backlogKeys("queue")).toEqual([]);
  expect(PLANNED.map((url) => [url, counts.get(url) ?? 0])).toEqual(PLANNED.map((url) => [url, 1]));
}

describe("fault matrix: each planned target purged exactly once, in the backlog, or failed for good", () => {
  for (const [name, testCase] of Object.entries(CASES)) {
    it(`${name}, in an invocation purging at once`, async () => {
      configure(testCase);
      const outcome = await upload(instance("direct"), cosEvent(...records()));
      if (!testCase.mayFail) expect(outcome).toBe("ok");
      nextDay();
      await drainUntilEmpty();
      expectConserved();
    });

    it(`${name}, in invocations that queue (one file each)`, async () => {
      configure(testCase);
      const invoke = instance("queue");
      const outcomes = await Promise.all(records().map((record) => upload(invoke, cosEvent(record))));
      if (!testCase.mayFail) expect(outcomes.every((outcome) => outcome === "ok")).toBe(true);
      nextDay();
      await drainUntilEmpty();
      expectConserved();
    });

    it(`${name}, in a drain`, async () => {
      // Everything waits in the backlog first: today's quota is spent.
      emulator.configure({ zones: [{ ...ZONE, quota: { purge_url: { daily: 0 } } }] });
      await instance("direct")(cosEvent(...records()));
      expect(backlogKeys("queue")).toHaveLength(1);
      configure({ ...testCase, quota: testCase.quota ?? 10_000 });
      await instance("direct")(timerEvent()).catch(() => undefined);
      nextDay();
      await drainUntilEmpty();
      expectConserved();
    });
  }

  it("a batch delete that leaves some settled entries in COS: the next drain removes them, purging nothing again", async () => {
    emulator.configure({ zones: [{ ...ZONE, quota: { purge_url: { daily: 0 } } }] });
    const invoke = instance("direct");
    for (const record of records()) await invoke(cosEvent(record));
    expect(backlogKeys("queue")).toHaveLength(FILES);
    nextDay();
    emulator.configure({
      faults: [{ service: "cos", action: "DeleteObject", kind: "error", code: "AccessDenied", times: 2 }],
    });

    await instance("direct")(timerEvent()).catch(() => undefined);
    const settling = emulator
      .calls()
      .filter((call) => call.action === "DeleteMultipleObjects" && call.params.Objects === FILES);
    expect(settling.map((call) => call.response)).toEqual([{ Deleted: FILES - 2, Errors: 2 }]);
    expect(backlogKeys("queue")).toHaveLength(2);

    emulator.configure({ faults: [] });
    await drainUntilEmpty();
    expectConserved();
  });

  it("a single failed task in a drain: its one target is purged again, the others once", async () => {
    emulator.configure({ zones: [{ ...ZONE, quota: { purge_url: { daily: 0 } } }] });
    await instance("direct")(cosEvent(...records()));
    nextDay();
    emulator.configure({ tasks: { processingMs: 0, failTargets: ["/f-3.png"] } });
    await instance("direct")(timerEvent());
    emulator.configure({ tasks: { processingMs: 0, failTargets: [] } });
    await drainUntilEmpty();
    await instance("direct", later(5 * 60_000))(timerEvent()); // confirms the last submission
    const counts = acceptedCounts();
    expect(backlogKeys("queue")).toEqual([]);
    expect(PLANNED.map((url) => [url, counts.get(url) ?? 0])).toEqual(
      PLANNED.map((url) => [url, url.endsWith("/f-3.png") ? 2 : 1]),
    );
  });

  for (const [name, fault] of Object.entries({
    "timeout (the call arrives late)": CASES["timeout (the call arrives late)"],
    // One case keeps the file within its time: a dropped connection takes the same path (unanswered).
  })) {
    it(`collapse on, ${name}, in a drain: each URL purged once, by its folder`, async () => {
      const settings = { PURGE_COLLAPSE_MIN_FILES: "3" };
      const folder = "https://www.example.com/d/";
      const urls = Array.from({ length: FILES }, (_, i) => `${folder}f-${i}.png`);
      emulator.configure({ zones: [{ ...ZONE, quota: { purge_url: { daily: 0 } } }] });
      await instance("direct")(cosEvent(...urls.map((_, i) => cosRecord({ key: `d/f-${i}.png` }))));
      configure({ faults: fault?.faults ?? [] });
      await instance("direct", undefined, settings)(timerEvent()).catch(() => undefined);
      nextDay();
      await drainUntilEmpty(settings);
      const counts = acceptedCounts();
      const byFolder = counts.get(folder) ?? 0;
      expect(backlogKeys("queue")).toEqual([]);
      expect(byFolder).toBe(1);
      expect(urls.map((url) => [url, (counts.get(url) ?? 0) + byFolder])).toEqual(
        urls.map((url) => [url, 1]),
      );
    });
  }

  it("two drains at once: one drains, the other finds the lease taken; nothing twice", async () => {
    emulator.configure({ zones: [{ ...ZONE, quota: { purge_url: { daily: 0 } } }] });
    await instance("direct")(cosEvent(...records()));
    nextDay();
    const [a, b] = await Promise.all([instance("direct")(timerEvent()), instance("direct")(timerEvent())]);
    expect([a.drain?.status, b.drain?.status].sort()).toEqual(["busy", "drained"]);
    await drainUntilEmpty();
    expectConserved();
  });
});
