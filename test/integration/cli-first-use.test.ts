/**
 * The operator's side as a new user finds it (issue 14): help that matches what the commands do, exit
 * codes that a script can trust, and mistakes refused with a usage error before any call. The built
 * CLI (dist/cli.js) against the emulator; assertions on what the emulator received.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { cli, emulatorEnv, eventFile } from "../support/cli";
import { cosEvent, cosRecord } from "../support/events";

const BUCKET = "examplebucket-1250000000";
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset({ config: true, cos: true }));

const purgeCalls = () => emulator.calls().filter((call) => call.action === "CreatePurgeTask");
const withBacklog = (settings: Record<string, string> = {}) =>
  emulatorEnv(emulator, {
    COS_ENDPOINT: emulator.url,
    PURGE_BACKLOG_BUCKET: BUCKET,
    PURGE_BACKLOG_REGION: "ap-guangzhou",
    ...settings,
  });

describe("--help", () => {
  it("purge names the six spellings, not two", async () => {
    const { stdout } = await cli(["purge", "--help"], emulatorEnv(emulator));
    expect(stdout).not.toContain("both URL spellings");
    expect(stdout).toContain("up to six");
  });

  it("demo counts its four samples and shows examples", async () => {
    const { stdout } = await cli(["demo", "--help"], emulatorEnv(emulator));
    expect(stdout).not.toContain("three sample events");
    expect(stdout).toContain("four samples");
    expect(stdout).toMatch(/Examples:\n {2}cos-purge demo\n/);
  });

  it("emulator says it serves COS too, and how to point the backlog at it", async () => {
    const { stdout } = await cli(["emulator", "--help"], emulatorEnv(emulator));
    expect(stdout).toContain("COS XML API");
    expect(stdout).toContain("COS_ENDPOINT");
    expect((await cli(["--help"], emulatorEnv(emulator))).stdout).toContain("EdgeOne/CDN/COS");
  });

  it("the exit codes include output that could not be written", async () => {
    const { stdout } = await cli(["tasks", "--help"], emulatorEnv(emulator));
    expect(stdout).toMatch(/1 {2}not done:[\s\S]*or the output could not be written\n {2}2/);
  });
});

describe("cos-purge invoke", () => {
  it("exits 1 when targets were only deferred to the backlog, 0 once everything is purged", async () => {
    emulator.configure({
      zones: [{ zoneId: "zone-emulator", domains: ["www.example.com"], quota: { purge_url: { daily: 1 } } }],
    });
    const event = eventFile(cosEvent(cosRecord({ key: "a.png" }), cosRecord({ key: "b.png" })));
    const deferred = await cli(["invoke", "--event", event], withBacklog({ PURGE_MODE: "direct" }));

    expect(deferred.code).toBe(1);
    expect(JSON.parse(deferred.stdout)).toMatchObject({ purged: 1, deferred: 1, failed: 0 });
    expect(purgeCalls().filter((call) => call.error === null)).toHaveLength(1);

    emulator.reset({ config: true, cos: true });
    const done = await cli(["invoke", "--event", event], withBacklog({ PURGE_MODE: "direct" }));
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ purged: 2, deferred: 0 });
  });

  it("warns at cold start of a domain listed in two zones", async () => {
    const event = eventFile(cosEvent(cosRecord({ key: "a.png" })));
    const { stderr } = await cli(
      ["invoke", "--event", event],
      emulatorEnv(emulator, { ZoneId_1: "zone-other", eoDomains_1: "www.example.com" }),
    );
    const warning = stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line))
      .find((line) => line.msg === "configuration warning");
    expect(warning).toMatchObject({ level: "warn", variable: "eoDomains_1" });
    expect(warning.warning).toContain("www.example.com is in 2 zones");
  });
});

describe("mistakes on the command line", () => {
  it("tasks --job with an id no zone knows is an error (exit 1), not an empty list", async () => {
    const { stdout, stderr, code } = await cli(["tasks", "--job", "no-such-job"], emulatorEnv(emulator));

    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain('no task with id "no-such-job"');
    expect(emulator.calls().filter((call) => call.action === "DescribePurgeTasks")).not.toEqual([]);
  });

  it.each([[[""]], [["   "]], [["/"]]])(
    "purge %j is a usage error (exit 2) before any call",
    async (args) => {
      const { stderr, code } = await cli(["purge", ...args], emulatorEnv(emulator));

      expect(code).toBe(2);
      expect(stderr).toContain("an empty key");
      expect(stderr).not.toContain("Records[");
      expect(emulator.calls()).toEqual([]);
    },
  );

  it("refuses an option that takes a value when it is given twice", async () => {
    const event = eventFile(cosEvent(cosRecord({ key: "a.png" })));
    const { stderr, code } = await cli(["invoke", "--event", event, "--event", event], emulatorEnv(emulator));

    expect(code).toBe(2);
    expect(stderr).toContain("--event is given twice");
    expect(emulator.calls()).toEqual([]);
  });

  it("refuses PURGE_INCLUDE with an unclosed bracket as a configuration error naming it", async () => {
    const { stderr, code } = await cli(
      ["purge", "a.png"],
      emulatorEnv(emulator, { PURGE_INCLUDE: "[invalid" }),
    );

    expect(code).toBe(2);
    expect(stderr).toContain('PURGE_INCLUDE="[invalid"');
    expect(stderr).toContain("Accepted: comma-separated globs");
    expect(emulator.calls()).toEqual([]);
  });
});

describe("cos-purge purge with a URL typed as read", () => {
  it("purges a URL holding a space as clients request it, never with the raw space", async () => {
    const { code } = await cli(["purge", "https://www.example.com/a b(1).png"], emulatorEnv(emulator));

    expect(code).toBe(0);
    const targets = purgeCalls().flatMap((call) => call.params.Targets as string[]);
    expect(targets.sort()).toEqual([
      "https://www.example.com/a%20b%281%29.png",
      "https://www.example.com/a%20b(1).png",
    ]);
  });

  it("keeps a URL a client could have sent exactly as given", async () => {
    await cli(["purge", "https://www.example.com/a%20b(1).png"], emulatorEnv(emulator));
    expect(purgeCalls().flatMap((call) => call.params.Targets as string[])).toEqual([
      "https://www.example.com/a%20b(1).png",
    ]);
  });

  it("refuses a path that mixes escapes with raw spaces, before any call", async () => {
    const { stderr, code } = await cli(
      ["purge", "https://www.example.com/a%20b c.png"],
      emulatorEnv(emulator),
    );

    expect(code).toBe(2);
    expect(stderr).toContain("mixes percent-escapes with raw characters");
    expect(emulator.calls()).toEqual([]);
  });
});

describe("counts in words", () => {
  it("says 1 submission awaits confirmation, not 1 submissions", async () => {
    emulator.configure({ tasks: { processingMs: 3_600_000 } });
    await cli(
      ["invoke", "--event", eventFile(cosEvent(cosRecord({ key: "a.png" })))],
      withBacklog({ PURGE_MODE: "queue", PURGE_WINDOW_MS: "200" }),
    );

    const { stdout } = await cli(["backlog"], withBacklog());
    expect(stdout).toContain("1 submission awaits confirmation by the next drain.");
  });
});
