/**
 * The burst scenarios of issues 8 and 9, each run for the baseline template and the three purge modes:
 *
 * 1. burst: 2,000 single-file uploads on 2 domains from 20 concurrent instances, the timer drain on
 *    its schedule;
 * 2. the same as one site deploy under `assets/`, with collapse on;
 * 3. the burst with only 1,000 URL units left today (collapse on, as in 2).
 *
 * Every run has its own emulator state (reset), the real limits (20 requests/s per action across all
 * processes, Batch 2,000, Daily 10,000) and 30 ms per call. Runs go in four lanes, each against its own
 * emulator process, so that the rate-bound runs (the baseline's and `direct`'s take minutes, sleeping
 * between retries) go on beside the others and the whole benchmark stays within 10 minutes.
 */
import { cosEvent, cosRecord } from "../src/cli/samples";
import { loadConfig } from "../src/config/config";
import type { EmulatorConfigInput } from "../src/emulator";
import { parseEvent } from "../src/plan/events";
import { planPurges } from "../src/plan/plan";
import { EMULATOR_CREDENTIALS } from "../test/support/built-function";
import { type BurstRun, runBurst } from "./burst";
import { type RemoteEmulator, startRemoteEmulator } from "./emulator";
import { type BurstFigures, measureBurst } from "./measure";
import type { Strategy } from "./protocol";

export const FILES = 2_000;
export const INSTANCES = 20;
export const DOMAINS = ["www.example.com", "static.example.com"] as const;
export const LATENCY_MS = 30;
/** The timer trigger's period: `*\/30 * * * * * *`, the cron of Tencent's own timer example. */
export const TIMER_EVERY_MS = 30_000;
export const TIME_LIMIT_MS = 60_000;
/** Collapse in scenarios 2 and 3: a folder purge for 100 or more queued URLs under one folder. */
export const COLLAPSE_MIN_FILES = 100;
export const QUOTA_LEFT = 1_000;
export const BUCKET = "examplebucket-1250000000";

export type ScenarioId = "burst" | "deploy" | "quota";
export const STRATEGIES: readonly Strategy[] = ["baseline", "direct", "auto", "queue"];

/** Scenario 1 and 3: photos uploaded into 20 folders. */
const burstKeys = Array.from(
  { length: FILES },
  (_, i) => `photos/2026/${String(i % 20).padStart(2, "0")}/img-${String(i).padStart(4, "0")}.jpg`,
);
/** Scenario 2: a static site's build output, the way a deploy tool uploads it. */
const deployKeys = Array.from({ length: FILES }, (_, i) => {
  const kinds = [
    ["js", "js"],
    ["css", "css"],
    ["img", "png"],
    ["fonts", "woff2"],
    ["media", "mp4"],
  ] as const;
  const [folder, ext] = kinds[i % kinds.length] ?? kinds[0];
  return `assets/${folder}/chunk-${String(i).padStart(4, "0")}.${ext}`;
});

export interface ScenarioRun {
  readonly scenario: ScenarioId;
  readonly strategy: Strategy;
  readonly figures: BurstFigures;
  readonly run: BurstRun;
}

interface Planned {
  readonly scenario: ScenarioId;
  readonly strategy: Strategy;
  /** Latest time (epoch ms) by which no more uploads are handed out. */
  readonly boundMs: number;
}

function envFor(emulator: RemoteEmulator, scenario: ScenarioId): Record<string, string> {
  return {
    ZoneId: "zone-emulator",
    eoDomains: DOMAINS.join(" "),
    TEO_ENDPOINT: emulator.url,
    COS_ENDPOINT: emulator.url,
    PURGE_BACKLOG_BUCKET: BUCKET,
    PURGE_BACKLOG_REGION: "ap-guangzhou",
    ...(scenario === "burst" ? {} : { PURGE_COLLAPSE_MIN_FILES: String(COLLAPSE_MIN_FILES) }),
    ...EMULATOR_CREDENTIALS,
  };
}

function emulatorFor(scenario: ScenarioId): EmulatorConfigInput {
  return {
    latencyMs: LATENCY_MS,
    rateLimit: 20,
    cos: { buckets: [{ name: BUCKET, region: "ap-guangzhou" }] },
    zones: [
      {
        zoneId: "zone-emulator",
        domains: [...DOMAINS],
        // Defaults (Batch 2,000, Daily 10,000) except the URL quota of scenario 3.
        ...(scenario === "quota" ? { quota: { purge_url: { daily: QUOTA_LEFT } } } : {}),
      },
    ],
  };
}

/** Each uploaded key's planned URLs: what every strategy has to purge. */
function plannedUrls(keys: readonly string[], env: Record<string, string>): Map<string, string[]> {
  const config = loadConfig(env);
  return new Map(
    keys.map((key) => [
      key,
      planPurges(parseEvent(cosEvent(cosRecord({ key })), config).changes, config).targets.map(
        (target) => target.url,
      ),
    ]),
  );
}

async function runOne(
  emulator: RemoteEmulator,
  planned: Planned,
  script: string,
  log: (line: string) => void,
): Promise<ScenarioRun> {
  const { scenario, strategy } = planned;
  const keys = scenario === "deploy" ? deployKeys : burstKeys;
  const env = envFor(emulator, scenario);
  const started = Date.now();
  const run = await runBurst(
    emulator,
    {
      label: `${scenario} ${strategy}`,
      strategy,
      keys,
      instances: INSTANCES,
      emulator: emulatorFor(scenario),
      env,
      timeLimitMs: TIME_LIMIT_MS,
      timerEveryMs: TIMER_EVERY_MS,
      boundMs: Math.max(10_000, planned.boundMs - Date.now()),
    },
    script,
  );
  const figures = measureBurst(run, plannedUrls(keys, env));
  log(
    `${scenario} ${strategy}: ${figures.purgeCalls} purge calls (${figures.refused} refused), ` +
      `${figures.unitsUrl}+${figures.unitsPrefix} units, ${figures.errors} errors, ${figures.lost} lost, ` +
      `${figures.deferred} deferred, p95 ${(figures.p95 / 1000).toFixed(1)} s, ` +
      `wall ${(figures.wallMs / 1000).toFixed(1)} s (run ${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
  return { scenario, strategy, figures, run };
}

/**
 * Runs every scenario for every strategy, in four lanes (see the module comment), each lane's runs
 * one after another against its own emulator. `deadline` (epoch ms) bounds every run: no upload is
 * handed out after it, and what could not run is reported as such.
 */
export async function runScenarios(
  script: string,
  deadline: number,
  log: (line: string) => void,
): Promise<ScenarioRun[]> {
  const lane = (...runs: [ScenarioId, Strategy][]) =>
    runs.map(([scenario, strategy]) => ({ scenario, strategy, boundMs: deadline }));
  const lanes: Planned[][] = [
    // Latency matters here: the queueing modes one after another.
    lane(
      ["burst", "auto"],
      ["burst", "queue"],
      ["deploy", "auto"],
      ["deploy", "queue"],
      ["quota", "auto"],
      ["quota", "queue"],
    ),
    // Rate-bound: each about two minutes, mostly waiting for the 20 requests/s.
    lane(["burst", "baseline"], ["burst", "direct"], ["deploy", "direct"]),
    lane(["quota", "direct"], ["deploy", "baseline"]),
    // The template on an exhausted quota: 9 calls and 6 s of sleep per file, 1,500 files: longer than
    // the bound allows; what it did not reach is reported as not uploaded.
    lane(["quota", "baseline"]),
  ];
  const results = await Promise.all(
    lanes.map(async (runs) => {
      const emulator = await startRemoteEmulator();
      try {
        const done: ScenarioRun[] = [];
        for (const planned of runs) done.push(await runOne(emulator, planned, script, log));
        return done;
      } finally {
        emulator.stop();
      }
    }),
  );
  return results.flat();
}
