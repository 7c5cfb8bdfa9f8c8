import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CosPurgeError } from "../../src/foundation/errors";
import type { ChangeKind } from "../../src/foundation/model";
import { EventError, parseEvent } from "../../src/plan/events";
import { type CosEventName, ckafkaEvent, cosEvent, cosRecord, timerEvent } from "../support/events";

const purgeAll = { purgeOn: ["created", "removed"] as ChangeKind[] };

/** The documentation's sample, kept in the repository (test/fixtures/README.md says where it came from). */
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const docSample: unknown = JSON.parse(
  readFileSync(join(repoRoot, "test/fixtures/cos-event-doc-sample.json"), "utf8"),
);

describe("parseEvent on COS trigger events", () => {
  it("reads the documentation's sample event", () => {
    expect(parseEvent(docSample, purgeAll)).toEqual({
      source: "cos",
      records: 1,
      changes: [
        {
          key: "testfile",
          kind: "created",
          eventName: "cos:ObjectCreated:*",
          bucket: "testpic-1253970026",
          region: "ap-chengdu",
          record: "0",
          version: "NWMxOWY4MGFfMjViMjU4NjRfMTUyMV8yNzhhZjM=",
          eventTime: 1_545_205_770_000,
        },
      ],
      skipped: [],
      rejected: [],
    });
  });

  it("reads every record of a delivery, in order", () => {
    const parsed = parseEvent(cosEvent(cosRecord({ key: "a.png" }), cosRecord({ key: "b/c.png" })), purgeAll);
    expect(parsed.changes.map(({ key, record }) => [key, record])).toEqual([
      ["a.png", "0"],
      ["b/c.png", "1"],
    ]);
  });

  it.each<CosEventName>([
    "cos:ObjectCreated:*",
    "cos:ObjectCreated:Put",
    "cos:ObjectCreated:Post",
    "cos:ObjectCreated:Copy",
    "cos:ObjectCreated:CompleteMultipartUpload",
    "cos:ObjectCreated:Origin",
    "cos:ObjectCreated:Replication",
  ])("reads %s as a created object", (event) => {
    expect(parseEvent(cosEvent(cosRecord({ key: "a.png", event })), purgeAll).changes[0]?.kind).toBe(
      "created",
    );
  });

  it.each<CosEventName>([
    "cos:ObjectRemove:*",
    "cos:ObjectRemove:Delete",
    "cos:ObjectRemove:DeleteMarkerCreated",
  ])("reads %s as a removed object", (event) => {
    const [change] = parseEvent(cosEvent(cosRecord({ key: "a.png", event })), purgeAll).changes;
    expect(change).toMatchObject({ kind: "removed", eventName: event });
  });

  it("skips restore events, whose restored copy has the content already cached", () => {
    const parsed = parseEvent(
      cosEvent(cosRecord({ key: "a.png", event: "cos:ObjectRestore:Completed" })),
      purgeAll,
    );
    expect(parsed.changes).toEqual([]);
    expect(parsed.skipped).toEqual([{ record: "0", key: "a.png", reason: expect.stringMatching(/restore/) }]);
  });

  it("skips the change kinds PURGE_EVENTS leaves out", () => {
    const event = cosEvent(
      cosRecord({ key: "a.png" }),
      cosRecord({ key: "b.png", event: "cos:ObjectRemove:Delete" }),
    );
    const parsed = parseEvent(event, { purgeOn: ["created"] });
    expect(parsed.changes.map((change) => change.key)).toEqual(["a.png"]);
    expect(parsed.skipped).toEqual([
      { record: "1", key: "b.png", reason: 'PURGE_EVENTS does not include "removed"' },
    ]);
  });

  it("skips folder markers", () => {
    const parsed = parseEvent(cosEvent(cosRecord({ key: "photos/2024/", size: 0 })), purgeAll);
    expect(parsed.skipped).toEqual([
      { record: "0", key: "photos/2024/", reason: expect.stringMatching(/folder/) },
    ]);
  });

  it.each(["图片/猫.png", "a b+c (1).png", "already%20encoded.png", "a?b#c.png", "line\nbreak", "/leading"])(
    "keeps the key %j exactly as stored",
    (key) => {
      expect(parseEvent(cosEvent(cosRecord({ key })), purgeAll).changes[0]?.key).toBe(key);
    },
  );

  it("does not depend on the url's host, which differs for accelerated and custom domains", () => {
    const record = cosRecord({ key: "a.png" });
    record.cos.cosObject.url = "https://static.example.com/a.png";
    expect(parseEvent(cosEvent(record), purgeAll).changes[0]?.key).toBe("a.png");
  });

  it("versions a change by its COS request id, else its version id, else its record", () => {
    const versioned = cosRecord({ key: "b.png", requestId: null });
    versioned.cos.cosObject.vid = "MTg0NDUxNzg4";
    const [byRequestId, byVid, byRecord] = parseEvent(
      cosEvent(
        cosRecord({ key: "a.png", requestId: "NWMx-1" }),
        versioned,
        cosRecord({ key: "c.png", requestId: null }),
      ),
      purgeAll,
    ).changes.map((change) => change.version);
    expect([byRequestId, byVid]).toEqual(["NWMx-1", "vid:MTg0NDUxNzg4"]);
    expect(byRecord).toMatch(/^record:[0-9a-f]{32}$/);
  });

  it("without a request id or version id, tells two uploads in one second apart, and a re-delivery not", () => {
    const first = cosRecord({ key: "a.png", requestId: null, eventTime: 1545205770 });
    const second = cosRecord({ key: "a.png", requestId: null, eventTime: 1545205770 });
    const versionOf = (record: unknown) => parseEvent(cosEvent(record), purgeAll).changes[0]?.version;

    expect(versionOf(second)).not.toBe(versionOf(first));
    expect(versionOf(JSON.parse(JSON.stringify(first)))).toBe(versionOf(first));
  });

  it("reads an empty delivery as no changes", () => {
    expect(parseEvent(cosEvent(), purgeAll)).toEqual({
      source: "cos",
      records: 0,
      changes: [],
      skipped: [],
      rejected: [],
    });
  });

  it("takes nothing from the event as configuration", () => {
    const removal = cosRecord({ key: "a.png", event: "cos:ObjectRemove:Delete" });
    const event = {
      ...cosEvent(removal),
      purgeOn: ["removed"],
      PURGE_EVENTS: "removed",
      eoDomains: "evil.example",
    };
    expect(parseEvent(event, { purgeOn: ["created"] })).toEqual(
      parseEvent(cosEvent(removal), { purgeOn: ["created"] }),
    );
    expect(parseEvent(event, { purgeOn: ["created"] }).changes).toEqual([]);
  });
});

describe("parseEvent on malformed records", () => {
  const broken = (change: (record: ReturnType<typeof cosRecord>) => void) => {
    const record = cosRecord({ key: "bad.png" });
    change(record);
    return record;
  };

  const stored = "/1250000000/examplebucket/bad.png";
  it.each([
    [
      "a missing event name",
      broken((r) => delete (r.event as { eventName?: unknown }).eventName),
      "event.eventName",
      undefined,
      /missing/,
    ],
    [
      "an unknown event name",
      broken((r) => (r.event.eventName = "cos:ObjectRemoved:Delete")),
      "event.eventName",
      "cos:ObjectRemoved:Delete",
      /unknown COS event.*cos:ObjectRemove:\*/,
    ],
    [
      "a key that is not a string",
      broken((r) => (r.cos.cosObject.key = 42)),
      "cos.cosObject.key",
      42,
      /not a string/,
    ],
    [
      "a key without /appid/bucket/",
      broken((r) => (r.cos.cosObject.key = "bad.png")),
      "cos.cosObject.key",
      "bad.png",
      /\/<appid>\/<bucket>\/<object key>/,
    ],
    [
      "a key of another appid",
      broken((r) => (r.cos.cosBucket.appid = "1259999999")),
      "cos.cosObject.key",
      stored,
      /cosBucket\.appid is "1259999999"/,
    ],
    [
      "a key of another bucket",
      broken((r) => (r.cos.cosBucket.name = "other")),
      "cos.cosObject.key",
      stored,
      /cosBucket\.name is "other"/,
    ],
    [
      "an empty key",
      broken((r) => (r.cos.cosObject.key = "/1250000000/examplebucket/")),
      "cos.cosObject.key",
      "/1250000000/examplebucket/",
      /no object key/,
    ],
    [
      "a missing cos object",
      broken((r) => delete (r as { cos?: unknown }).cos),
      "cos.cosObject.key",
      undefined,
      /missing/,
    ],
  ])("rejects %s and still returns the records beside it", (_, record, field, value, problem) => {
    const parsed = parseEvent(
      cosEvent(cosRecord({ key: "a.png" }), record, cosRecord({ key: "b.png" })),
      purgeAll,
    );
    expect(parsed.changes.map((change) => change.key)).toEqual(["a.png", "b.png"]);
    expect(parsed.rejected).toEqual([
      { record: "1", field: `Records[1].${field}`, value, problem: expect.stringMatching(problem) },
    ]);
    expect(parsed.records).toBe(3);
  });

  it("rejects a record that is not an object", () => {
    expect(parseEvent(cosEvent("oops"), purgeAll).rejected).toEqual([
      { record: "0", field: "Records[0]", value: "oops", problem: expect.stringMatching(/not an object/) },
    ]);
  });

  it("truncates a long value to about 200 characters", () => {
    const record = broken((r) => (r.cos.cosObject.key = "x".repeat(5000)));
    const value = parseEvent(cosEvent(record), purgeAll).rejected[0]?.value;
    expect(value).toMatch(/^x{200}… \(5000 chars\)$/);
  });

  it("quotes an object value as JSON cut to about 200 characters, however deep or wide", () => {
    let deep: unknown = [];
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    const wide = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`k${i}`, i]));
    const wideName = broken((r) => (r.event.eventName = wide));
    const values = parseEvent(cosEvent(deep, wideName), purgeAll).rejected.map((record) => record.value);

    expect(values[0]).toBe(`${"[".repeat(10)}[…]${"]".repeat(10)}`);
    expect(values[1]).toMatch(/^\{"k0":0,"k1":1,.{150,}… \(cut\)$/);
    expect(String(values[1]).length).toBeLessThan(220);
  });

  it("rejects a record whose reading throws anything, and reads the records beside it", () => {
    const cyclic = cosRecord({ key: "cyclic.png" });
    (cyclic.cos.cosBucket as Record<string, unknown>).appid = cyclic;
    const throwing = Object.defineProperty({}, "event", {
      enumerable: true,
      get() {
        throw new TypeError("no reading this");
      },
    });
    const parsed = parseEvent(cosEvent(cosRecord({ key: "a.png" }), cyclic, throwing), purgeAll);

    expect(parsed.changes.map((change) => change.key)).toEqual(["a.png"]);
    expect(parsed.rejected).toEqual([
      expect.objectContaining({
        record: "1",
        problem: expect.stringMatching(/cosBucket\.appid is \{"cos":/),
      }),
      {
        record: "2",
        field: "Records[2]",
        value: undefined,
        problem: "could not be read (TypeError: no reading this)",
      },
    ]);
  });

  it("does not mistake an inherited property for an event family", () => {
    const record = broken((r) => (r.event.eventName = "cos:constructor:Put"));
    expect(parseEvent(cosEvent(record), purgeAll).rejected[0]?.field).toBe("Records[0].event.eventName");
  });
});

describe("parseEvent on events that are not trigger events", () => {
  it.each([
    ["null", null, /event is null/],
    ["a string", "Records", /event is string/],
    ["an array", [cosRecord({ key: "a.png" })], /event is an array/],
    ["an object without Records", { records: [] }, /has no Records/],
    ["Records that is not an array", { Records: { 0: {} } }, /Records of type object/],
  ])("throws EventError for %s", (_, event, message) => {
    const error = (() => {
      try {
        parseEvent(event, purgeAll);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(EventError);
    expect(error).toBeInstanceOf(CosPurgeError);
    expect(error).toMatchObject({
      name: "EventError",
      code: "InvalidEvent",
      message: expect.stringMatching(message),
    });
  });
});

describe("parseEvent on CKafka trigger events", () => {
  it("reads the COS event in every message, numbering records message/record", () => {
    const event = ckafkaEvent(
      cosEvent(cosRecord({ key: "a.png" })),
      cosEvent(cosRecord({ key: "b.png" }), cosRecord({ key: "c/", size: 0 })),
    );
    const parsed = parseEvent(event, purgeAll);
    expect(parsed.source).toBe("ckafka");
    expect(parsed.changes.map(({ key, record }) => [key, record])).toEqual([
      ["a.png", "0/0"],
      ["b.png", "1/0"],
    ]);
    expect(parsed.skipped).toEqual([{ record: "1/1", key: "c/", reason: expect.any(String) }]);
    expect(parsed.records).toBe(3);
  });

  it.each([
    ["that is not JSON", "{not json", /not JSON/],
    ["that is not a COS event", JSON.stringify({ hello: "world" }), /expected a COS event/],
  ])("rejects only the message with a body %s", (_, body, problem) => {
    const parsed = parseEvent(ckafkaEvent(cosEvent(cosRecord({ key: "a.png" })), body), purgeAll);
    expect(parsed.changes.map((change) => change.key)).toEqual(["a.png"]);
    expect(parsed.rejected).toEqual([
      {
        record: "1",
        field: "Records[1].Ckafka.msgBody",
        value: body,
        problem: expect.stringMatching(problem),
      },
    ]);
  });

  it("rejects a message without a body", () => {
    const event = { Records: [{ Ckafka: { topic: "cos-events", offset: 7 } }] };
    expect(parseEvent(event, purgeAll).rejected[0]).toMatchObject({
      record: "0",
      field: "Records[0].Ckafka.msgBody",
    });
  });

  it("names the field of a malformed record inside a message", () => {
    const record = cosRecord({ key: "a.png", event: "cos:ObjectCreated:Put" });
    record.event.eventName = "nope";
    const parsed = parseEvent(ckafkaEvent(cosEvent(cosRecord({ key: "b.png" }), record)), purgeAll);
    expect(parsed.rejected).toEqual([
      {
        record: "0/1",
        field: "Records[0].Ckafka.msgBody.Records[1].event.eventName",
        value: "nope",
        problem: expect.stringMatching(/unknown COS event/),
      },
    ]);
  });
});

describe("parseEvent on timer events", () => {
  it("reads a timer event as nothing to purge", () => {
    expect(parseEvent(timerEvent("hourly"), purgeAll)).toEqual({
      source: "timer",
      records: 0,
      changes: [],
      skipped: [],
      rejected: [],
    });
  });
});
