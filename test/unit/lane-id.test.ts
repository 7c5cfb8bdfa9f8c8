/**
 * One lane id (issue 16): a lane that leaves `purge_url` implicit and one that names it are the same
 * lane wherever lanes are keyed: the plan's lanes, the quota book, the CLI's plan output.
 */
import { describe, expect, it } from "vitest";
import { describePlan } from "../../src/cli/plan-output";
import { QuotaBook } from "../../src/execute/quota";
import { laneOf } from "../../src/foundation/lane";
import type { PlannedTarget } from "../../src/foundation/model";
import { toLanes } from "../../src/plan/plan";
import { FakeClock } from "../support/fake-clock";

const target = (url: string, type?: PlannedTarget["type"]): PlannedTarget => ({
  provider: "edgeone",
  scope: "zone-1",
  ...(type ? { type } : {}),
  url,
  keys: [],
});

describe("the lane id", () => {
  it("is the same for an implicit and an explicit purge_url lane, and differs per type", () => {
    expect(laneOf({ provider: "cdn", scope: "" })).toBe(
      laneOf({ provider: "cdn", scope: "", type: "purge_url" }),
    );
    expect(laneOf({ provider: "cdn", scope: "" })).not.toBe(
      laneOf({ provider: "cdn", scope: "", type: "purge_prefix" }),
    );
  });

  it("groups targets with and without an explicit purge_url into one lane", () => {
    const lanes = toLanes([
      target("https://a/1"),
      target("https://a/2", "purge_url"),
      target("https://a/", "purge_prefix"),
    ]);
    expect(lanes.map((lane) => lane.targets)).toEqual([["https://a/1", "https://a/2"], ["https://a/"]]);
  });

  it("lets the quota book find a quota recorded under the other spelling of the same lane", () => {
    const book = new QuotaBook(new FakeClock());
    book.record(
      { provider: "edgeone", scope: "zone-1", type: "purge_url" },
      { batch: 7, daily: 9, dailyAvailable: 8 },
    );
    expect(book.known({ provider: "edgeone", scope: "zone-1" })?.batch).toBe(7);
    expect(book.known({ provider: "edgeone", scope: "zone-1", type: "purge_prefix" })).toBeUndefined();
  });

  it("puts the CLI's dry-run requests of one lane together whichever spelling its targets use", () => {
    const plan = describePlan([target("https://a/1"), target("https://a/2", "purge_url")], []);
    expect(plan.requests).toEqual([
      expect.objectContaining({ type: "purge_url", targets: ["https://a/1", "https://a/2"] }),
    ]);
  });
});
