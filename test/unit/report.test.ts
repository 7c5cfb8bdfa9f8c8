import { describe, expect, it } from "vitest";
import type { PlannedTarget } from "../../src/model";
import { type SummaryInput, summarize } from "../../src/report/report";

const target = (url: string, spellings?: PlannedTarget["spellings"]): PlannedTarget => ({
  provider: "edgeone",
  scope: "zone-aaa",
  url,
  keys: ["k"],
  ...(spellings === undefined ? {} : { spellings }),
});

const input = (planned: PlannedTarget[], dryRun = false): SummaryInput => ({
  requestId: "req",
  event: { source: "cos", records: 1, changes: [], skipped: [], rejected: [] },
  skipped: [],
  planned,
  alreadyPurged: 0,
  delivery: {
    route: "direct",
    execution: { purged: [], failures: [], jobs: [], quota: [], apiCalls: 0 },
    deferred: [],
    failures: [],
  },
  dryRun,
  durationMs: 1,
});

const planned = [
  target("https://h/a%7Cb.png", ["chromium", "requests", "component", "rfc3986"]),
  target("https://h/a|b.png", ["whatwg", "webkit"]),
  target("https://h/from-elsewhere.png"),
];

describe("summarize", () => {
  it("counts the planned URLs of each spelling, leaving out spellings no URL is", () => {
    expect(summarize(input(planned)).spellings).toEqual({
      chromium: 1,
      whatwg: 1,
      webkit: 1,
      requests: 1,
      component: 1,
      rfc3986: 1,
    });
    expect(summarize(input(planned.slice(1))).spellings).toEqual({ whatwg: 1, webkit: 1 });
  });

  it("lists each target with its spellings in a dry run only", () => {
    expect(summarize(input(planned)).targets).toBeUndefined();
    expect(summarize(input(planned, true)).targets).toEqual([
      { url: "https://h/a%7Cb.png", spellings: ["chromium", "requests", "component", "rfc3986"] },
      { url: "https://h/a|b.png", spellings: ["whatwg", "webkit"] },
      { url: "https://h/from-elsewhere.png", spellings: [] },
    ]);
  });
});
