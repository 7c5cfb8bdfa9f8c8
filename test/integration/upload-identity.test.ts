/**
 * What tells two uploads apart from a re-delivery of one (issue 13, row 13), on one warm instance of the
 * deployable bundle against the emulator: records without `x-cos-request-id` must still let SCF's retry
 * skip what was purged, and must never make a second upload of the same key, in the same second, pass
 * for the first.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { CallRecord, Emulator } from "../../src/emulator";
import { coldStart, EMULATOR_CREDENTIALS } from "../support/built-function";
import { useEmulator } from "../support/emulator-harness";
import { cosEvent, cosRecord } from "../support/events";

let emulator: Emulator;
const currentEmulator = useEmulator();
beforeEach(() => {
  emulator = currentEmulator();
});

/** One warm instance: the handler is built once and invoked again and again, as SCF does. */
function warmInstance(domains = "www.example.com") {
  const env = {
    TEO_ENDPOINT: emulator.url,
    COS_ENDPOINT: emulator.url,
    ...EMULATOR_CREDENTIALS,
    ZoneId: "zone-emulator",
    eoDomains: domains,
    PURGE_MODE: "direct",
  };
  const handler = coldStart().createHandler({ env, write: () => undefined });
  return (event: unknown) => handler(event, { request_id: "req-test", time_limit_in_ms: 10_000 });
}

const purgedTargets = (): unknown[] =>
  emulator
    .calls()
    .filter((call: CallRecord) => call.action === "CreatePurgeTask" && call.error === null)
    .map((call) => call.params.Targets);

const SECOND = 1_764_907_200;
/** An upload of `key` as COS reports it without a request id: its own `event.reqid`, `eventTime` in seconds. */
const upload = (key: string, vid = "") => {
  const record = cosRecord({ key, requestId: null, eventTime: SECOND });
  record.cos.cosObject.vid = vid;
  return record;
};

describe("uploads without x-cos-request-id", () => {
  it.each([
    ["no version id", ""],
    ["a version id", "v"],
  ])("a second upload of the same key in the same second is purged again (%s)", async (_, vid) => {
    const invoke = warmInstance();
    const first = await invoke(cosEvent(upload("a.png", vid && `${vid}1`)));
    const second = await invoke(cosEvent(upload("a.png", vid && `${vid}2`)));

    expect(first).toMatchObject({ purged: 1, alreadyPurged: 0 });
    expect(second).toMatchObject({ purged: 1, alreadyPurged: 0 });
    expect(purgedTargets()).toEqual([["https://www.example.com/a.png"], ["https://www.example.com/a.png"]]);
  });

  it.each([
    ["no version id", ""],
    ["a version id", "v1"],
  ])("SCF's retry of a failed delivery still skips what its first try purged (%s)", async (_, vid) => {
    const invoke = warmInstance("www.example.com static.example.com");
    emulator.configure({
      faults: [{ action: "CreatePurgeTask", kind: "error", code: "InvalidParameter.Target", times: 1 }],
      zones: [
        {
          zoneId: "zone-emulator",
          domains: ["www.example.com", "static.example.com"],
          quota: { purge_url: { batch: 1 } },
        },
      ],
    });
    const event = cosEvent(upload("a.png", vid));
    const redelivery = JSON.parse(JSON.stringify(event)); // SCF sends the same event again, not the object

    await expect(invoke(event)).rejects.toThrow();
    const retry = await invoke(redelivery);

    expect(retry).toMatchObject({ planned: 2, purged: 1, alreadyPurged: 1, failed: 0 });
    expect(purgedTargets()).toHaveLength(2); // one each: the first try's success and the retry's
  });
});
