/**
 * Records no COS trigger would send, delivered beside good ones, through the built function and CLI:
 * the good records must purge (asserted on what the emulator received) and what is printed must stay
 * bounded, whatever the shape or the number of the bad ones.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeEach, describe, expect, it } from "vitest";
import type { CallRecord, Emulator } from "../../src/emulator";
import type { Summary } from "../../src/report/report";
import { coldStart, EMULATOR_CREDENTIALS } from "../support/built-function";
import { useEmulator } from "../support/emulator-harness";
import { ckafkaEvent, cosEvent, cosRecord } from "../support/events";

const CLI = resolve(__dirname, "../../dist/cli.js");
const run = promisify(execFile);

let emulator: Emulator;
let logs: string[];

const currentEmulator = useEmulator();
beforeEach(() => {
  emulator = currentEmulator();
  logs = [];
});

function edgeone() {
  const env = {
    ZoneId: "zone-emulator",
    eoDomains: "www.example.com",
    TEO_ENDPOINT: emulator.url,
    PURGE_URL_SPELLINGS: "browser",
    ...EMULATOR_CREDENTIALS,
  };
  const handler = coldStart().createHandler({ env, write: (line) => logs.push(line) });
  return (event: unknown) => handler(event, { request_id: "req-test", time_limit_in_ms: 10_000 });
}

const purgeCalls = (): CallRecord[] => emulator.calls().filter((call) => call.action === "CreatePurgeTask");

async function failureOf(invocation: Promise<Summary>) {
  const error = await invocation.then(
    (summary) => {
      throw new Error(`expected the invocation to fail, got ${JSON.stringify(summary).slice(0, 500)}`);
    },
    (thrown: unknown) => thrown as Error & { summary: Summary },
  );
  expect(error).toBeInstanceOf(Error);
  return error;
}

/** `[[[…]]]`, `depth` arrays deep: 2 bytes of JSON per level, which `JSON.parse` reads and a recursive writer cannot. */
function nestedArray(depth: number): unknown {
  let value: unknown = [];
  for (let level = 1; level < depth; level += 1) value = [value];
  return value;
}
const nestedArrayJson = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

const batchOf = (count: number) =>
  Array.from({ length: count }, (_, i) => cosEvent(cosRecord({ key: `batch/${i}.png` })));
const batchUrls = (count: number) =>
  Array.from({ length: count }, (_, i) => `https://www.example.com/batch/${i}.png`);

describe("one record of any shape stops nothing beside it", () => {
  it("purges a CKafka batch of 50 messages delivered with a record that is an array nested 6,000 deep", async () => {
    const event = ckafkaEvent(...batchOf(50));
    event.Records.push(nestedArray(6_000));
    const error = await failureOf(edgeone()(event));

    expect(purgeCalls().map((call) => call.params.Targets)).toEqual([batchUrls(50)]);
    expect(error.summary).toMatchObject({ records: 51, purged: 50, failed: 0 });
    expect(error.summary.rejected).toEqual([
      expect.objectContaining({
        record: "50",
        field: "Records[50]",
        problem: expect.stringMatching(/not an object/),
      }),
    ]);
    expect(error.summary.rejected[0]?.value).toBe(`${"[".repeat(10)}[…]${"]".repeat(10)}`);
    expect(error.message).toContain("1 event record(s) could not be read");
    expect(logs.join("\n")).not.toMatch(/call stack/);
    expect(Math.max(...logs.map((line) => line.length))).toBeLessThan(8_000);
  });

  it("purges the other records of a CKafka message whose body holds such a record", async () => {
    const good = JSON.stringify(cosRecord({ key: "batch/0.png" }));
    const body = `{"Records":[${good},${nestedArrayJson(6_000)}]}`;
    const error = await failureOf(edgeone()(ckafkaEvent(body, ...batchOf(2).slice(1))));

    expect(purgeCalls().map((call) => call.params.Targets)).toEqual([batchUrls(2)]);
    expect(error.summary.rejected).toEqual([
      expect.objectContaining({ record: "0/1", field: "Records[0].Ckafka.msgBody.Records[1]" }),
    ]);
  });

  it("purges beside a record whose bucket appid is nested 6,000 deep", async () => {
    const bad = cosRecord({ key: "bad.png" });
    bad.cos.cosBucket.appid = nestedArray(6_000);
    const error = await failureOf(edgeone()(cosEvent(cosRecord({ key: "batch/0.png" }), bad)));

    expect(purgeCalls().map((call) => call.params.Targets)).toEqual([batchUrls(1)]);
    expect(error.summary.rejected).toEqual([
      expect.objectContaining({
        field: "Records[1].cos.cosObject.key",
        problem: expect.stringMatching(/cosBucket\.appid is \[\[\[/),
      }),
    ]);
  });

  it("cos-purge plan prints the plan of the good records of a 12 KB file holding such a record", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cos-purge-deep-"));
    const good = JSON.stringify(cosRecord({ key: "batch/0.png" }));
    const file = join(dir, "event.json");
    writeFileSync(file, `{"Records":[${good},${nestedArrayJson(6_000)}]}`);
    const { stdout, stderr } = await run(process.execPath, [CLI, "plan", "--event", file], {
      cwd: dir,
      env: { PATH: process.env.PATH, ZoneId: "zone-abc", eoDomains: "www.example.com" },
    });

    const plan = JSON.parse(stdout);
    expect(plan.targets.map((target: { target: string }) => target.target)).toEqual(batchUrls(1));
    expect(plan.skipped).toEqual([expect.objectContaining({ record: "1", field: "Records[1]" })]);
    expect(stderr).not.toMatch(/call stack/);
  });
});

describe("many records not purged", () => {
  it("counts 20,000 unreadable records in the Error and the summary, and logs them in one line", async () => {
    const unreadable = Array.from({ length: 20_000 }, () => ({}));
    const error = await failureOf(edgeone()(cosEvent(cosRecord({ key: "batch/0.png" }), ...unreadable)));

    expect(purgeCalls().map((call) => call.params.Targets)).toEqual([batchUrls(1)]);
    expect(error.message).toContain("20000 event record(s) could not be read");
    expect(error.message).toContain("And 19997 more unreadable records");
    expect(error.summary).toMatchObject({ records: 20_001, purged: 1, rejectedCount: 20_000 });
    expect(error.summary.rejected).toHaveLength(20);
    const lines = logs.map((line) => JSON.parse(line));
    expect(lines.filter((line) => /reject/.test(line.msg))).toEqual([
      {
        level: "error",
        msg: "event records rejected",
        requestId: "req-test",
        count: 20_000,
        kinds: { "Records[].event.eventName: missing": 20_000 },
        samples: [
          expect.objectContaining({ record: "1" }),
          expect.objectContaining({ record: "2" }),
          expect.objectContaining({ record: "3" }),
        ],
      },
    ]);
    expect(logs.join("\n").length).toBeLessThan(20_000);
  });

  it("counts the records skipped beyond the 20 it lists", async () => {
    const folders = Array.from({ length: 25 }, (_, i) => cosRecord({ key: `folder-${i}/` }));
    const summary = await edgeone()(cosEvent(cosRecord({ key: "batch/0.png" }), ...folders));

    expect(purgeCalls().map((call) => call.params.Targets)).toEqual([batchUrls(1)]);
    expect(summary).toMatchObject({ records: 26, purged: 1, skippedCount: 25, rejectedCount: 0 });
    expect(summary.skipped).toHaveLength(20);
  });
});
