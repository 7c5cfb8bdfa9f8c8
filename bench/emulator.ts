/**
 * The emulator as the benchmarks use it: its own process (the CLI, `dist/cli.js emulator --port 0`), as
 * Tencent Cloud would be elsewhere, so that its bookkeeping (every call, every task, every COS object)
 * counts in neither the function's memory nor its CPU. Reached only through the control API.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { CallRecord, EmulatorConfigInput } from "../src/emulator";

const ROOT = resolve(__dirname, "..");

/** A COS object as `GET /_emulator/cos/objects?body=1` lists it. */
export interface ListedCosObject {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly lastModified: string;
  readonly body?: string;
}

export interface RemoteEmulator {
  readonly url: string;
  configure(input: EmulatorConfigInput): Promise<void>;
  /** Forgets calls, tasks, used quota, the config (back to the defaults) and the COS objects. */
  reset(): Promise<void>;
  calls(): Promise<CallRecord[]>;
  /** The kept calls and how many older ones the bounded call log dropped. */
  callsWithDropped(): Promise<{ calls: CallRecord[]; dropped: number }>;
  objects(prefix: string): Promise<ListedCosObject[]>;
  stop(): void;
}

export async function startRemoteEmulator(): Promise<RemoteEmulator> {
  const child = spawn(process.execPath, [resolve(ROOT, "dist/cli.js"), "emulator", "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  // What the emulator says on stderr (a crash, most of all), kept for a look after the run.
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => {
    if (!line.startsWith('{"level":"info"')) process.stderr.write(`[emulator] ${line}\n`);
  });
  const firstLine = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  const url = String(firstLine.value);
  const post = async (path: string, body = "{}") => {
    const response = await fetch(`${url}${path}`, { method: "POST", body });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  };
  const callsWithDropped = async () => {
    const response = await fetch(`${url}/_emulator/calls`);
    const dropped = Number(response.headers.get("x-emulator-calls-dropped") ?? 0);
    return { calls: (await response.json()) as CallRecord[], dropped };
  };
  return {
    url,
    configure: (input) => post("/_emulator/config", JSON.stringify(input)),
    reset: () => post("/_emulator/reset?config=1&cos=1"),
    calls: async () => (await callsWithDropped()).calls,
    callsWithDropped,
    objects: async (prefix) =>
      (await (
        await fetch(`${url}/_emulator/cos/objects?body=1&prefix=${encodeURIComponent(prefix)}`)
      ).json()) as ListedCosObject[],
    stop: () => child.kill("SIGTERM"),
  };
}

/**
 * Every call of a scenario, although the emulator keeps only its latest 10,000: polled while the
 * scenario runs and merged by RequestId. `complete` is false when calls were dropped between two polls.
 */
export class CallCollector {
  private readonly seen = new Map<string, CallRecord>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private lost = 0;

  constructor(
    private readonly emulator: RemoteEmulator,
    private readonly everyMs = 1_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll());
    }, this.everyMs);
  }

  /** Stops polling and reads once more. */
  async stop(): Promise<{ calls: CallRecord[]; complete: boolean }> {
    clearInterval(this.timer);
    await this.polling;
    await this.poll();
    const calls = [...this.seen.values()].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    return { calls, complete: this.lost === 0 };
  }

  private async poll(): Promise<void> {
    // A poll that fails (a keep-alive socket closed under it) is retried at the next tick.
    const read = await this.emulator.callsWithDropped().catch((error: unknown) => {
      console.error(`call log poll failed, retried at the next: ${String(error)}`);
      return undefined;
    });
    if (read === undefined) return;
    const { calls, dropped } = read;
    for (const call of calls) this.seen.set(call.requestId, call);
    // Every call ever answered is either kept or dropped; all of them should have been seen.
    this.lost = Math.max(0, dropped + calls.length - this.seen.size);
  }
}
