/**
 * The SCF handler, assembled from the pipeline's stages:
 *
 *     event → parseEvent → planPurges → ledger → deliver (execute | backlog) → summarize
 *     timer → drainBacklog → drain summary
 *
 * `createHandler` builds what lives as long as a warm instance (config, SDK adapters, quota cache,
 * rate limiter, ledger, backlog stores) once; each invocation only runs the stages.
 */
import { instanceId, lookAtOthers } from "./backlog/busy";
import { backlogOpener, type OpenStore } from "./backlog/open";
import { ConfigError, configWarnings, loadConfig } from "./config/config";
import { type Delivery, deliver, nothingExecuted } from "./deliver/deliver";
import { AutoPressure, eventWaited } from "./deliver/pressure";
import { rememberPurged, skipPurgedBefore } from "./deliver/retries";
import { drainWithinWindow, writeAndJoin } from "./deliver/window";
import { type DrainReport, drainBacklog } from "./drain/drain";
import { drainDeps } from "./drain/drain-deps";
import { failedTaskLanes } from "./drain/failed-tasks";
import { previewDrain, previewReport } from "./drain/preview";
import type { ExecuteDeps } from "./execute/execute";
import { PurgeLedger } from "./execute/ledger";
import { QuotaBook } from "./execute/quota";
import { createRateLimiter, type RateLimiter } from "./execute/rate-limit";
import { type Clock, systemClock } from "./foundation/clock";
import { createLogger, type Logger } from "./foundation/log";
import type { Config, ParsedEvent, Provider, Purger } from "./foundation/model";
import { secretsIn } from "./foundation/redact";
import { parseEvent } from "./plan/events";
import { planPurges, toLanes } from "./plan/plan";
import { planPrefetches } from "./plan/prefetch";
import { cosStoreOpener } from "./providers/cos-opener";
import { createPurgers } from "./providers/purgers";
import {
  describeRejected,
  isIncomplete,
  PurgeFailedError,
  type Summary,
  summarize,
  summarizeDrain,
} from "./report/report";

/** The fields of SCF's `context` this function reads. */
export interface ScfContext {
  readonly request_id?: string;
  readonly function_name?: string;
  /** The function's time limit; the invocation started a moment before the handler was called. */
  readonly time_limit_in_ms?: number;
  /** Time left at the moment of the call, as Lambda-style contexts report it; used without `time_limit_in_ms`. */
  readonly getRemainingTimeInMillis?: () => number;
}

export type Handler = (event: unknown, context?: ScfContext) => Promise<Summary>;

export interface HandlerOptions {
  /** Environment to read settings and credentials from; default `process.env`. */
  readonly env?: Record<string, string | undefined>;
  readonly clock?: Clock;
  /** Where JSON lines go; default stdout. */
  readonly write?: (line: string) => void;
  /** Replaces the SDK adapters (benchmarks of the pure pipeline). */
  readonly purgers?: Partial<Record<Provider, Purger>>;
  /** Replaces the COS adapter of the backlog (tests of the drain logic). */
  readonly openStore?: OpenStore;
  /** The rate limiter and quota book of a CLI run, shared with its other calls (cli/run.ts). */
  readonly shared?: { readonly limiter: RateLimiter; readonly quota: QuotaBook };
}

/** Used when the context says nothing of time (local runs): SCF's default timeout is 3 s, ours 60 s. */
const DEFAULT_TIME_LIMIT_MS = 60_000;

/**
 * Time kept back from the function's limit so that the summary is logged and the Error thrown before
 * SCF kills the instance: 10% of the limit, at least 0.5 s, at most 3 s.
 */
export function reserveFor(timeLimitMs: number): number {
  return Math.min(3_000, Math.max(500, timeLimitMs / 10));
}

/**
 * Builds a handler. Reads and validates the configuration now (cold start); a bad setting throws
 * `ConfigError` naming the variable, the value and what is accepted.
 */
export function createHandler(options: HandlerOptions = {}): Handler {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const config = loadConfig(env);
  const coldStartLog = createLogger({ env, ...(options.write ? { write: options.write } : {}) });
  for (const warning of configWarnings(config)) coldStartLog.warn("configuration warning", { ...warning });
  const purgers = options.purgers ?? createPurgers(config, env);
  const quota = options.shared?.quota ?? new QuotaBook(clock);
  // One limiter per instance: the 20 requests/second hold across back-to-back warm invocations too.
  const limiter = options.shared?.limiter ?? createRateLimiter(clock);
  const ledger = new PurgeLedger(clock);
  const pressure = new AutoPressure(config.windowMs);
  const instance = instanceId();
  const backlogs = backlogOpener(config, clock, options.openStore ?? cosStoreOpener(config, env));

  return async (event, context = {}) => {
    const started = clock.now();
    const requestId = context.request_id ?? "local";
    const log = createLogger({
      level: config.logLevel,
      base: { requestId },
      env,
      ...(options.write ? { write: options.write } : {}),
    });
    const timeLimit = timeLeft(context);
    const deadline = started + timeLimit - reserveFor(timeLimit);
    const execute: ExecuteDeps = {
      purgers,
      quota,
      limiter,
      clock,
      deadline,
      maxAttempts: config.maxAttempts,
      requestTimeoutMs: config.requestTimeoutMs,
      log,
    };

    const parsed = parseOrLog(event, config, log);
    if (parsed.source === "timer") {
      const backlog = backlogs();
      if (backlog === undefined) throw timerWithoutBucket(log);
      if (config.dryRun) {
        // A dry run purges nothing from any path: it says what a drain would submit, and writes nothing.
        const preview = await previewDrain(backlog, clock.now());
        log.info("drain preview", { ...preview });
        const durationMs = clock.now() - started;
        const context = { requestId, log, durationMs, parsed, secrets: secretsIn(env), dryRun: true };
        return finishDrain(previewReport(preview), context);
      }
      const report = await drainBacklog({
        ...drainDeps(execute, backlog, requestId, config),
        yieldToWindow: true,
        failedTaskLanes: failedTaskLanes(config),
      });
      const durationMs = clock.now() - started;
      return finishDrain(report, { requestId, log, durationMs, parsed, secrets: secretsIn(env) });
    }
    // auto's pressure learns when the invocation really ended, not when its delivery did: what follows
    // (the ledger, the summary, the log) took 30 ms and more on a loaded host, enough to hide that the
    // next event was waiting (pressure.ts BACK_TO_BACK_MS).
    try {
      if (parsed.rejected.length > 0) log.error("event records rejected", describeRejected(parsed.rejected));

      const plan = planPurges(parsed.changes, config);
      const skipped = [...parsed.skipped, ...plan.skipped];
      const backlog = backlogs(parsed.changes[0]);
      const retry = { ...execute, ledger, backlog };
      const { toPurge, alreadyPurged } = await skipPurgedBefore(plan.targets, parsed.changes, retry);
      const prefetch = planPrefetches(parsed.changes, toPurge, config);
      const delivery: Delivery = config.dryRun
        ? { route: "direct", execution: nothingExecuted(), deferred: [], failures: [] }
        : await deliver(toLanes(toPurge), {
            ...execute,
            mode: config.mode,
            pressure,
            backlog,
            startedAt: started,
            waitedMs: eventWaited(parsed.changes, started),
            lookAtOthers: async (mark) =>
              backlog === undefined ? [] : lookAtOthers(backlog, instance, config.windowMs, clock, mark),
            requestId,
            prefetch: toLanes(prefetch),
            ...(config.collapse.minFiles > 0 ? { collapse: config.collapse } : {}),
            drainSoon: async () =>
              backlog &&
              drainWithinWindow({
                ...drainDeps(execute, backlog, requestId, config),
                windowMs: config.windowMs,
                // auto answers for latency (two windows), queue for calls (fuller batches).
                maxHoldMs: (config.mode === "queue" ? 20 : 2) * config.windowMs,
                // Only auto reads the holder's gathering marks (pressure.ts): queue's holder writes none.
                ...(config.mode === "auto"
                  ? { firstWait: "quiet" as const, instance }
                  : { firstWait: "window" as const }),
              }),
            writeAndJoin: async (write) =>
              backlog === undefined
                ? { written: await write(), joined: false }
                : writeAndJoin(backlog, clock, write),
          });
      if (delivery.drain) logDrain(delivery.drain, log);

      const summary = summarize({
        requestId,
        event: parsed,
        skipped,
        planned: plan.targets,
        alreadyPurged: alreadyPurged.length,
        delivery,
        dryRun: config.dryRun,
        durationMs: clock.now() - started,
        ...(config.prefetch.length > 0 ? { prefetch } : {}),
        secrets: secretsIn(env),
      });
      const failing = isIncomplete(summary);
      await rememberPurged(plan.targets, parsed.changes, delivery, { ...retry, failing, alreadyPurged });
      if (failing) {
        log.error("purge summary", { ...summary });
        throw new PurgeFailedError(summary);
      }
      log.info("purge summary", { ...summary });
      return summary;
    } finally {
      if (config.mode === "auto") pressure.leave(clock.now());
    }
  };
}

function finishDrain(
  report: DrainReport,
  context: {
    requestId: string;
    log: Logger;
    durationMs: number;
    parsed: ParsedEvent;
    secrets: readonly string[];
    dryRun?: boolean;
  },
): Summary {
  logDrain(report, context.log);
  const summary = summarizeDrain(report, context);
  if (isIncomplete(summary)) {
    context.log.error("purge summary", { ...summary });
    throw new PurgeFailedError(summary);
  }
  context.log.info("purge summary", { ...summary });
  return summary;
}

function logDrain(report: DrainReport, log: Logger): void {
  const { jobs, quota, failures, collapsed, unreadable, ...counts } = report;
  log.info("drain summary", {
    ...counts,
    // Top-level scalars, the only fields CLS indexes (alarm-fields.ts).
    ...(failures[0]
      ? { firstFailureCode: failures[0].code, firstFailureProvider: failures[0].provider }
      : {}),
    jobs: jobs.length,
    failed: failures.reduce((sum, failure) => sum + failure.targets.length, 0),
    collapsed: collapsed.slice(0, 20),
    unreadable: unreadable.length,
    quota,
  });
}

function timerWithoutBucket(log: Logger): ConfigError {
  const error = new ConfigError([
    {
      variable: "PURGE_BACKLOG_BUCKET",
      value: undefined,
      problem: "a timer event drains the backlog, but no bucket is configured to find it in",
      accepted:
        "the bucket of the COS trigger with its appid (examplebucket-1250000000), and PURGE_BACKLOG_REGION",
    },
  ]);
  log.error("timer event: no backlog to drain", { error });
  return error;
}

/**
 * The time this invocation may take from now: `time_limit_in_ms`, else what `getRemainingTimeInMillis()`
 * says is left (read once, here, at the start), else `DEFAULT_TIME_LIMIT_MS`.
 */
function timeLeft(context: ScfContext): number {
  if (context.time_limit_in_ms !== undefined) return context.time_limit_in_ms;
  try {
    const remaining = Number(context.getRemainingTimeInMillis?.());
    if (Number.isFinite(remaining)) return Math.max(0, remaining);
  } catch {
    // A context whose clock fails says nothing of time: as if it had none.
  }
  return DEFAULT_TIME_LIMIT_MS;
}

function parseOrLog(event: unknown, config: Config, log: Logger): ParsedEvent {
  try {
    return parseEvent(event, config);
  } catch (error) {
    log.error("event rejected", { error });
    throw error;
  }
}
