import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseEvent } from "../../src/plan/events";
import { ckafkaEvent, cosEvent, cosRecord } from "../support/events";

const purgeAll = { purgeOn: ["created", "removed"] as const };

/** Valid records, records with one field replaced by anything, and plain junk. */
const record = fc.oneof(
  fc.string({ minLength: 1 }).map((key) => cosRecord({ key })),
  fc
    .tuple(fc.string({ minLength: 1 }), fc.constantFrom("key", "eventName", "appid", "cos"), fc.anything())
    .map(([key, field, value]) => {
      const broken = cosRecord({ key });
      if (field === "key") broken.cos.cosObject.key = value;
      else if (field === "eventName") broken.event.eventName = value;
      else if (field === "appid") broken.cos.cosBucket.appid = value;
      else (broken as { cos: unknown }).cos = value;
      return broken;
    }),
  fc.anything(),
);

describe("parseEvent, for any records", () => {
  it("never throws, and puts every record in exactly one of changes, skipped and rejected", () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), (records) => {
        const parsed = parseEvent(cosEvent(...records), purgeAll);
        expect(parsed.changes.length + parsed.skipped.length + parsed.rejected.length).toBe(records.length);
        const ids = [...parsed.changes, ...parsed.skipped, ...parsed.rejected].map(
          (outcome) => outcome.record,
        );
        expect(new Set(ids).size).toBe(records.length);
      }),
    );
  });

  it("reads CKafka messages as it reads the COS events inside them", () => {
    fc.assert(
      fc.property(fc.array(fc.array(record, { maxLength: 4 }), { maxLength: 4 }), (messages) => {
        const events = messages.map((records) => cosEvent(...records));
        const wrapped = parseEvent(ckafkaEvent(...events), purgeAll);
        // Through JSON, as CKafka carries them: undefined fields vanish, -0 becomes 0...
        const direct = events.map((event) => parseEvent(JSON.parse(JSON.stringify(event)), purgeAll));
        expect(wrapped.changes.map((change) => change.key)).toEqual(
          direct.flatMap((p) => p.changes.map((c) => c.key)),
        );
        expect(wrapped.records).toBe(direct.reduce((sum, p) => sum + p.records, 0));
      }),
    );
  });
});
