/**
 * How the built CLI (dist/cli.js) behaves as a Unix tool: help, usage errors and exit codes, stdin,
 * a closed pipe and a full disk, progress on a terminal only, and PURGE_LOG_LEVEL=debug.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { CLI, cli, emulatorEnv, eventFile, sh, shellEnv } from "../support/cli";
import { cosEvent, cosRecord } from "../support/events";

const COMMANDS = ["purge", "quota", "tasks", "plan", "invoke", "emulator", "demo"];
const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
const node = `${quote(process.execPath)} ${quote(CLI)}`;
const hasScript = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset({ config: true }));

describe("--help", () => {
  it.each(COMMANDS)(
    "%s --help prints usage, examples or options, and the exit codes, and exits 0",
    async (name) => {
      const { stdout, code } = await cli([name, "--help"], shellEnv({}));

      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: cos-purge ${name}`));
      expect(stdout).toContain("Options:");
      expect(stdout).toContain("Exit codes:");
      expect(stdout).toContain("3  credentials or permission");
    },
  );

  it("demo --help does not run the demo", async () => {
    const { stdout } = await cli(["demo", "-h"], shellEnv({}));
    expect(stdout).not.toContain("Emulator listening");
  });
});

describe("demo", () => {
  it("runs against its embedded emulator alone, backlog included, and --json prints each sample", async () => {
    const { stdout, code } = await cli(["demo", "--json"], shellEnv({}));

    expect(code).toBe(0);
    const samples = JSON.parse(stdout) as { summary: { failed: number }; calls: { service: string }[] }[];
    expect(samples).toHaveLength(4);
    expect(samples.map((sample) => sample.summary.failed)).toEqual([0, 0, 0, 0]);
    // The burst went through the backlog in the emulator's COS.
    expect(samples[3]?.calls.some((call) => call.service === "cos")).toBe(true);
  });
});

describe("usage errors (exit 2), naming the flag", () => {
  it.each([
    [["plan", "--evnt", "x.json"], "unknown option --evnt"],
    [["purge", "--json=yes", "a.png"], "--json takes no value"],
    [["invoke", "--event"], "--event needs a value (FILE)"],
    [["invoke", "--event", "--json"], "--event needs a value (FILE) (got the option --json"],
    [["invoke", "--event", "e.json", "--timeout-ms", "-5"], "--timeout-ms -5: expected whole milliseconds"],
    [["emulator", "--port", "-1"], '--port "-1": expected an integer from 0 to 65535'],
    [["quota", "extra"], 'unexpected argument "extra"'],
    [["purge"], "no key or URL to purge"],
  ])("%j", async (args, message) => {
    const { stdout, stderr, code } = await cli(
      args,
      shellEnv({ ZoneId: "zone-a", eoDomains: "www.example.com" }),
    );

    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(message);
    expect(stderr).not.toContain("    at ");
  });
});

describe("events", () => {
  const env = shellEnv({ ZoneId: "zone-a", eoDomains: "www.example.com" });

  it("--event - reads the event from stdin", async () => {
    const input = JSON.stringify(cosEvent(cosRecord({ key: "stdin.png" })));
    const { stdout, code } = await cli(["plan", "--event", "-"], env, { input });

    expect(code).toBe(0);
    expect(JSON.parse(stdout).targets[0].target).toBe("https://www.example.com/stdin.png");
  });

  it("reads an event file that starts with a UTF-8 byte-order mark", async () => {
    const file = eventFile(null, `\uFEFF${JSON.stringify(cosEvent(cosRecord({ key: "bom.png" })))}`);
    const { stdout, code } = await cli(["plan", "--event", file], env);

    expect(code).toBe(0);
    expect(JSON.parse(stdout).targets).toHaveLength(1);
  });

  it("calls a null event null, with exit 2", async () => {
    const { stderr, code } = await cli(["plan", "--event", "-"], env, { input: "null" });

    expect(code).toBe(2);
    expect(stderr).toContain("cos-purge plan: event is null;");
  });
});

describe("output to a closed pipe or a full disk", () => {
  const many = cosEvent(
    ...Array.from({ length: 3000 }, (_, index) => cosRecord({ key: `many/${index}.png` })),
  );

  it("ends quietly when the reader closes the pipe early", async () => {
    const file = eventFile(many);
    const env = shellEnv({ ZoneId: "zone-a", eoDomains: "www.example.com" });
    // bash's PIPESTATUS gives the CLI's own status, not head's.
    const { stdout, stderr, code } = await sh(
      `bash -c ${quote(`${node} plan --event ${quote(file)} | head -c100; exit \${PIPESTATUS[0]}`)}`,
      env,
    );

    expect(stdout).toHaveLength(100);
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("says in one line that the disk is full, and exits 1", async () => {
    const file = eventFile(many);
    const { stderr, code } = await sh(
      `${node} plan --event ${quote(file)} > /dev/full`,
      shellEnv({ ZoneId: "zone-a", eoDomains: "www.example.com" }),
    );

    expect(code).toBe(1);
    expect(stderr.trim()).toBe("cos-purge: cannot write the output: no space left on the device (ENOSPC).");
  });
});

describe("progress", () => {
  const slow = () => {
    // Seven URLs, two per request, each request 30 ms: long enough to draw the line a few times.
    emulator.configure({
      latencyMs: 30,
      zones: [
        {
          zoneId: "zone-emulator",
          domains: ["www.example.com"],
          quota: { purge_url: { batch: 2, daily: 100 } },
        },
      ],
    });
    return ["a", "b", "c", "d", "e", "f", "g"].map((key) => `${key}.png`).join(" ");
  };

  it.skipIf(!hasScript)("is drawn on a terminal: counts, rate and ETA", async () => {
    const keys = slow();
    // script(1) runs the CLI on a pseudo-terminal, as a user's shell would.
    const { stdout, code } = await sh(
      `script -qec ${quote(`${node} purge ${keys}`)} /dev/null`,
      emulatorEnv(emulator),
    );

    expect(code).toBe(0);
    expect(stdout).toContain("\r\x1b[Kpurging  0/7 URLs");
    expect(stdout).toMatch(/purging {2}\d\/7 URLs {2}[\d.]+\/s {2}ETA \d+s/);
    expect(stdout).toContain("Purged 7 of 7 URLs");
  });

  it("is not written when stderr is a pipe", async () => {
    const keys = slow();
    const { stderr, code } = await sh(`${node} purge ${keys}`, emulatorEnv(emulator));

    expect(code).toBe(0);
    expect(stderr).toBe("");
  });
});

describe("PURGE_LOG_LEVEL", () => {
  it("debug adds one JSON line per API request, with level, msg and the request id", async () => {
    const { stderr, code } = await cli(
      ["purge", "a.png"],
      emulatorEnv(emulator, { PURGE_LOG_LEVEL: "debug" }),
    );

    expect(code).toBe(0);
    const lines = stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const requests = lines.filter((line) => line.msg === "api request");
    expect(requests.map((line) => line.action)).toEqual(["DescribeContentQuota", "CreatePurgeTask"]);
    expect(requests[1]).toMatchObject({
      level: "debug",
      requestId: expect.stringMatching(/^cli-/),
      provider: "edgeone",
      scope: "zone-emulator",
      type: "purge_url",
      targets: 1,
      attempt: 1,
      latencyMs: expect.any(Number),
      apiRequestId: emulator.calls()[1]?.requestId,
      outcome: "ok",
    });
  });

  it("warn leaves out the debug and info lines", async () => {
    const { stderr, code } = await cli(
      ["purge", "a.png"],
      emulatorEnv(emulator, { PURGE_LOG_LEVEL: "warn" }),
    );

    expect(code).toBe(0);
    expect(stderr).toBe("");
  });
});
