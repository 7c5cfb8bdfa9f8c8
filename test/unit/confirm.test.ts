/**
 * Every outcome of confirming a sent record, as a table: the record, what the task lookup found, and
 * how old the record is → what leaves the queue, what goes back to it, and whether the record stays.
 */
import { describe, expect, it } from "vitest";
import type { SentRecord } from "../../src/backlog/entries";
import { type Decision, decideConfirmation, type Lookup } from "../../src/drain/confirm";
import type { TaskRecord } from "../../src/foundation/model";

/** Whole seconds, so that "within the same second" in the rows below is what it says. */
const SENT_AT = 1_800_000_000_000;
const MINUTE = 60_000;
const [A, B] = ["https://www.example.com/a.js", "https://www.example.com/b.js"];
const FOLDER = "https://www.example.com/assets/";
const [F1, F2] = [`${FOLDER}1.js`, `${FOLDER}2.js`];

const record = (fields: Partial<SentRecord> = {}): SentRecord => ({
  provider: "edgeone",
  scope: "zone-1",
  targets: [A, B],
  covers: [A, B],
  entryKeys: ["queue/1"],
  createdAt: SENT_AT,
  ...fields,
});
const answered = (fields: Partial<SentRecord> = {}) => record({ taskId: "job-1", ...fields });
const unanswered = (fields: Partial<SentRecord> = {}) => record({ requeueIfMissing: true, ...fields });

const task = (target: string, status: TaskRecord["status"], createdAt = SENT_AT + 300): TaskRecord => ({
  taskId: "job-1",
  target,
  type: "purge_url",
  status,
  createdAt,
  ...(status === "failed" ? { failType: "originPullFailed" } : {}),
});
const found = (...tasks: TaskRecord[]): Lookup => ({ kind: "found", tasks });
const lookupFailed: Lookup = { kind: "unknown", code: "InternalError" };

/** The decision in one comparable line per part. */
function outline(decision: Decision) {
  return {
    apply: decision.apply ?? "none",
    requeue: decision.requeue.map(
      ({ reason, targets, tries }) => `${reason} ${targets.join(" ")} tries ${tries}`,
    ),
    keep:
      decision.keep === undefined
        ? "dropped"
        : `${decision.keep.targets.join(" ")}${decision.keep.applied ? " (applied)" : ""}`,
    confirmed: decision.confirmed,
  };
}

interface Row {
  readonly record: SentRecord;
  readonly lookup: Lookup;
  readonly ageMs: number;
  readonly expected: ReturnType<typeof outline>;
}

const ROWS: Record<string, Row> = {
  "a task that succeeded: its covers leave the queue, the record goes": {
    record: answered(),
    lookup: found(task(A, "success"), task(B, "success")),
    ageMs: MINUTE,
    expected: { apply: [A, B], requeue: [], keep: "dropped", confirmed: true },
  },
  "an applied record whose task succeeded: nothing is applied twice": {
    record: answered({ applied: true }),
    lookup: found(task(A, "success"), task(B, "success")),
    ageMs: MINUTE,
    expected: { apply: "none", requeue: [], keep: "dropped", confirmed: true },
  },
  "a single failed task among two: its one target is queued again, with a try counted": {
    record: answered({ applied: true }),
    lookup: found(task(A, "success"), task(B, "failed")),
    ageMs: MINUTE,
    expected: {
      apply: "none",
      requeue: [`TaskOriginPullFailed ${B} tries 1`],
      keep: "dropped",
      confirmed: false,
    },
  },
  "a task failing again: the tries of its entries go on counting": {
    record: answered({ applied: true, tries: 4, firstDeferredAt: SENT_AT - 90 * MINUTE }),
    lookup: found(task(A, "timeout"), task(B, "timeout")),
    ageMs: MINUTE,
    expected: {
      apply: "none",
      requeue: [`TaskTimeout ${A} ${B} tries 5`],
      keep: "dropped",
      confirmed: false,
    },
  },
  "a task still running: the record stays, its covers applied": {
    record: answered(),
    lookup: found(task(A, "processing"), task(B, "success")),
    ageMs: MINUTE,
    expected: { apply: [A, B], requeue: [], keep: `${A} ${B} (applied)`, confirmed: false },
  },
  "a task running for over an hour: no longer followed": {
    record: answered({ applied: true }),
    lookup: found(task(A, "processing"), task(B, "processing")),
    ageMs: 61 * MINUTE,
    expected: { apply: "none", requeue: [], keep: "dropped", confirmed: true },
  },
  "a failed prefetch: warned, never queued again": {
    record: answered({ type: "prefetch_url", applied: true }),
    lookup: found(task(A, "failed"), task(B, "success")),
    ageMs: MINUTE,
    expected: { apply: "none", requeue: [], keep: "dropped", confirmed: true },
  },
  "a lookup that failed, recently: kept, and a recorded task's covers applied": {
    record: answered(),
    lookup: lookupFailed,
    ageMs: MINUTE,
    expected: { apply: [A, B], requeue: [], keep: `${A} ${B} (applied)`, confirmed: false },
  },
  "a lookup that failed for an hour, an invocation's unanswered call: queued rather than dropped": {
    record: unanswered(),
    lookup: lookupFailed,
    ageMs: 61 * MINUTE,
    expected: {
      apply: "none",
      requeue: [`OutcomeUnknown ${A} ${B} tries 0`],
      keep: "dropped",
      confirmed: false,
    },
  },
  "no task id, a target not listed yet: kept, nothing applied": {
    record: record(),
    lookup: found(task(A, "success")),
    ageMs: MINUTE,
    expected: { apply: "none", requeue: [], keep: `${A} ${B}`, confirmed: false },
  },
  "no task id, a drain's call found in part after two minutes: only what was found leaves the queue": {
    record: record(),
    lookup: found(task(A, "success")),
    ageMs: 3 * MINUTE,
    expected: { apply: [A], requeue: [], keep: "dropped", confirmed: true },
  },
  "no task id, nothing found: a drain's entries still hold the targets": {
    record: record(),
    lookup: found(),
    ageMs: 3 * MINUTE,
    expected: { apply: "none", requeue: [], keep: "dropped", confirmed: false },
  },
  "an invocation's call found in part, its task running: the missing target is queued once, the record kept without it":
    {
      record: unanswered(),
      lookup: found(task(A, "processing")),
      ageMs: 3 * MINUTE,
      expected: {
        apply: [A],
        requeue: [`OutcomeUnknown ${B} tries 0`],
        keep: `${A} (applied)`,
        confirmed: false,
      },
    },
  "a folder record found in part: its covers stay queued, to be sent again whole": {
    record: record({ type: "purge_prefix", targets: [FOLDER, `${FOLDER}x/`], covers: [F1, F2] }),
    lookup: found({ ...task(FOLDER, "success"), type: "purge_prefix" }),
    ageMs: 3 * MINUTE,
    expected: { apply: "none", requeue: [], keep: "dropped", confirmed: true },
  },
  "a folder record found whole: every URL it covers leaves the queue": {
    record: record({ type: "purge_prefix", targets: [FOLDER], covers: [F1, F2] }),
    lookup: found({ ...task(FOLDER, "success"), type: "purge_prefix" }),
    ageMs: 3 * MINUTE,
    expected: { apply: [F1, F2], requeue: [], keep: "dropped", confirmed: true },
  },
  "an older task for the same URL (an earlier upload) never stands in for an unanswered call": {
    record: unanswered({ targets: [A], covers: [A] }),
    // 2.5 s before the call: listed by a query from 2 s before it (whole seconds), but not this call's.
    lookup: found(task(A, "success", SENT_AT - 2_500)),
    ageMs: 3 * MINUTE,
    expected: { apply: "none", requeue: [`OutcomeUnknown ${A} tries 0`], keep: "dropped", confirmed: false },
  },
  "a task stamped up to 2 s before the call (the provider's clock behind ours) is the call's": {
    record: unanswered({ targets: [A], covers: [A] }),
    lookup: found(task(A, "success", SENT_AT - 1_500)),
    ageMs: 3 * MINUTE,
    expected: { apply: [A], requeue: [], keep: "dropped", confirmed: true },
  },
  "matched by time, an earlier call's failed task within the skew does not decide for this call's": {
    record: unanswered({ targets: [A], covers: [A] }),
    // Listed newest first, as the providers do.
    lookup: found(task(A, "success", SENT_AT + 200), task(A, "failed", SENT_AT - 1_000)),
    ageMs: 3 * MINUTE,
    expected: { apply: [A], requeue: [], keep: "dropped", confirmed: true },
  },
  "a task id names the task: its time is not checked": {
    record: answered({ targets: [A], covers: [A] }),
    lookup: found(task(A, "failed", SENT_AT - 10 * MINUTE)),
    ageMs: MINUTE,
    expected: {
      apply: [A],
      requeue: [`TaskOriginPullFailed ${A} tries 1`],
      keep: "dropped",
      confirmed: false,
    },
  },
};

describe("decideConfirmation", () => {
  for (const [name, row] of Object.entries(ROWS)) {
    it(name, () => {
      const decision = decideConfirmation(row.record, row.lookup, SENT_AT + row.ageMs, "CreatePurgeTask");
      expect(outline(decision)).toEqual(row.expected);
    });
  }

  it("queues targets again with the first deferral of the entries they came from", () => {
    const firstDeferredAt = SENT_AT - 5 * 3_600_000;
    const decision = decideConfirmation(
      answered({ applied: true, tries: 2, firstDeferredAt }),
      found(task(A, "failed")),
      SENT_AT + MINUTE,
      "CreatePurgeTask",
    );
    expect(decision.requeue).toEqual([
      {
        targets: [A],
        reason: "TaskOriginPullFailed",
        message: "CreatePurgeTask task job-1 ended failed (originPullFailed)",
        tries: 3,
        firstDeferredAt,
      },
    ]);
  });

  it("an invocation's record, once narrowed, never queues its missing target a second time", () => {
    const first = decideConfirmation(unanswered(), found(task(A, "processing")), SENT_AT + 3 * MINUTE, "x");
    const kept = first.keep as SentRecord;
    const second = decideConfirmation(kept, found(task(A, "processing")), SENT_AT + 4 * MINUTE, "x");
    expect(second.requeue).toEqual([]);
    expect(second.keep?.targets).toEqual([A]);
  });
});
