import { describe, expect, it } from "vitest";
import type { PlannedTarget, RejectedRecord } from "../../src/foundation/model";
import { describeRejected, type SummaryInput, summarize } from "../../src/report/report";

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

const rejected = (record: string, field: string, problem: string): RejectedRecord => ({
  record,
  field,
  value: undefined,
  problem,
});

describe("describeRejected", () => {
  it("counts rejections by field and problem, without record numbers, values or what is accepted", () => {
    const digest = describeRejected([
      rejected("0", "Records[0].event.eventName", "missing; expected cos:ObjectCreated:*"),
      rejected("7", "Records[7].event.eventName", "missing; expected cos:ObjectCreated:*"),
      rejected("8", "Records[8].cos.cosObject.key", 'starts with "1" but cos.cosBucket.appid is "2"'),
      rejected("9", "Records[9].cos.cosObject.key", 'starts with "3" but cos.cosBucket.appid is [[[…]]]'),
      rejected("3/1", "Records[3].Ckafka.msgBody", "not JSON (Unexpected token } in JSON at position 9)"),
      rejected("4", "Records[4].Ckafka.msgBody", 'expected a COS event {"Records": [...]}'),
    ]);

    expect(digest).toEqual({
      count: 6,
      kinds: {
        "Records[].event.eventName: missing": 2,
        'Records[].cos.cosObject.key: starts with "…" but cos.cosBucket.appid is "…"': 1,
        'Records[].cos.cosObject.key: starts with "…" but cos.cosBucket.appid is': 1,
        "Records[].Ckafka.msgBody: not JSON": 1,
        "Records[].Ckafka.msgBody: expected a COS event": 1,
      },
      samples: [
        expect.objectContaining({ record: "0" }),
        expect.objectContaining({ record: "7" }),
        expect.objectContaining({ record: "8" }),
      ],
    });
  });

  it("counts kinds beyond the first 20 as other", () => {
    const many = Array.from({ length: 30 }, (_, i) => rejected(String(i), `Records[${i}].f${i}`, "missing"));
    const { kinds } = describeRejected(many);

    expect(Object.keys(kinds)).toHaveLength(21);
    expect(kinds.other).toBe(10);
  });
});
