import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { EmulatorUsageError, parseEmulatorArgs } from "../../src/emulator/cli";
import { clearProxyEnv, teoClient } from "./helpers";

clearProxyEnv();

describe("cos-purge emulator arguments", () => {
  it("takes --port N or --port=N, and defaults to 0 (a free port)", () => {
    expect(parseEmulatorArgs([])).toEqual({ port: 0 });
    expect(parseEmulatorArgs(["--port", "9000"])).toEqual({ port: 9000 });
    expect(parseEmulatorArgs(["--port=0"])).toEqual({ port: 0 });
  });

  it.each(["abc", "-1", "65536", "80.5", ""])("refuses --port=%s, naming the flag and the value", (value) => {
    expect(() => parseEmulatorArgs([`--port=${value}`])).toThrow(EmulatorUsageError);
    expect(() => parseEmulatorArgs([`--port=${value}`])).toThrow(`--port "${value}"`);
  });

  it("refuses a missing value and unknown arguments as usage errors", () => {
    const usageCode = expect.objectContaining({ code: expect.stringMatching(/^ERR_PARSE_ARGS/) });
    expect(() => parseEmulatorArgs(["--port"])).toThrow(usageCode);
    expect(() => parseEmulatorArgs(["--host", "0.0.0.0"])).toThrow(usageCode);
  });
});

describe("cos-purge emulator process", () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child?.exitCode === null) child.kill("SIGKILL");
  });

  it("prints its URL as the first line, logs calls to stderr, and exits 0 on SIGTERM", async () => {
    const script = 'require("./src/emulator/cli.ts").emulatorCommand(["--port", "0"])';
    const proc = spawn(process.execPath, ["--import", "tsx", "-e", script], {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let stdout = "";
    let stderr = "";
    proc.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    proc.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => proc.on("exit", resolve));

    const firstLine = await new Promise<string>((resolve, reject) => {
      if (proc.stdout === null) return reject(new Error("no stdout"));
      createInterface({ input: proc.stdout }).once("line", resolve);
      proc.once("exit", (code) => reject(new Error(`exited ${code} before printing a URL: ${stderr}`)));
    });
    expect(firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const endpoint = firstLine.replace("http://", "");
    await teoClient({ endpoint }).DescribeContentQuota({ ZoneId: "zone-emulator" });
    await expect.poll(() => stderr).toMatch(/"action":"DescribeContentQuota","result":"ok"/);

    proc.kill("SIGTERM");

    expect(await exited).toBe(0);
    expect(stdout).toBe(`${firstLine}\n`);
  });
});
