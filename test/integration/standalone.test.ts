/**
 * dist/index.js as SCF runs it: copied alone into an empty folder (no node_modules anywhere above it),
 * loaded by a fresh `node`, and invoked through `main_handler`.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { EMULATOR_CREDENTIALS } from "../support/built-function";
import { cosEvent, cosRecord } from "../support/events";

const run = promisify(execFile);
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

it("runs from a folder holding only index.js, and purges on EdgeOne and CDN", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cos-purge-scf-"));
  copyFileSync(resolve(__dirname, "../../dist/index.js"), join(dir, "index.js"));
  copyFileSync(resolve(__dirname, "../../dist/cos-sdk.js"), join(dir, "cos-sdk.js"));
  const event = JSON.stringify(cosEvent(cosRecord({ key: "img/新 图.png" })));
  const script = `require("./index.js").main_handler(${event}, { request_id: "r-1", time_limit_in_ms: 5000 })
    .then((summary) => console.log(JSON.stringify(summary)), (error) => { console.error(error); process.exit(1); });`;

  const { stdout } = await run(process.execPath, ["-e", script], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      NODE_PATH: "",
      ZoneId: "zone-emulator",
      eoDomains: "www.example.com",
      cdnHosts: "cdn.example.com",
      TEO_ENDPOINT: emulator.url,
      CDN_ENDPOINT: emulator.url,
      ...EMULATOR_CREDENTIALS,
    },
  });

  const summary = JSON.parse(stdout.trim().split("\n").pop() ?? "");
  expect(summary).toMatchObject({ requestId: "r-1", purged: 2, failed: 0 });
  const purges = emulator
    .calls()
    .filter((call) => call.error === null && /Purge(Task|UrlsCache)$/.test(call.action));
  expect(purges.map((call) => call.action).sort()).toEqual(["CreatePurgeTask", "PurgeUrlsCache"]);
});
