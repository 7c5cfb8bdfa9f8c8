/**
 * The figures of one instance (before the burst scenarios): bundle size, cold start, planning cost, warm
 * invocations and a CKafka bulk delivery, measured on the built bundle (dist/index.js) against the
 * emulator.
 *
 * Targets (from what users judge the function by):
 * - cold start: requiring the function is cheap; the SDK loads only on the first purge;
 * - a single-file event is purged in one request, in a few milliseconds of our own time;
 * - a bulk delivery of 10,000 files is purged in as few requests as the batch allows, never above
 *   20 requests/second, never past the daily quota, in bounded memory.
 */
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { ckafkaEvent, cosEvent, cosRecord } from "../src/cli/samples";
import { loadConfig } from "../src/config/config";
import type { CallRecord } from "../src/emulator";
import { parseEvent } from "../src/plan/events";
import { planPurges } from "../src/plan/plan";
import type { Summary } from "../src/report/report";
import { coldStart, EMULATOR_CREDENTIALS } from "../test/support/built-function";
import type { RemoteEmulator } from "./emulator";
import type { Figures } from "./figures";

const ROOT = resolve(__dirname, "..");
const DIST = resolve(ROOT, "dist/index.js");
/** Built by `npm run package`, which `npm run bench` runs first. */
const ZIP = resolve(ROOT, "dist/cos-purge.zip");

export const median = (values: number[]) => percentile(values, 50);
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
export const ms = (value: number) => `${value.toFixed(value < 1 ? 3 : 1)} ms`;
export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

export interface Row {
  readonly measure: string;
  readonly result: string;
  readonly target: string;
}
export const rows: Row[] = [];
/** What README.md quotes (bench/figures.ts), filled in as it is measured. */
export const figures: { -readonly [K in keyof Figures]?: Figures[K] } = {};
export const report = (measure: string, result: string, target: string) => {
  rows.push({ measure, result, target });
  console.log(`${measure}: ${result}  (target: ${target})`);
};

const run = promisify(execFile);

/**
 * Runs `script` in a fresh node process (a cold start) and returns the last line it printed, as a number.
 * Asynchronous, so that the emulator in this process keeps answering.
 */
export async function freshProcess(script: string, env: NodeJS.ProcessEnv = {}): Promise<number> {
  const { stdout } = await run(process.execPath, ["-e", script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
  });
  return Number(stdout.trim().split("\n").pop());
}

export async function repeat(times: number, measure: () => Promise<number>): Promise<number[]> {
  const results: number[] = [];
  for (let i = 0; i < times; i += 1) results.push(await measure());
  return results;
}

export function bundleSize(): void {
  const bytes = statSync(DIST).size;
  const gzip = gzipSync(readFileSync(DIST)).length;
  const zip = statSync(ZIP).size;
  figures.bundleKiB = Math.round(bytes / 1024);
  figures.zipKiB = Math.round(zip / 1024);
  report(
    "dist/index.js size",
    `${kib(bytes)} (${kib(gzip)} gzipped); dist/cos-purge.zip ${kib(zip)}`,
    "no node_modules needed; smaller loads faster",
  );
}

export async function coldStarts(emulator: RemoteEmulator, runs = 15): Promise<void> {
  const env = {
    ZoneId: "zone-emulator",
    eoDomains: "www.example.com",
    TEO_ENDPOINT: emulator.url,
    ...EMULATOR_CREDENTIALS,
  };
  const requireOnly = `const t=process.hrtime.bigint();require(${JSON.stringify(DIST)});console.log(Number(process.hrtime.bigint()-t)/1e6)`;
  const requireTimes = await repeat(runs, () => freshProcess(requireOnly, env));
  figures.requireMs = Math.round(median(requireTimes) * 10) / 10;
  report(
    "cold start: require(dist/index.js)",
    ms(median(requireTimes)),
    "median of 15 fresh processes; < 50 ms",
  );

  const event = JSON.stringify(cosEvent(cosRecord({ key: "img/a.png" })));
  const firstPurge = `const t=process.hrtime.bigint();const f=require(${JSON.stringify(DIST)});
f.main_handler(${event},{time_limit_in_ms:10000}).then(()=>console.log(Number(process.hrtime.bigint()-t)/1e6));`;
  // The function logs its summary line on stdout; the time is the last line.
  const firstTimes = await repeat(runs, () => freshProcess(firstPurge, env));
  figures.firstPurgeMs = Math.round(median(firstTimes) * 10) / 10;
  report(
    "cold start: require + first invocation (SDK load, quota read, purge)",
    ms(median(firstTimes)),
    "median of 15 fresh processes, emulator on loopback; < 300 ms",
  );
}

export function planningCost(): void {
  // Our own CPU per event, before any API call: parse the event, map keys to URLs, dedup, group.
  const config = loadConfig({ ZoneId: "zone-emulator", eoDomains: "www.example.com, static.example.com" });
  const times: number[] = [];
  for (let i = 0; i < 2_000; i += 1) {
    const event = cosEvent(cosRecord({ key: `photos/2026/新年 快乐 ${i}.jpg` }));
    const start = performance.now();
    planPurges(parseEvent(event, config).changes, config);
    times.push(performance.now() - start);
  }
  report(
    "parse + plan one record (2 domains → 4 URLs)",
    `p50 ${ms(median(times))}, p99 ${ms(percentile(times, 99))}`,
    "2,000 events; well under 1 ms",
  );
}

export async function warmInvocations(emulator: RemoteEmulator): Promise<void> {
  await emulator.reset();
  const handler = coldStart().createHandler({
    env: {
      ZoneId: "zone-emulator",
      eoDomains: "www.example.com",
      TEO_ENDPOINT: emulator.url,
      // Each invocation purges at once: what this figure has always measured (auto would queue a burst).
      PURGE_MODE: "direct",
      ...EMULATOR_CREDENTIALS,
    },
    write: () => {},
  });
  const times: number[] = [];
  for (let i = 0; i < 60; i += 1) {
    const start = performance.now();
    await handler(cosEvent(cosRecord({ key: `a-${i}.png` })), { time_limit_in_ms: 10_000 });
    times.push(performance.now() - start);
  }
  const calls = await emulator.calls();
  const limited = calls.filter((call) => call.error === "RequestLimitExceeded").length;
  report(
    "60 back-to-back single-file invocations on one warm instance (PURGE_MODE=direct)",
    `p50 ${ms(median(times))}; max ${maxPerSecond(calls)} CreatePurgeTask in any second; ${limited} RequestLimitExceeded`,
    "≤ 20 requests/second, 0 rate-limit errors",
  );
}

/** Most calls of one action that started within any one second, by the emulator's arrival times. */
function maxPerSecond(calls: readonly CallRecord[], action = "CreatePurgeTask"): number {
  const times = calls.filter((call) => call.action === action).map((call) => Date.parse(call.time));
  let most = 0;
  for (const [i, t] of times.entries())
    most = Math.max(most, times.slice(i).filter((u) => u < t + 1_000).length);
  return most;
}

/** A CKafka delivery of `files` COS events, 100 records per message. */
function bulkEvent(files: number) {
  const messages = [];
  for (let m = 0; m < files / 100; m += 1) {
    messages.push(
      cosEvent(
        ...Array.from({ length: 100 }, (_, r) => cosRecord({ key: `uploads/2026/${m}/img-${r}.png` })),
      ),
    );
  }
  return ckafkaEvent(...messages);
}

export async function bulk(
  emulator: RemoteEmulator,
  daily: number,
  label: string,
  target: string,
): Promise<void> {
  await emulator.reset();
  await emulator.configure({
    zones: [
      {
        zoneId: "zone-emulator",
        domains: ["www.example.com", "static.example.com"],
        quota: { purge_url: { batch: 2000, daily } },
      },
    ],
    // A round trip to the real API from an SCF instance is tens of milliseconds.
    latencyMs: 50,
  });
  const handler = coldStart().createHandler({
    env: {
      ZoneId: "zone-emulator",
      eoDomains: "www.example.com static.example.com",
      TEO_ENDPOINT: emulator.url,
      // What today's quota cannot take waits in the backlog (the emulator's bucket).
      COS_ENDPOINT: emulator.url,
      PURGE_BACKLOG_BUCKET: "examplebucket-1250000000",
      PURGE_BACKLOG_REGION: "ap-guangzhou",
      ...EMULATOR_CREDENTIALS,
    },
    write: () => {},
  });
  const event = bulkEvent(10_000);
  const eventBytes = Buffer.byteLength(JSON.stringify(event));
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 5);
  const start = performance.now();
  const summary: Summary = await handler(event, { time_limit_in_ms: 60_000 }).catch(
    (error: { summary: Summary }) => error.summary,
  );
  const elapsed = performance.now() - start;
  clearInterval(sampler);
  const purges = (await emulator.calls()).filter((call) => call.action === "CreatePurgeTask");
  const refused = purges.filter((call) => call.error !== null).length;
  report(
    label,
    `${summary.planned} URLs → ${purges.length} CreatePurgeTask (${refused} refused), ${summary.purged} purged, ` +
      `${summary.deferred} deferred to the backlog, ${summary.failed} reported not purged; ${ms(elapsed)}; peak heap +${mib(peakHeap - heapBefore)} ` +
      `(event ${mib(eventBytes)} of JSON)`,
    target,
  );
}

export interface LoneUpload {
  /** Median first-invocation time of fresh processes, ms, per mode. */
  readonly direct: number;
  readonly auto: number;
  /** Purge calls and COS requests each `auto` process made (every process alike, else the most). */
  readonly autoPurgeCalls: number;
  readonly autoCosRequests: number;
  readonly runs: number;
  /** The larger of the two modes' interquartile ranges, ms: how much fresh processes vary. */
  readonly spread: number;
}

/**
 * A lone upload in `auto` against `direct`: require + first invocation in fresh processes, the two
 * modes alternated (so that drift in the machine's load falls on both), with the backlog configured
 * and 30 ms per API call, as in the burst scenarios.
 */
export async function loneUpload(emulator: RemoteEmulator, runs = 21): Promise<LoneUpload> {
  const times: Record<"direct" | "auto", number[]> = { direct: [], auto: [] };
  let autoPurgeCalls = 0;
  let autoCosRequests = 0;
  for (let i = 0; i < runs; i += 1) {
    const order = i % 2 === 0 ? (["direct", "auto"] as const) : (["auto", "direct"] as const);
    for (const mode of order) {
      // Uploaded now, as COS stamps it: an event minutes old would read as one that waited for the function.
      const event = JSON.stringify(cosEvent(cosRecord({ key: "img/lone.png" })));
      const firstPurge = `const t=process.hrtime.bigint();const f=require(${JSON.stringify(DIST)});
f.main_handler(${event},{time_limit_in_ms:60000}).then(()=>console.log(Number(process.hrtime.bigint()-t)/1e6));`;
      await emulator.reset();
      await emulator.configure({ latencyMs: 30 });
      const time = await freshProcess(firstPurge, {
        ZoneId: "zone-emulator",
        eoDomains: "www.example.com static.example.com",
        TEO_ENDPOINT: emulator.url,
        COS_ENDPOINT: emulator.url,
        PURGE_BACKLOG_BUCKET: "examplebucket-1250000000",
        PURGE_BACKLOG_REGION: "ap-guangzhou",
        PURGE_MODE: mode,
        ...EMULATOR_CREDENTIALS,
      });
      times[mode].push(time);
      if (mode === "auto") {
        const calls = await emulator.calls();
        autoPurgeCalls = Math.max(autoPurgeCalls, calls.filter((c) => c.action === "CreatePurgeTask").length);
        autoCosRequests = Math.max(autoCosRequests, calls.filter((c) => c.service === "cos").length);
      }
    }
  }
  return {
    direct: median(times.direct),
    auto: median(times.auto),
    autoPurgeCalls,
    autoCosRequests,
    runs,
    spread: Math.max(
      ...(["direct", "auto"] as const).map(
        (mode) => percentile(times[mode], 75) - percentile(times[mode], 25),
      ),
    ),
  };
}
