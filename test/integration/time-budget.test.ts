/**
 * How much time an invocation takes from SCF's `context`: `time_limit_in_ms`, else
 * `getRemainingTimeInMillis()`, else 60 s. Driven through the built function against the emulator.
 */
import { beforeEach, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator";
import type { ScfContext } from "../../src/handler";
import type { Summary } from "../../src/report/report";
import { coldStart, EMULATOR_CREDENTIALS } from "../support/built-function";
import { useEmulator } from "../support/emulator-harness";
import { cosEvent, cosRecord } from "../support/events";

let emulator: Emulator;
let logs: string[];

const currentEmulator = useEmulator();
beforeEach(() => {
  emulator = currentEmulator();
  logs = [];
});

function invoke(context: ScfContext, settings: Record<string, string> = {}): Promise<Summary> {
  const env = {
    ZoneId: "zone-emulator",
    eoDomains: "www.example.com",
    TEO_ENDPOINT: emulator.url,
    COS_ENDPOINT: emulator.url,
    ...EMULATOR_CREDENTIALS,
    PURGE_MODE: "direct",
    ...settings,
  };
  const handler = coldStart().createHandler({ env, write: (line) => logs.push(line) });
  return handler(cosEvent(cosRecord({ key: "a.png" })), context);
}

const purgeCalls = () => emulator.calls().filter((call) => call.action === "CreatePurgeTask");
const callsMade = () => emulator.calls().map((call) => `${call.service} ${call.action}`);

it("sends nothing when a context with only getRemainingTimeInMillis() says 1.2 s are left", async () => {
  const summary = await invoke({ request_id: "r-1", getRemainingTimeInMillis: () => 1_200 });

  // 1.2 s less the 0.5 s kept for the summary leaves less than the 1 s a call needs: the URL waits in
  // the backlog (the calls made are that write, to the emulator's COS, after the backlog bucket's
  // versioning check) instead of being purged.
  expect(callsMade()).toEqual(["cos GetBucketVersioning", "cos PutObject"]);
  expect(summary).toMatchObject({ purged: 0, deferred: 1, failed: 0, apiCalls: 0 });
  expect(summary.deferrals).toEqual([expect.objectContaining({ reason: "DeadlineReached", count: 1 })]);
  const summaryLine = JSON.parse(logs.find((line) => line.includes('"purge summary"')) ?? "{}");
  expect(summaryLine).toMatchObject({ requestId: "r-1", purged: 0, deferred: 1 });
});

it("cuts a slow call at the deadline getRemainingTimeInMillis() implies, not at a 60 s budget", async () => {
  emulator.configure({ faults: [{ action: "CreatePurgeTask", kind: "delay", delayMs: 8_000 }] });
  const started = Date.now();
  const summary = await invoke(
    { request_id: "r-2", getRemainingTimeInMillis: () => 2_500 },
    { PURGE_API_TIMEOUT_MS: "5000" },
  );

  // Deadline: 2.5 s less 0.5 s. The quota was read, then one purge call was made and abandoned at the
  // deadline (the emulator records a call when it answers, 8 s later), no retry was started, and the
  // URL waits in the backlog as its outcome is unknown.
  // Under the 5 s API timeout that a 60 s budget would have let the call run to (the backlog write after
  // the deadline adds a little, more on a loaded machine).
  expect(Date.now() - started).toBeLessThan(4_000);
  expect(callsMade()).toEqual(["teo DescribeContentQuota", "cos GetBucketVersioning", "cos PutObject"]);
  expect(summary).toMatchObject({ apiCalls: 2, purged: 0, deferred: 1 });
  expect(summary.deferrals).toEqual([expect.objectContaining({ reason: "OutcomeUnknown" })]);
});

it("prefers time_limit_in_ms when the context has both", async () => {
  const summary = await invoke({
    request_id: "r-3",
    time_limit_in_ms: 10_000,
    getRemainingTimeInMillis: () => 1_200,
  });

  expect(purgeCalls().map((call) => call.params.Targets)).toEqual([["https://www.example.com/a.png"]]);
  expect(summary).toMatchObject({ purged: 1, failed: 0 });
});
