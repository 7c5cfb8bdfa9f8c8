/** Running the built CLI (dist/cli.js) as a user's shell does: plain `node`, only the given environment. */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Emulator } from "../../src/emulator";
import { EMULATOR_CREDENTIALS } from "./built-function";

export const CLI = resolve(__dirname, "../../dist/cli.js");
export const workDir = mkdtempSync(join(tmpdir(), "cos-purge-cli-"));

/** The environment a user's shell would have: no proxy, no settings but the ones given. */
export function shellEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, ...settings };
}

/** Settings that point both providers at `emulator`, with its credentials. */
export function emulatorEnv(emulator: Emulator, settings: Record<string, string> = {}): NodeJS.ProcessEnv {
  return shellEnv({
    ZoneId: "zone-emulator",
    eoDomains: "www.example.com",
    TEO_ENDPOINT: emulator.url,
    CDN_ENDPOINT: emulator.url,
    ...EMULATOR_CREDENTIALS,
    ...settings,
  });
}

export function eventFile(event: unknown, text = JSON.stringify(event)): string {
  const file = join(mkdtempSync(join(workDir, "event-")), "event.json");
  writeFileSync(file, text);
  return file;
}

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

/** Runs the CLI with `input` on stdin (default: none, stdin closed); resolves whatever the exit code. */
export function cli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { readonly input?: string; readonly cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env, cwd: options.cwd ?? workDir, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        if (error && code === null && !("signal" in error && error.signal)) return reject(error);
        resolveRun({ stdout, stderr, code });
      },
    );
    child.stdin?.end(options.input ?? "");
  });
}

/** Runs a shell command line (for pipes and redirections), resolving with its output and status. */
export function sh(command: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolveRun) => {
    const child = spawn("/bin/sh", ["-c", command], { env, cwd: workDir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (code) => resolveRun({ stdout, stderr, code }));
  });
}
