/**
 * `npm run bench`: the speed and memory targets, measured on the built bundle (dist/index.js) against
 * the local emulator, and written to BENCHMARKS.md with the machine they ran on.
 *
 * Targets (from what users judge the function by):
 * - cold start: requiring the function is cheap; the SDK loads only on the first purge;
 * - a single-file event is purged in one request, in a few milliseconds of our own time;
 * - a bulk delivery of 10,000 files is purged in as few requests as the batch allows, never above
 *   20 requests/second, never past the daily quota, in bounded memory.
 */
import { execFile, spawn } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { ckafkaEvent, cosEvent, cosRecord } from "../src/cli/samples";
import { loadConfig } from "../src/config/config";
import type { CallRecord, EmulatorConfigInput } from "../src/emulator";
import { parseEvent } from "../src/plan/events";
import { planPurges } from "../src/plan/plan";
import type { Summary } from "../src/report/report";
import { coldStart, EMULATOR_CREDENTIALS } from "../test/support/built-function";
import { type Figures, figuresComment, withFigures } from "./figures";

const ROOT = resolve(__dirname, "..");
const DIST = resolve(ROOT, "dist/index.js");
/** Built by `npm run package`, which `npm run bench` runs first. */
const ZIP = resolve(ROOT, "dist/cos-purge.zip");

for (const name of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[name];
// dist/index.js reads its configuration when it loads (coldStart below); give it a valid one.
Object.assign(process.env, { ZoneId: "zone-emulator", eoDomains: "www.example.com" });

/**
 * The emulator runs in its own process (the CLI), as Tencent Cloud would be elsewhere: its bookkeeping
 * (every call, every task) must not count in the function's memory or CPU.
 */
interface RemoteEmulator {
  readonly url: string;
  configure(input: EmulatorConfigInput): Promise<void>;
  reset(): Promise<void>;
  calls(): Promise<CallRecord[]>;
  stop(): void;
}

async function startRemoteEmulator(): Promise<RemoteEmulator> {
  const child = spawn(process.execPath, [resolve(ROOT, "dist/cli.js"), "emulator", "--port", "0"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const firstLine = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  const url = String(firstLine.value);
  const post = async (path: string, body = "{}") => {
    const response = await fetch(`${url}${path}`, { method: "POST", body });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  };
  return {
    url,
    configure: (input) => post("/_emulator/config", JSON.stringify(input)),
    reset: () => post("/_emulator/reset?config=1"),
    calls: async () => (await fetch(`${url}/_emulator/calls`)).json() as Promise<CallRecord[]>,
    stop: () => child.kill("SIGTERM"),
  };
}

const median = (values: number[]) => percentile(values, 50);
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const ms = (value: number) => `${value.toFixed(value < 1 ? 3 : 1)} ms`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

interface Row {
  readonly measure: string;
  readonly result: string;
  readonly target: string;
}
const rows: Row[] = [];
/** What README.md quotes (bench/figures.ts), filled in as it is measured. */
const figures: { -readonly [K in keyof Figures]?: Figures[K] } = {};
const report = (measure: string, result: string, target: string) => {
  rows.push({ measure, result, target });
  console.log(`${measure}: ${result}  (target: ${target})`);
};

const run = promisify(execFile);

/**
 * Runs `script` in a fresh node process (a cold start) and returns the last line it printed, as a number.
 * Asynchronous, so that the emulator in this process keeps answering.
 */
async function freshProcess(script: string, env: NodeJS.ProcessEnv = {}): Promise<number> {
  const { stdout } = await run(process.execPath, ["-e", script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
  });
  return Number(stdout.trim().split("\n").pop());
}

async function repeat(times: number, measure: () => Promise<number>): Promise<number[]> {
  const results: number[] = [];
  for (let i = 0; i < times; i += 1) results.push(await measure());
  return results;
}

function bundleSize(): void {
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

async function coldStarts(emulator: RemoteEmulator, runs = 15): Promise<void> {
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

function planningCost(): void {
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

async function warmInvocations(emulator: RemoteEmulator): Promise<void> {
  await emulator.reset();
  const handler = coldStart().createHandler({
    env: {
      ZoneId: "zone-emulator",
      eoDomains: "www.example.com",
      TEO_ENDPOINT: emulator.url,
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
    "60 back-to-back single-file invocations on one warm instance",
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

async function bulk(emulator: RemoteEmulator, daily: number, label: string, target: string): Promise<void> {
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
      `${summary.failed} reported not purged; ${ms(elapsed)}; peak heap +${mib(peakHeap - heapBefore)} ` +
      `(event ${mib(eventBytes)} of JSON)`,
    target,
  );
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpu}, ${cpus().length} cores, ${mib(totalmem())} RAM, Node ${process.version}, ${process.platform}`;
}

/**
 * `npm run bench -- --readme`: only what README.md quotes (size, cold starts), in a few seconds. Their
 * rows and the figures comment of BENCHMARKS.md are replaced; the other rows stay as last measured.
 */
async function readmeFiguresOnly(): Promise<void> {
  const emulator = await startRemoteEmulator();
  try {
    bundleSize();
    await coldStarts(emulator);
  } finally {
    emulator.stop();
  }
  const path = resolve(ROOT, "BENCHMARKS.md");
  let benchmarks = readFileSync(path, "utf8");
  for (const row of rows) {
    const line = `| ${row.measure} | ${row.result} | ${row.target} |`;
    const start = benchmarks.indexOf(`| ${row.measure} |`);
    if (start < 0) throw new Error(`BENCHMARKS.md has no row "${row.measure}": run the whole bench`);
    benchmarks = benchmarks.slice(0, start) + line + benchmarks.slice(benchmarks.indexOf("\n", start));
  }
  benchmarks = benchmarks.replace(/<!-- figures: .* -->/, figuresComment(figures as Figures));
  writeFileSync(path, benchmarks);
  const readme = resolve(ROOT, "README.md");
  writeFileSync(readme, withFigures(readFileSync(readme, "utf8"), figures as Figures));
  console.log("\nBENCHMARKS.md (size and cold start rows) and README.md written");
}

async function main(): Promise<void> {
  if (process.argv.includes("--readme")) return readmeFiguresOnly();
  const emulator = await startRemoteEmulator();
  try {
    bundleSize();
    await coldStarts(emulator);
    planningCost();
    await warmInvocations(emulator);
    await bulk(
      emulator,
      100_000,
      "bulk: CKafka delivery of 10,000 files, 2 domains (daily quota 100,000)",
      "⌈20,000 / Batch 2,000⌉ = 10 requests, 0 refused; 50 ms API latency",
    );
    await bulk(
      emulator,
      10_000,
      "bulk: the same with the default daily quota of 10,000",
      "10,000 purged in 5 requests, 10,000 reported with the numbers, 0 requests refused",
    );
  } finally {
    emulator.stop();
  }
  const table = [
    "| measure | result | target / conditions |",
    "| --- | --- | --- |",
    ...rows.map((row) => `| ${row.measure} | ${row.result} | ${row.target} |`),
  ].join("\n");
  writeFileSync(
    resolve(ROOT, "BENCHMARKS.md"),
    `# Benchmarks

Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}.

Machine: ${machine()}.

The function is the built bundle (\`dist/index.js\`); the API is the local emulator on loopback with
its rate limit of 20 requests/second per action on. Cold starts are fresh \`node\` processes, so they
include Node's own start-up of the module system but not the process itself.

${table}

${figuresComment(figures as Figures)}
`,
  );
  // README.md quotes some of these; its sentence is rewritten from them (test/unit/bench-figures.test.ts).
  const readme = resolve(ROOT, "README.md");
  writeFileSync(readme, withFigures(readFileSync(readme, "utf8"), figures as Figures));
  console.log("\nBENCHMARKS.md and README.md written");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
