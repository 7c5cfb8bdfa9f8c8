/**
 * The burst scenarios of issues 8 and 9, each run for the baseline template and the three purge modes:
 *
 * 1. burst: 2,000 single-file uploads on 2 domains from 20 concurrent instances, the timer drain on
 *    its schedule;
 * 2. the same as one site deploy under `assets/`, with collapse on;
 * 3. the burst with only 1,000 URL units left today (collapse on, as in 2);
 *
 * and the streams of issue 15, for `auto` and `direct`: uploads arriving at 2/s and 10/s for 60 s
 * (below the account's 20 calls/s) and 40/s for 30 s (above it), to a pool of at most 20 instances that
 * starts an instance only when an upload finds none free; and one instance taking 100 uploads back to
 * back.
 *
 * Every run has its own emulator state (reset), the real limits (20 requests/s per action across all
 * processes, Batch 2,000, Daily 10,000) and 30 ms per call. Runs go one at a time (see `GROUPS`): the
 * whole benchmark takes about half an hour.
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

export type ScenarioId = "burst" | "deploy" | "quota" | StreamId;
export type StreamId = "trickle" | "stream" | "flood" | "single";

/** Issue 15's shapes: uploads per second and for how long, or (single) one instance back to back. */
export const STREAMS: Record<
  StreamId,
  { perSecond: number; seconds: number; instances: number; label: string }
> = {
  trickle: { perSecond: 2, seconds: 60, instances: INSTANCES, label: "2/s for 60 s" },
  stream: { perSecond: 10, seconds: 60, instances: INSTANCES, label: "10/s for 60 s" },
  flood: { perSecond: 40, seconds: 30, instances: INSTANCES, label: "40/s for 30 s" },
  // 100 uploads at once to a pool of one: the instance takes them back to back.
  single: {
    perSecond: Number.POSITIVE_INFINITY,
    seconds: 100,
    instances: 1,
    label: "one instance, 100 back to back",
  },
};
export const isStream = (id: ScenarioId): id is StreamId => id in STREAMS;

function streamKeys(id: StreamId): { keys: string[]; arrivals: number[] } {
  const { perSecond, seconds } = STREAMS[id];
  const count = id === "single" ? seconds : perSecond * seconds;
  const keys = Array.from({ length: count }, (_, i) => `photos/${id}/img-${String(i).padStart(4, "0")}.jpg`);
  const arrivals = keys.map((_, i) => (Number.isFinite(perSecond) ? Math.round((1000 * i) / perSecond) : 0));
  return { keys, arrivals };
}
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
  const collapse = scenario === "deploy" || scenario === "quota";
  return {
    ZoneId: "zone-emulator",
    eoDomains: DOMAINS.join(" "),
    TEO_ENDPOINT: emulator.url,
    COS_ENDPOINT: emulator.url,
    PURGE_BACKLOG_BUCKET: BUCKET,
    PURGE_BACKLOG_REGION: "ap-guangzhou",
    ...(collapse ? { PURGE_COLLAPSE_MIN_FILES: String(COLLAPSE_MIN_FILES) } : {}),
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
  const stream = isStream(scenario) ? streamKeys(scenario) : undefined;
  const keys = stream?.keys ?? (scenario === "deploy" ? deployKeys : burstKeys);
  const env = envFor(emulator, scenario);
  const started = Date.now();
  const run = await runBurst(
    emulator,
    {
      label: `${scenario} ${strategy}`,
      strategy,
      keys,
      // A stream starts instances as uploads need them; the bursts go to a pool already scaled out.
      ...(stream && scenario !== "single" ? { arrivals: stream.arrivals, warm: false } : { warm: true }),
      instances: isStream(scenario) ? STREAMS[scenario].instances : INSTANCES,
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
      `${figures.deferred} deferred, p50 ${(figures.p50 / 1000).toFixed(2)} s, p95 ${(figures.p95 / 1000).toFixed(2)} s, ` +
      `instance time ${(figures.instanceMs / 1000).toFixed(1)} s, ${figures.cosRequests} COS requests, ` +
      `${figures.loneWindows} lone windows, ${figures.instancesUsed} instances, ` +
      `wall ${(figures.wallMs / 1000).toFixed(1)} s (run ${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
  return { scenario, strategy, figures, run };
}

type Run = readonly [ScenarioId, Strategy];

/**
 * The runs, one after another against one emulator process: on a 2-core machine twenty worker
 * processes already fill it, and runs side by side would make every latency a measure of the others.
 * `npm run bench -- --only streams` (a group), `--only flood` (a scenario, every mode) or
 * `--only burst:auto,burst:direct` (single runs) picks some.
 */
export const GROUPS: Record<"bursts" | "streams", readonly Run[]> = {
  bursts: [
    ["burst", "auto"],
    ["burst", "queue"],
    ["burst", "direct"],
    ["burst", "baseline"],
    ["deploy", "auto"],
    ["deploy", "queue"],
    ["deploy", "direct"],
    ["deploy", "baseline"],
    ["quota", "auto"],
    ["quota", "queue"],
    ["quota", "direct"],
    // The template on an exhausted quota: 9 calls and 6 s of sleep per file, 1,500 files: longer than
    // a run's bound allows; what it did not reach is reported as not uploaded.
    ["quota", "baseline"],
  ],
  streams: [
    ["trickle", "auto"],
    ["trickle", "direct"],
    ["stream", "auto"],
    ["stream", "direct"],
    ["flood", "auto"],
    ["flood", "direct"],
    ["single", "auto"],
    ["single", "direct"],
  ],
};

/** No upload is handed out later than this after a run's start (the slowest, quota baseline, hits it). */
export const RUN_BOUND_MS = 3 * 60_000;

/**
 * Runs the `GROUPS` runs that `only` names, one after another against one emulator. `deadline` (epoch
 * ms) bounds the whole: no upload is handed out after it, and what could not run is reported as such.
 */
export async function runScenarios(
  script: string,
  deadline: number,
  log: (line: string) => void,
  only?: readonly string[],
): Promise<ScenarioRun[]> {
  const picked = (group: string, [scenario, strategy]: Run) =>
    only === undefined ||
    only.includes(group) ||
    only.includes(scenario) ||
    only.includes(`${scenario}:${strategy}`);
  const runs = Object.entries(GROUPS).flatMap(([group, groupRuns]) =>
    groupRuns.filter((run) => picked(group, run)),
  );
  const done: ScenarioRun[] = [];
  if (runs.length === 0) return done;
  const emulator = await startRemoteEmulator();
  try {
    for (const [scenario, strategy] of runs) {
      const boundMs = Math.min(deadline, Date.now() + RUN_BOUND_MS);
      done.push(await runOne(emulator, { scenario, strategy, boundMs }, script, log));
    }
  } finally {
    emulator.stop();
  }
  return done;
}
