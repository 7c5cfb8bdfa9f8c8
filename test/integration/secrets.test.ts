/**
 * No credential reaches any output. Every credential variable holds a recognisable value; the built
 * function (in-process with its own environment, and as SCF runs it, from process.env in a fresh
 * `node`) and the built CLI go through every failure path that can quote one: a configuration error,
 * the API refusing the keys, a quota warning, a token no HTTP header can carry. Then everything printed,
 * thrown and returned is searched for every value and every 16-character piece of one.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type CallRecord, type Emulator, startEmulator } from "../../src/emulator";
import type { Summary } from "../../src/report/report";
import { coldStart } from "../support/built-function";
import { cosEvent, cosRecord } from "../support/events";

const run = promisify(execFile);
const DIST = resolve(__dirname, "../../dist");

const SECRET_ID = "SECRETID-CANARY-h5Tg1Rk6Yd0Fs3Ja8Wq";
const SECRET_KEY = "SECRETKEY-CANARY-q7Wz3Lm9Px2Vb8Nc4Ur";
const TOKEN = "SESSIONTOKEN-CANARY-u2Xe7Qw4Zo9Hi1Pl6Mn";
/** node-fetch refuses both in a header, quoting the whole value in its message. */
const TOKEN_WITH_LINE_BREAK = "SESSIONTOKEN-CANARY-k3Jd8Fh2Gs5La9Zx\nSESSIONTOKEN-CANARY-p0Oi9Uy8Tr7Ew6Qa";
const TOKEN_NOT_LATIN1 = "SESSIONTOKEN-CANARY-b4Nm7Vc1Xz€SESSIONTOKEN-CANARY-r5Ty6Ui3Op";

/** The credential variables the function reads, and the SDK's own spellings, which a user may set too. */
const CREDENTIALS = {
  TENCENTCLOUD_SECRETID: SECRET_ID,
  TENCENTCLOUD_SECRETKEY: SECRET_KEY,
  TENCENTCLOUD_SESSIONTOKEN: TOKEN,
  TENCENTCLOUD_SECRET_ID: "SDK-SECRET-ID-CANARY-w8Ee2Rr4Tt6Yy0",
  TENCENTCLOUD_SECRET_KEY: "SDK-SECRET-KEY-CANARY-a1Ss3Dd5Ff7Gg9",
  TENCENTCLOUD_SESSION_TOKEN: "SDK-SESSION-TOKEN-CANARY-z2Xx4Cc6Vv8",
};
const CANARIES = [...Object.values(CREDENTIALS), TOKEN_WITH_LINE_BREAK, TOKEN_NOT_LATIN1];

/** Every 16-character run of every piece of every canary (pieces: split where a message may split them). */
const FRAGMENTS = [
  ...new Set(
    CANARIES.flatMap((canary) =>
      canary
        .split(/[^\x21-\x7e]+/)
        .flatMap((piece) => Array.from({ length: piece.length - 15 }, (_, at) => piece.slice(at, at + 16))),
    ),
  ),
];

/** The fragments of a credential found in `output`: none, or the test fails naming them. */
const leaksIn = (output: string): string[] => FRAGMENTS.filter((fragment) => output.includes(fragment));

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());
beforeEach(() => {
  vi.stubEnv("http_proxy", undefined);
  emulator.reset({ config: true });
  vi.stubEnv("ZoneId", "zone-emulator");
  vi.stubEnv("eoDomains", "www.example.com");
});

/** The emulator, told to accept the canary keys. */
const acceptCanaryKeys = () =>
  emulator.configure({ credentials: [{ secretId: SECRET_ID, secretKey: SECRET_KEY }] });

interface Scenario {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly prepare?: () => void;
  /** What the emulator received and what the invocation ended with, beyond "no secret in it". */
  readonly check: (
    calls: CallRecord[],
    result: { error?: Error & { summary?: Summary }; output: string },
  ) => void;
}

const purges = (calls: CallRecord[]) => calls.filter((call) => call.action === "CreatePurgeTask");

const SCENARIOS: Scenario[] = [
  {
    name: "the API refuses the keys",
    env: {},
    check: (calls, { error }) => {
      expect(calls.map((call) => call.error)).toEqual([
        "AuthFailure.SecretIdNotFound",
        "AuthFailure.SecretIdNotFound",
      ]);
      expect(error?.message).toContain("AuthFailure.SecretIdNotFound");
    },
  },
  {
    name: "the role may not read the quota (a warning), then the purge succeeds",
    env: {},
    prepare: () => {
      acceptCanaryKeys();
      emulator.configure({
        faults: [
          { action: "DescribeContentQuota", kind: "error", code: "UnauthorizedOperation.CamUnauthorized" },
        ],
      });
    },
    check: (calls, { error, output }) => {
      expect(error).toBeUndefined();
      expect(purges(calls).map((call) => call.error)).toEqual([null]);
      expect(output).toContain("purge quota unknown");
    },
  },
  ...[
    ["a line break", TOKEN_WITH_LINE_BREAK],
    ["a character outside Latin-1", TOKEN_NOT_LATIN1],
  ].map(
    ([flaw, token]): Scenario => ({
      name: `the session token holds ${flaw}`,
      env: { TENCENTCLOUD_SESSIONTOKEN: token as string },
      prepare: acceptCanaryKeys,
      check: (calls, { error }) => {
        // Caught before the SDK: nothing sent, nothing retried, a credentials error naming the variable.
        expect(calls).toEqual([]);
        expect(error?.summary?.failures).toEqual([
          expect.objectContaining({
            code: "InvalidCredentials.SessionToken",
            class: "fatal",
            hint: expect.stringContaining("Set TENCENTCLOUD_SESSIONTOKEN again"),
          }),
        ]);
        expect(error?.message).toContain(`TENCENTCLOUD_SESSIONTOKEN holds a`);
      },
    }),
  ),
  {
    name: "the SecretKey is pasted into ZoneId",
    env: { ZoneId: SECRET_KEY },
    check: (calls, { error }) => {
      expect(calls).toEqual([]);
      expect(error?.name).toBe("ConfigError");
      expect(error?.message).toContain('ZoneId="***": not an EdgeOne zone id');
    },
  },
  {
    name: "the session token is pasted into eoDomains",
    env: { eoDomains: `${TOKEN}?` },
    check: (calls, { error }) => {
      expect(calls).toEqual([]);
      expect(error?.name).toBe("ConfigError");
      expect(error?.message).toContain('eoDomains="***?"');
    },
  },
];

const settings = () => ({
  ZoneId: "zone-emulator",
  eoDomains: "www.example.com",
  TEO_ENDPOINT: emulator.url,
  COS_ENDPOINT: emulator.url,
  PURGE_API_TIMEOUT_MS: "1000",
  ...CREDENTIALS,
});
const event = () => cosEvent(cosRecord({ key: "a.png" }));

describe.each(SCENARIOS)("when $name", (scenario) => {
  it("the handler given its environment prints, throws and returns no credential", async () => {
    scenario.prepare?.();
    const logs: string[] = [];
    let error: (Error & { summary?: Summary }) | undefined;
    let returned: Summary | undefined;
    try {
      const handler = coldStart().createHandler({
        env: { ...settings(), ...scenario.env },
        write: (line) => logs.push(line),
      });
      returned = await handler(event(), { request_id: "r-1", time_limit_in_ms: 10_000 });
    } catch (thrown) {
      error = thrown as Error & { summary?: Summary };
    }
    const output = [
      ...logs,
      error?.message,
      error?.stack,
      JSON.stringify(error?.summary),
      JSON.stringify(returned),
    ]
      .filter(Boolean)
      .join("\n");

    scenario.check(emulator.calls(), { ...(error ? { error } : {}), output });
    expect(leaksIn(output)).toEqual([]);
  });

  it("main_handler in a fresh node, reading process.env as on SCF, prints and throws no credential", async () => {
    scenario.prepare?.();
    const dir = mkdtempSync(join(tmpdir(), "cos-purge-secrets-"));
    copyFileSync(join(DIST, "index.js"), join(dir, "index.js"));
    const script = `require("./index.js").main_handler(${JSON.stringify(event())}, { request_id: "r-1", time_limit_in_ms: 10000 })
      .then((summary) => console.log(JSON.stringify(summary)),
        (error) => { console.error(error.stack); console.error(JSON.stringify(error)); process.exitCode = 1; });`;
    const result = await run(process.execPath, ["-e", script], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...settings(), ...scenario.env },
    }).then(
      ({ stdout, stderr }) => ({ stdout, stderr, failed: false }),
      (failed: { stdout: string; stderr: string }) => ({ ...failed, failed: true }),
    );
    const output = `${result.stdout}\n${result.stderr}`;

    expect(result.failed).toBe(scenario.name !== SCENARIOS[1]?.name);
    expect(leaksIn(output)).toEqual([]);
  });
});

describe("the CLI", () => {
  const cli = async (args: string[], env: Record<string, string>) => {
    const cwd = mkdtempSync(join(tmpdir(), "cos-purge-secrets-cli-"));
    const file = join(cwd, "event.json");
    writeFileSync(file, JSON.stringify(event()));
    const argv = args.map((arg) => (arg === "EVENT" ? file : arg));
    return run(process.execPath, [join(DIST, "cli.js"), ...argv], {
      cwd,
      env: { PATH: process.env.PATH, ...settings(), ...env },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, output: `${stdout}\n${stderr}` }),
      (failed: { stdout: string; stderr: string; code: number }) => ({
        code: failed.code,
        output: `${failed.stdout}\n${failed.stderr}`,
      }),
    );
  };

  it.each([
    ["plan", ["plan", "--event", "EVENT"], {}, "succeeds"],
    [
      "plan with the SecretKey pasted into ZoneId",
      ["plan", "--event", "EVENT"],
      { ZoneId: SECRET_KEY },
      "fails",
    ],
    ["invoke refused by the API", ["invoke", "--event", "EVENT"], {}, "fails"],
    [
      "invoke with a token holding a line break",
      ["invoke", "--event", "EVENT"],
      { TENCENTCLOUD_SESSIONTOKEN: TOKEN_WITH_LINE_BREAK },
      "fails",
    ],
    [
      "invoke with the token pasted into eoDomains",
      ["invoke", "--event", "EVENT"],
      { eoDomains: `${TOKEN}?` },
      "fails",
    ],
    ["purge refused by the API", ["purge", "img/a.png"], {}, "fails"],
    [
      "purge with a token holding a non-Latin-1 character",
      ["purge", "img/a.png"],
      { TENCENTCLOUD_SESSIONTOKEN: TOKEN_NOT_LATIN1 },
      "fails",
    ],
    ["quota refused by the API", ["quota"], {}, "fails"],
    [
      "quota with a token holding a line break",
      ["quota"],
      { TENCENTCLOUD_SESSIONTOKEN: TOKEN_WITH_LINE_BREAK },
      "fails",
    ],
    ["tasks refused by the API", ["tasks"], {}, "fails"],
    [
      "backlog drain with a token holding a line break",
      ["backlog", "drain"],
      {
        TENCENTCLOUD_SESSIONTOKEN: TOKEN_WITH_LINE_BREAK,
        PURGE_BACKLOG_BUCKET: "examplebucket-1250000000",
        PURGE_BACKLOG_REGION: "ap-guangzhou",
      },
      "fails",
    ],
    // Its exit code is not the point here (the demo's backlog write to COS may fail: not a credential).
    ["demo", ["demo"], {}, "either way"],
  ] as const)("%s prints no credential", async (_, args, env, outcome) => {
    const result = await cli([...args], env);

    // The CLI's exit codes are its own (1, 2, 3...): only success or failure matters here.
    if (outcome === "succeeds") expect(result.code).toBe(0);
    if (outcome === "fails") expect(result.code).not.toBe(0);
    expect(leaksIn(result.output)).toEqual([]);
  });
});
