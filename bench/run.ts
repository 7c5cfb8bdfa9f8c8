/**
 * `npm run bench`: the speed, memory and cost figures, measured on the built bundle (dist/index.js)
 * against the emulator (in its own process), written to BENCHMARKS.md with the machine they ran on; the
 * README's performance sentence and its headline ratios against the baseline are rewritten from them.
 *
 * 1. instance.ts: bundle size, cold start, planning, warm invocations, a CKafka bulk delivery, and a
 *    lone upload in `auto` against `direct` (run alone, before anything else loads the machine);
 * 2. scenarios.ts: the burst scenarios of issues 8 and 9, for the baseline and the three modes.
 *
 * The whole run is bounded: no upload is handed out after `DEADLINE_MS` from the start.
 * `npm run bench -- --readme` measures only what README.md's performance sentence quotes (figures.ts).
 * `npm run bench -- --only streams` (a group: `bursts`, `streams`; scenarios: `flood,single`; or runs:
 * `burst:auto,burst:direct`) runs only those and prints their tables,
 * leaving BENCHMARKS.md and README.md as they are (a subset is no basis for them).
 * `npm run bench -- --only backlog` drains backlogs of 10,000 and 100,000 entries (backlog.ts, minutes:
 * not part of the whole run) and replaces BENCHMARKS.md's backlog section, which the whole run keeps;
 * `--entries 2000` drains one size of your choice and only prints it.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { BACKLOG_SIZES, backlogTable, runBacklog } from "./backlog";
import { startRemoteEmulator } from "./emulator";
import { type Figures, figuresComment, withFigures } from "./figures";
import {
  bulk,
  bundleSize,
  coldStarts,
  figures,
  loneUpload,
  mib,
  planningCost,
  rows,
  warmInvocations,
} from "./instance";
import { GROUPS, runScenarios, type ScenarioRun } from "./scenarios";
import { streamHeadline, streamTable, streamTargets } from "./stream-tables";
import { headline, scenarioSection } from "./tables";
import { bundleWorker } from "./worker-bundle";

const ROOT = resolve(__dirname, "..");
/** After this, from the start, no more uploads: runs are one at a time, about half an hour in all. */
const DEADLINE_MS = 45 * 60_000;

for (const name of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[name];
// dist/index.js reads its configuration when it loads (coldStart); give it a valid one.
Object.assign(process.env, { ZoneId: "zone-emulator", eoDomains: "www.example.com" });

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpu}, ${cpus().length} cores, ${mib(totalmem())} RAM, Node ${process.version}, ${process.platform}`;
}

/** Replaces what lies between the README's headline markers. */
function writeHeadline(lines: readonly string[]): void {
  const path = resolve(ROOT, "README.md");
  const readme = readFileSync(path, "utf8");
  const start = "<!-- bench:headline -->";
  const end = "<!-- /bench:headline -->";
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} section`);
  const measured = `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} against the emulator (BENCHMARKS.md), in the same run as the template it replaces:`;
  writeFileSync(
    path,
    `${readme.slice(0, from + start.length)}\n${measured}\n\n${lines.join("\n")}\n${readme.slice(to)}`,
  );
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

/** The object key or listing prefix a COS request named, for the run details. */
function cosKeyOf(call: ScenarioRun["run"]["calls"][number]): string {
  const params = call.params as { Key?: string; Query?: { prefix?: string } } | undefined;
  return params?.Key || params?.Query?.prefix || "";
}

/** Where a run's details go for a closer look: every purge call, timer drain and error line (not committed). */
function keepRuns(runs: readonly ScenarioRun[]): void {
  const cache = resolve(ROOT, "node_modules/.cache/cos-purge-bench");
  mkdirSync(cache, { recursive: true });
  writeFileSync(
    resolve(cache, "runs.json"),
    JSON.stringify(
      runs.map(({ scenario, strategy, figures, run }) => ({
        scenario,
        strategy,
        figures,
        startedAt: run.startedAt,
        timers: run.timers,
        errorLines: run.errorLines,
        logs: run.logs,
        invocations: run.invocations,
        purges: run.calls.filter((call) => call.action === "CreatePurgeTask"),
        cos: run.calls
          .filter((call) => call.service === "cos")
          .map((call) => ({ time: call.time, action: call.action, key: cosKeyOf(call) })),
      })),
    ),
  );
}

/** `--only <group or scenarios>`: those scenarios, printed; nothing written but the run details. */
async function onlySome(names: string): Promise<void> {
  const started = Date.now();
  const script = await bundleWorker();
  const only = names.split(",").filter(Boolean);
  const runs = await runScenarios(script, started + DEADLINE_MS, (line) => console.log(line), only);
  if (runs.length === 0)
    throw new Error(`--only ${names}: no such group or scenario; groups: ${Object.keys(GROUPS).join(", ")}`);
  keepRuns(runs);
  console.log(`\n${streamTable(runs)}\n\n${streamTargets(runs).join("\n")}`);
  console.log(
    `\n${((Date.now() - started) / 1000).toFixed(0)} s; BENCHMARKS.md and README.md left as they are`,
  );
}

const BACKLOG_START = "<!-- bench:backlog -->";
const BACKLOG_END = "<!-- /bench:backlog -->";

/** BENCHMARKS.md's backlog section as `--only backlog` last wrote it, markers included ("" if none). */
function backlogSectionOf(benchmarks: string): string {
  const from = benchmarks.indexOf(BACKLOG_START);
  const to = benchmarks.indexOf(BACKLOG_END);
  return from < 0 || to < from ? "" : benchmarks.slice(from, to + BACKLOG_END.length);
}

/** `--only backlog`: each size drained on its own emulator; the section of BENCHMARKS.md replaced. */
async function backlogOnly(): Promise<void> {
  const started = Date.now();
  const entriesArg = process.argv.indexOf("--entries");
  const sizes = entriesArg >= 0 ? [Number(process.argv[entriesArg + 1])] : [...BACKLOG_SIZES];
  if (sizes.some((size) => !Number.isInteger(size) || size < 1))
    throw new Error(`--entries ${process.argv[entriesArg + 1]}: not a whole number of entries`);
  const emulator = await startRemoteEmulator();
  const runs = [];
  try {
    for (const size of sizes) runs.push(await runBacklog(emulator, size, (line) => console.log(line)));
  } finally {
    emulator.stop();
  }
  const table = backlogTable(runs);
  const took = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`\n${table}\n\n${took} s`);
  if (entriesArg >= 0) return console.log("BENCHMARKS.md left as it is (--entries)");
  const section = `${BACKLOG_START}
## Draining a large backlog (issues 13 and 15)

Written by \`npm run bench -- --only backlog\` (bench/backlog.ts) on ${new Date().toISOString().slice(0, 10)}, in ${took} s;
not part of the whole \`npm run bench\`. Machine: ${machine()}.

The queue holds one entry per URL, as uploads in \`queue\` mode write them (stored straight into the
emulator's bucket). Timer invocations of the built \`dist/index.js\`, one after another on one warm
instance, each with SCF's default limit of 60 s (\`time_limit_in_ms\`), drain it until it is empty,
against 30 ms per call (COS and EdgeOne) and 20 requests/s per action. Counted from what the emulator
received: every \`CreatePurgeTask\` and every COS request (list, read, write, delete: the lease, the
journal and the entries). "Accepted" counts the URLs of accepted purge calls with repeats; lost are URLs
never accepted, duplicates URLs accepted more than once. The last invocation drains what is left, so it
is the minimum.
Each entry's key carries its body (\`queueKey\`, src/backlog/entries.ts), so a drain reads the entries
from its LISTs, with no GET per entry (before: 2.01 COS requests per entry, 49.9 s for 10,000 and
10 invocations for 100,000).

${table}
${BACKLOG_END}`;
  const path = resolve(ROOT, "BENCHMARKS.md");
  const benchmarks = readFileSync(path, "utf8");
  const old = backlogSectionOf(benchmarks);
  writeFileSync(
    path,
    old === "" ? `${benchmarks.trimEnd()}\n\n${section}\n` : benchmarks.replace(old, () => section),
  );
  console.log("BENCHMARKS.md (backlog section) written");
}

async function main(): Promise<void> {
  if (process.argv.includes("--readme")) return readmeFiguresOnly();
  const only = process.argv.indexOf("--only");
  if (only >= 0 && process.argv[only + 1] === "backlog") return backlogOnly();
  if (only >= 0) return onlySome(process.argv[only + 1] ?? "");
  const previousBacklog = backlogSectionOf(readFileSync(resolve(ROOT, "BENCHMARKS.md"), "utf8"));
  const started = Date.now();
  const script = await bundleWorker();
  const emulator = await startRemoteEmulator();
  let lone: Awaited<ReturnType<typeof loneUpload>>;
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
      "10,000 purged in 5 requests, 10,000 deferred to the backlog (not lost), 0 requests refused",
    );
    lone = await loneUpload(emulator);
    console.log(`lone upload: auto ${lone.auto.toFixed(1)} ms, direct ${lone.direct.toFixed(1)} ms`);
  } finally {
    emulator.stop();
  }
  const scenariosStarted = Date.now();
  const runs = await runScenarios(script, started + DEADLINE_MS, (line) => console.log(line));
  const scenarioSeconds = (Date.now() - scenariosStarted) / 1000;
  keepRuns(runs);

  const table = [
    "| measure | result | target / conditions |",
    "| --- | --- | --- |",
    ...rows.map((row) => `| ${row.measure} | ${row.result} | ${row.target} |`),
  ].join("\n");
  writeFileSync(
    resolve(ROOT, "BENCHMARKS.md"),
    `# Benchmarks

Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}, in ${((Date.now() - started) / 1000).toFixed(0)} s.

Machine: ${machine()}.

The function is the built bundle (\`dist/index.js\`); the API is the local emulator on loopback with
its rate limit of 20 requests/second per action on. Cold starts are fresh \`node\` processes, so they
include Node's own start-up of the module system but not the process itself.

${table}

${figuresComment(figures as Figures)}

${scenarioSection(runs, lone, scenarioSeconds)}
## What each mode costs, below and above the rate limit (issue 15)

Uploads arrive on schedule (the 2,000 at once to a pool of 20 warm instances; the streams to a pool that
starts an instance, cold, only when an upload finds none free, up to 20; "one instance" is a pool of
one taking 100 uploads back to back). Latency runs from the upload, so it includes the wait for a free
instance. Every run had the machine to itself: runs go one after another.

${streamTable(runs)}

${streamTargets(runs).join("\n")}
${previousBacklog === "" ? "" : `\n${previousBacklog}\n`}`,
  );
  // README.md quotes some of these; its sentence is rewritten from them (test/unit/bench-figures.test.ts).
  const readme = resolve(ROOT, "README.md");
  writeFileSync(readme, withFigures(readFileSync(readme, "utf8"), figures as Figures));
  writeHeadline([...headline(runs), ...streamHeadline(runs)]);
  console.log("\nBENCHMARKS.md and README.md (performance sentence, headline) written");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
