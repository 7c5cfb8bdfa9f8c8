/**
 * The built CLI (dist/cli.js) as a user runs it: `plan`, `invoke`, `emulator`, with plain `node`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { EMULATOR_CREDENTIALS } from "../support/built-function";
import { CLI, eventFile, cli as runCli, shellEnv, workDir } from "../support/cli";
import { cosEvent, cosRecord } from "../support/events";

const cli = (args: string[], env: NodeJS.ProcessEnv, cwd = workDir) => runCli(args, env, { cwd });

describe("cos-purge plan", () => {
  it("prints only the plan as JSON on stdout, malformed records included, and calls nothing", async () => {
    const bad = cosRecord({ key: "broken.png" });
    bad.event.eventName = "cos:ObjectRemoved:Delete";
    const file = eventFile(
      cosEvent(cosRecord({ key: "docs/index.html" }), bad, cosRecord({ key: "folder/" })),
    );
    const { stdout, stderr, code } = await cli(
      ["plan", "--event", file],
      shellEnv({ ZoneId: "zone-abc", eoDomains: "www.example.com", cdnHosts: "cdn.example.com" }),
    );

    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    const spellings = ["chromium", "whatwg", "webkit", "requests", "component", "rfc3986"];
    expect(plan.targets).toEqual([
      {
        provider: "edgeone",
        zoneId: "zone-abc",
        type: "purge_url",
        target: "https://www.example.com/docs/index.html",
        spellings,
      },
      {
        provider: "edgeone",
        zoneId: "zone-abc",
        type: "purge_url",
        target: "https://www.example.com/docs/",
        spellings,
      },
      { provider: "cdn", type: "purge_url", target: "https://cdn.example.com/docs/index.html", spellings },
      { provider: "cdn", type: "purge_url", target: "https://cdn.example.com/docs/", spellings },
    ]);
    expect(plan.requests).toEqual([
      expect.objectContaining({ provider: "edgeone", action: "CreatePurgeTask", zoneId: "zone-abc" }),
      expect.objectContaining({ provider: "cdn", action: "PurgeUrlsCache" }),
    ]);
    expect(plan.skipped).toEqual([
      expect.objectContaining({ record: "2", key: "folder/" }),
      expect.objectContaining({ record: "1", field: "Records[1].event.eventName" }),
    ]);
    expect(stderr).toContain("record not purged");
  });

  it("reads settings from ./.env, the shell's values winning", async () => {
    const dir = mkdtempSync(join(workDir, "dotenv-"));
    writeFileSync(join(dir, ".env"), "ZoneId=zone-file\neoDomains=file.example.com\n");
    const { stdout } = await cli(
      ["plan", "--event", eventFile(cosEvent(cosRecord({ key: "a.png" })))],
      shellEnv({ eoDomains: "shell.example.com" }),
      dir,
    );

    expect(JSON.parse(stdout).targets).toEqual([
      {
        provider: "edgeone",
        zoneId: "zone-file",
        type: "purge_url",
        target: "https://shell.example.com/a.png",
        spellings: ["chromium", "whatwg", "webkit", "requests", "component", "rfc3986"],
      },
    ]);
  });

  it("fails with exit 2 and says what is missing when --event is not given", async () => {
    const { stdout, stderr, code } = await cli(["plan"], shellEnv({}));

    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("--event FILE is required");
  });

  it("fails with exit 2 naming the setting when the configuration is bad", async () => {
    const file = eventFile(cosEvent(cosRecord({ key: "a.png" })));
    const { stdout, stderr, code } = await cli(
      ["plan", "--event", file],
      shellEnv({ cdnHosts: "cdn.example.com", CDN_AREA: "mars" }),
    );

    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("CDN_AREA");
    expect(stderr).toContain("mars");
  });
});

describe("cos-purge invoke and emulator", () => {
  let emulator: Emulator;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.stop());
  afterEach(() => {
    if (child?.exitCode === null) child.kill("SIGKILL");
  });

  it("invoke runs the real handler against the endpoint and prints the summary", async () => {
    const file = eventFile(cosEvent(cosRecord({ key: "a b.png" })));
    const { stdout, code } = await cli(
      ["invoke", "--event", file],
      shellEnv({
        ZoneId: "zone-emulator",
        eoDomains: "www.example.com",
        TEO_ENDPOINT: emulator.url,
        ...EMULATOR_CREDENTIALS,
      }),
    );

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ planned: 1, purged: 1, failed: 0 });
    expect(emulator.calls().find((call) => call.action === "CreatePurgeTask")?.params.Targets).toEqual([
      "https://www.example.com/a%20b.png",
    ]);
  });

  it("invoke exits 3 (credentials) and still prints the summary when no credentials are set", async () => {
    const file = eventFile(cosEvent(cosRecord({ key: "a.png" })));
    const { stdout, stderr, code } = await cli(
      ["invoke", "--event", file],
      shellEnv({ ZoneId: "zone-emulator", eoDomains: "www.example.com", TEO_ENDPOINT: emulator.url }),
    );

    expect(code).toBe(3);
    expect(JSON.parse(stdout)).toMatchObject({ purged: 0, failed: 1 });
    expect(stderr).toContain("MissingCredentials");
    // One prefix, not "cos-purge invoke: cos-purge: ...".
    expect(stderr).toMatch(/^cos-purge invoke: 1 of 1 URLs not purged/m);
    expect(stderr).not.toContain("cos-purge invoke: cos-purge:");
  });

  it("emulator prints its URL as the first line and serves the SDK until SIGTERM", async () => {
    child = spawn(process.execPath, [CLI, "emulator", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    const proc = child;
    const [firstLine] = await createInterface({ input: proc.stdout as NodeJS.ReadableStream })
      [Symbol.asyncIterator]()
      .next()
      .then((line) => [line.value as string]);
    expect(firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const calls = await fetch(`${firstLine}/_emulator/calls`).then((response) => response.json());
    expect(calls).toEqual([]);
    const exited = new Promise<number | null>((resolveExit) => proc.on("exit", resolveExit));
    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
