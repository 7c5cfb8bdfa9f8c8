/**
 * `cos-purge backlog drain` (dist/cli.js, a real child process) interrupted mid-drain against the
 * emulator: it hands the drain lease on before exiting, so the next drain need not wait for it to
 * expire (issue 13, row 7); and it refuses a time limit no lease may outlast.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";
import { CLI, cli, emulatorEnv, workDir } from "../support/cli";

const BUCKET = "examplebucket-1250000000";
let emulator: Emulator;
let child: ChildProcess | undefined;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset({ config: true, cos: true }));
afterEach(() => {
  if (child?.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  child = undefined;
});

const env = () =>
  emulatorEnv(emulator, {
    COS_ENDPOINT: emulator.url,
    PURGE_BACKLOG_BUCKET: BUCKET,
    PURGE_BACKLOG_REGION: "ap-guangzhou",
  });

const keys = (folder: string) =>
  emulator
    .objects(BUCKET)
    .filter((object) => object.key.includes(`/${folder}`))
    .map((object) => object.key);

/** The drain lease's newest generation, as the emulator's COS holds it. */
function drainLease(): Record<string, unknown> {
  const generations = emulator.objects(BUCKET).filter((object) => object.key.includes("/lease/drain/"));
  const newest = generations.sort((a, b) => a.key.length - b.key.length || (a.key < b.key ? -1 : 1)).at(-1);
  return JSON.parse(newest?.body.toString("utf8") ?? "{}");
}

describe("cos-purge backlog drain, interrupted", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)(
    "on %s releases the drain lease, then exits %i; the next drain is not kept out",
    async (signal, code) => {
      emulator.configure({
        zones: [
          { zoneId: "zone-emulator", domains: ["www.example.com"], quota: { purge_url: { daily: 0 } } },
        ],
      });
      expect((await cli(["purge", "a.png", "b.png"], env())).code).toBe(1); // both wait in the backlog
      emulator.reset({ config: true }); // the quota is back; the backlog is kept
      // The drain's purge call hangs: the drain holds the lease, with its request journaled, when stopped.
      emulator.configure({ faults: [{ action: "CreatePurgeTask", kind: "delay", delayMs: 600_000 }] });

      const proc = spawn(process.execPath, [CLI, "backlog", "drain", "--timeout-ms", "900000"], {
        env: env(),
        cwd: workDir,
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = proc;
      let stderr = "";
      proc.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<number | null>((resolveExit) => proc.on("exit", resolveExit));
      // The sent record is written under the lease, just before the purge call goes out.
      await vi.waitFor(() => expect(keys("sent/")).toHaveLength(1), { timeout: 15_000, interval: 20 });
      expect(drainLease()).not.toHaveProperty("released");

      proc.kill(signal);
      expect(await exited).toBe(code);
      expect(stderr).toContain(`${signal}: stopped, lease released`);
      expect(drainLease()).toMatchObject({ released: true });

      emulator.configure({ faults: [] });
      const next = await cli(["backlog", "drain", "--json"], env());
      expect(JSON.parse(next.stdout)).toMatchObject({ status: "drained" });
    },
  );

  it("refuses a time limit over the function's 900 s maximum, naming the flag (exit 2)", async () => {
    const { stderr, code } = await cli(["backlog", "drain", "--timeout-ms", "3600000"], env());
    expect(code).toBe(2);
    expect(stderr).toMatch(/--timeout-ms 3600000: expected whole milliseconds from 1000 to 900000/);
    expect(emulator.objects(BUCKET)).toEqual([]); // no lease taken
  });
});
