/**
 * Domain settings that look almost right, through the built function: refused at cold start naming the
 * variable, with nothing sent; `localhost` (for tests against an emulator) purges, with one warning.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, expect, it, vi } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { coldStart, EMULATOR_CREDENTIALS } from "../support/built-function";
import { cosEvent, cosRecord } from "../support/events";

const run = promisify(execFile);
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

/** main_handler in a fresh `node`, as SCF runs it: what it printed, and the message it rejected with. */
async function scfInvocation(settings: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "cos-purge-settings-"));
  copyFileSync(resolve(__dirname, "../../dist/index.js"), join(dir, "index.js"));
  const event = JSON.stringify(cosEvent(cosRecord({ key: "a.png" })));
  const script = `require("./index.js").main_handler(${event}, { request_id: "r-1", time_limit_in_ms: 5000 })
    .then(() => console.error("RESOLVED"), (error) => console.error("REJECTED " + error.name + ": " + error.message));`;
  const { stdout, stderr } = await run(process.execPath, ["-e", script], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      TEO_ENDPOINT: emulator.url,
      CDN_ENDPOINT: emulator.url,
      ...EMULATOR_CREDENTIALS,
      ...settings,
    },
  });
  return {
    logs: stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line)),
    outcome: stderr,
  };
}

it.each([
  [
    { ZoneId: "zone-emulator", eoDomains: "https:/www.example.com" },
    "eoDomains",
    'write "https://" before the host',
  ],
  [{ ZoneId: "zone-emulator", eoDomains: "http//www.example.com" }, "eoDomains", "the scheme has no colon"],
  [{ cdnHosts: "cdn" }, "cdnHosts", '"cdn" is a single label'],
  [{ cdnHosts: "cdn.example.com/static%zz" }, "cdnHosts", 'holds "%zz", which is no escape'],
  [
    { ZoneId: "zone-emulator", eoDomains: "www.example.com", ZoneId_blog: "zone-blog" },
    "ZoneId_blog",
    "no eoDomains_blog holds this zone's domains",
  ],
])("refuses %j at cold start, naming %s, and sends nothing", async (settings, variable, problem) => {
  const { logs, outcome } = await scfInvocation(settings);

  expect(emulator.calls()).toEqual([]);
  expect(outcome).toMatch(/^REJECTED ConfigError: /);
  const value = Object.entries(settings).find(([name]) => name === variable)?.[1];
  expect(outcome).toContain(`${variable}=${JSON.stringify(value)}: `);
  expect(outcome).toContain(problem);
  expect(logs).toEqual([
    expect.objectContaining({
      level: "error",
      msg: "configuration rejected",
      error: expect.objectContaining({ message: expect.stringContaining(problem) }),
    }),
  ]);
});

it("purges a localhost domain, warning once per instance that it is not public", async () => {
  emulator.configure({ zones: [{ zoneId: "zone-emulator", domains: ["localhost"] }] });
  const logs: string[] = [];
  const handler = coldStart().createHandler({
    env: {
      ZoneId: "zone-emulator",
      eoDomains: "localhost",
      TEO_ENDPOINT: emulator.url,
      ...EMULATOR_CREDENTIALS,
      // Two invocations back to back are a burst to PURGE_MODE=auto, which would queue the second.
      PURGE_MODE: "direct",
    },
    write: (line) => logs.push(line),
  });
  await handler(cosEvent(cosRecord({ key: "a.png" })), { time_limit_in_ms: 5_000 });
  await handler(cosEvent(cosRecord({ key: "b.png" })), { time_limit_in_ms: 5_000 });

  const purged = emulator.calls().filter((call) => call.action === "CreatePurgeTask");
  expect(purged.map((call) => [call.params.Targets, call.error])).toEqual([
    [["https://localhost/a.png"], null],
    [["https://localhost/b.png"], null],
  ]);
  expect(logs.map((line) => JSON.parse(line)).filter((line) => line.level === "warn")).toEqual([
    {
      level: "warn",
      msg: "configuration warning",
      variable: "eoDomains",
      warning: expect.stringContaining("https://localhost is not a public domain"),
    },
  ]);
});
