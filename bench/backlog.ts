/**
 * What draining a large backlog costs (issues 13 and 15): `npm run bench -- --only backlog`.
 *
 * For each size, the emulator's bucket is filled with that many queue entries of one URL each (as
 * uploads in `queue` mode write them), stored at once through the control API rather than by as many
 * invocations; then timer invocations of the built dist/index.js, one after another, each with SCF's
 * default 60 s limit, drain it against 30 ms per call until the queue is empty. What the emulator
 * received says what it cost: purge calls, COS requests, and whether every URL was accepted exactly once.
 *
 * Not part of the whole `npm run bench`: 100,000 entries alone take many minutes of 60 s invocations.
 */
import { queueKey } from "../src/backlog/entries";
import { timerEvent } from "../src/cli/samples";
import type { CallRecord } from "../src/emulator";
import type { Summary } from "../src/report/report";
import { coldStart, EMULATOR_CREDENTIALS } from "../test/support/built-function";
import { BACKLOG_PREFIX } from "./burst";
import type { RemoteEmulator } from "./emulator";
import { BUCKET, LATENCY_MS, TIME_LIMIT_MS } from "./scenarios";

export const BACKLOG_SIZES = [10_000, 100_000] as const;
const ZONE = "zone-emulator";
const DOMAIN = "www.example.com";
/**
 * Entries per control API request: ~650 bytes each (the body, and the key carrying it again) stays well
 * under its 10 MiB body limit.
 */
const SEED_CHUNK = 5_000;

export interface DrainInvocation {
  readonly ms: number;
  readonly purged: number;
  readonly removed: number;
  readonly status: string;
  readonly error?: string;
}

export interface BacklogRun {
  readonly entries: number;
  readonly timeLimitMs: number;
  readonly invocations: readonly DrainInvocation[];
  readonly purgeCalls: number;
  readonly cosRequests: number;
  /** URLs the emulator accepted in purge calls, counted with repeats. */
  readonly accepted: number;
  readonly lost: number;
  readonly duplicates: number;
  /** Queue entries left at the end (0 when the drain finished). */
  readonly left: number;
  /** From the first invocation's start to the last one's end. */
  readonly totalMs: number;
  /** False when the emulator dropped calls between two polls: the counts are then low. */
  readonly callLogComplete: boolean;
}

const urlOf = (i: number) => `https://${DOMAIN}/backlog/f-${String(i).padStart(6, "0")}.js`;

/** `count` queue entries of one URL each, written straight into the emulator's bucket. */
async function seedQueue(emulator: RemoteEmulator, count: number): Promise<void> {
  const now = Date.now();
  for (let from = 0; from < count; from += SEED_CHUNK) {
    const objects = Array.from({ length: Math.min(SEED_CHUNK, count - from) }, (_, n) => {
      const i = from + n;
      const entry = {
        provider: "edgeone",
        scope: ZONE,
        targets: [urlOf(i)],
        reason: "Queued",
        message: "seeded by the backlog bench",
        firstDeferredAt: now,
        deferredAt: now,
        tries: 0,
        origin: "bench-seed",
      };
      // Keys as the function makes them (time, random, the body when it fits), one millisecond apart
      // to keep them in order.
      const body = JSON.stringify(entry);
      return { key: queueKey(BACKLOG_PREFIX, body, now - count + i, Math.random), body };
    });
    const response = await fetch(`${emulator.url}/_emulator/cos/objects`, {
      method: "POST",
      body: JSON.stringify({ bucket: BUCKET, objects }),
    });
    if (!response.ok) throw new Error(`seeding the queue: ${response.status} ${await response.text()}`);
  }
}

async function queueLength(emulator: RemoteEmulator): Promise<number> {
  const prefix = encodeURIComponent(`${BACKLOG_PREFIX}queue/`);
  const response = await fetch(`${emulator.url}/_emulator/cos/objects?bucket=${BUCKET}&prefix=${prefix}`);
  return ((await response.json()) as unknown[]).length;
}

/**
 * Counts every call although the emulator keeps only its latest 10,000 (a 100,000-entry drain makes
 * hundreds of thousands of COS requests): polled every second, merged by RequestId, keeping only the
 * counts and the accepted purge targets, not the records.
 */
class CallTally {
  readonly seen = new Set<string>();
  cos = 0;
  purgeCalls = 0;
  readonly accepted: string[] = [];
  #lost = 0;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> = Promise.resolve();

  constructor(private readonly emulator: RemoteEmulator) {}

  start(): void {
    this.#timer = setInterval(() => {
      this.#polling = this.#polling.then(() => this.#poll());
    }, 1_000);
  }

  async stop(): Promise<boolean> {
    clearInterval(this.#timer);
    await this.#polling;
    await this.#poll();
    return this.#lost === 0;
  }

  #count(call: CallRecord): void {
    if (call.service === "cos") this.cos += 1;
    if (call.action !== "CreatePurgeTask") return;
    this.purgeCalls += 1;
    if (call.error === null) this.accepted.push(...((call.params.Targets as string[] | undefined) ?? []));
  }

  async #poll(): Promise<void> {
    const read = await this.emulator.callsWithDropped().catch(() => undefined);
    if (read === undefined) return;
    for (const call of read.calls) {
      if (this.seen.has(call.requestId)) continue;
      this.seen.add(call.requestId);
      this.#count(call);
    }
    this.#lost = Math.max(0, read.dropped + read.calls.length - this.seen.size);
  }
}

/** Fills the queue with `entries` and drains it with timer invocations one after another. */
export async function runBacklog(
  emulator: RemoteEmulator,
  entries: number,
  log: (line: string) => void,
): Promise<BacklogRun> {
  await emulator.reset();
  await emulator.configure({
    latencyMs: LATENCY_MS,
    rateLimit: 20,
    cos: { buckets: [{ name: BUCKET, region: "ap-guangzhou" }] },
    // A daily URL quota above the backlog: the quota is not what this measures.
    zones: [{ zoneId: ZONE, domains: [DOMAIN], quota: { purge_url: { daily: 2 * entries } } }],
  });
  await seedQueue(emulator, entries);
  const env = {
    ZoneId: ZONE,
    eoDomains: DOMAIN,
    TEO_ENDPOINT: emulator.url,
    COS_ENDPOINT: emulator.url,
    PURGE_BACKLOG_BUCKET: BUCKET,
    PURGE_BACKLOG_REGION: "ap-guangzhou",
    ...EMULATOR_CREDENTIALS,
  };
  Object.assign(process.env, env);
  // One warm instance taking every timer invocation, as SCF reuses one for a trigger firing in turn.
  const handler = coldStart().createHandler({ env, write: () => {} });
  const tally = new CallTally(emulator);
  tally.start();
  const invocations: DrainInvocation[] = [];
  const started = Date.now();
  let left = entries;
  // At least 50 entries per invocation or it is no drain worth the name: a bound against a loop.
  while (left > 0 && invocations.length < Math.max(10, entries / 50)) {
    const at = Date.now();
    const outcome = await handler(timerEvent(), {
      request_id: `backlog-${entries}-${invocations.length}`,
      time_limit_in_ms: TIME_LIMIT_MS,
    }).then(
      (summary: Summary) => ({ summary, error: undefined }),
      (error: Error & { summary?: Summary }) => ({
        summary: error.summary,
        error: `${error.name}: ${error.message}`,
      }),
    );
    const drain = outcome.summary?.drain;
    const invocation: DrainInvocation = {
      ms: Date.now() - at,
      purged: drain?.purged ?? 0,
      removed: drain?.removed ?? 0,
      status: drain?.status ?? "none",
      ...(outcome.error === undefined ? {} : { error: outcome.error.slice(0, 300) }),
    };
    invocations.push(invocation);
    left = await queueLength(emulator);
    log(
      `backlog ${entries}: invocation ${invocations.length}: ${invocation.purged} purged in ` +
        `${(invocation.ms / 1000).toFixed(1)} s, ${left} entries left${invocation.error ? ` (${invocation.error})` : ""}`,
    );
    if (invocation.purged === 0) break;
  }
  const totalMs = Date.now() - started;
  const callLogComplete = await tally.stop();
  const expected = new Set(Array.from({ length: entries }, (_, i) => urlOf(i)));
  const distinct = new Set(tally.accepted);
  return {
    entries,
    timeLimitMs: TIME_LIMIT_MS,
    invocations,
    purgeCalls: tally.purgeCalls,
    cosRequests: tally.cos,
    accepted: tally.accepted.length,
    lost: [...expected].filter((url) => !distinct.has(url)).length,
    duplicates: tally.accepted.length - distinct.size,
    left,
    totalMs,
    callLogComplete,
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The table of BENCHMARKS.md's backlog section, a row per size. */
export function backlogTable(runs: readonly BacklogRun[]): string {
  const header = [
    "| entries | invocations | longest (limit) | over the limit | drained per invocation, min / median | purge calls | COS requests (per entry) | total time | accepted, lost, duplicates |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const rows = runs.map((run) => {
    const ms = run.invocations.map((invocation) => invocation.ms);
    const purged = run.invocations.map((invocation) => invocation.purged);
    const over = ms.filter((value) => value > run.timeLimitMs).length;
    const counted = run.callLogComplete ? "" : " (call log incomplete: low)";
    return (
      `| ${run.entries.toLocaleString("en")} | ${run.invocations.length}${run.left > 0 ? ` (${run.left.toLocaleString("en")} entries left)` : ""} ` +
      `| ${seconds(Math.max(...ms))} (${seconds(run.timeLimitMs)}) | ${over} ` +
      `| ${Math.min(...purged).toLocaleString("en")} / ${Math.round(median(purged)).toLocaleString("en")} ` +
      `| ${run.purgeCalls}${counted} | ${run.cosRequests.toLocaleString("en")} (${(run.cosRequests / run.entries).toFixed(2)}) ` +
      `| ${seconds(run.totalMs)} | ${run.accepted.toLocaleString("en")}, ${run.lost}, ${run.duplicates} |`
    );
  });
  return [...header, ...rows].join("\n");
}
