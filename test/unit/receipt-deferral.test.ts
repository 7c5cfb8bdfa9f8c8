/**
 * Reading a receipt's refusals, and which failures wait in the backlog: the two decisions that, got
 * wrong, either report a refused URL as purged or keep a URL waiting for ever.
 */
import { describe, expect, it } from "vitest";
import { isDeferrable, partitionFailures } from "../../src/backlog/deferral";
import { readReceipt } from "../../src/execute/receipt";
import type { Failure } from "../../src/foundation/model";

const LANE = { provider: "edgeone", scope: "zone-1" } as const;

describe("readReceipt", () => {
  it("refuses every submitted spelling a decoded refusal matches, not only the first", () => {
    // Two spellings of one key (upper- and raw), refused in a third (lower-case escapes).
    const upper = "https://www.example.com/%E4%B8%AD.png";
    const raw = "https://www.example.com/中.png";
    const other = "https://www.example.com/b.png";
    const read = readReceipt(LANE, "CreatePurgeTask", [upper, raw, other], {
      requestId: "r",
      taskId: "t",
      failed: [{ reason: "InvalidParameter.Target", targets: ["https://www.example.com/%e4%b8%ad.png"] }],
    });
    expect(read.purged).toEqual([other]);
    expect(read.failures.map((f) => [f.code, f.targets])).toEqual([
      ["InvalidParameter.Target", [upper, raw]],
    ]);
    expect(read.unmatched).toEqual([]);
  });

  it("an exact refusal refuses that spelling alone", () => {
    const upper = "https://www.example.com/%E4%B8%AD.png";
    const raw = "https://www.example.com/中.png";
    const read = readReceipt(LANE, "CreatePurgeTask", [upper, raw], {
      requestId: "r",
      taskId: "t",
      failed: [{ reason: "InvalidParameter.Target", targets: [raw] }],
    });
    expect(read.purged).toEqual([upper]);
  });
});

describe("which failures wait in the backlog", () => {
  const failure = (fields: Pick<Failure, "class" | "code">): Failure => ({
    ...LANE,
    ...fields,
    message: fields.code,
    hint: "",
    targets: ["https://www.example.com/a.png"],
  });

  it.each([
    ["quota", "LimitExceeded.DailyQuota", true],
    ["quota", "LimitExceeded.CdnPurgeUrlExceedDayLimit", true],
    // "Too many in one request" is no quota that refills: one URL deferred for it would wait for ever.
    ["quota", "LimitExceeded.BatchQuota", false],
    ["quota", "LimitExceeded.CdnPurgeUrlExceedBatchLimit", false],
    ["retry", "InternalError", true],
    ["unknown", "OutcomeUnknown", true],
    ["deadline", "DeadlineReached", true],
    ["fatal", "UnauthorizedOperation.NoPermission", false],
    ["rejected", "InvalidParameter.Target", false],
  ] as const)("%s %s waits: %s", (errorClass, code, waits) => {
    expect(isDeferrable(failure({ class: errorClass, code }))).toBe(waits);
    const { defer, failed } = partitionFailures([failure({ class: errorClass, code })]);
    expect([defer.length, failed.length]).toEqual(waits ? [1, 0] : [0, 1]);
  });
});
