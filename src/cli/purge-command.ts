/**
 * `cos-purge purge KEY|URL...`: a manual purge, planned and executed as the function would.
 *
 * - Object keys become a COS event (samples.ts) run through the real handler (`createHandler`), so
 *   PURGE_KEY_PREFIX, include/exclude, URL spellings, index documents, batching, quotas, retries and
 *   whatever else the handler does apply unchanged.
 * - URLs (`https://...`) are purged as given, in the lane of the configured site with their host.
 * - `--prefix` purges folders (`purge_prefix`): keys are mapped to each site's folder URL (only
 *   PURGE_KEY_PREFIX applies: include/exclude globs describe files, not folders), URLs are taken as given.
 * These go to `deliver`, the handler's delivery, directly (no event can carry them): purged at once,
 *   and what time can fix waits in the configured backlog, as for keys.
 */
import { randomUUID } from "node:crypto";
import { backlogOpener } from "../backlog/open";
import { loadConfig } from "../config/config";
import { type Delivery, deliver, nothingExecuted } from "../deliver/deliver";
import { AutoPressure } from "../deliver/pressure";
import { createLogger } from "../foundation/log";
import type {
  Config,
  ObjectChange,
  PlannedTarget,
  Provider,
  Purger,
  SkippedRecord,
  TaskType,
} from "../foundation/model";
import { createHandler } from "../handler";
import { parseEvent } from "../plan/events";
import { planPurges, toLanes } from "../plan/plan";
import { cosStoreOpener } from "../providers/cos-opener";
import { createPurgers } from "../providers/purgers";
import { PurgeFailedError, type Summary, summarize } from "../report/report";
import { UsageError } from "./args";
import { EXIT, exitCodeForFailures } from "./exit-codes";
import { out, outJson, toStderr } from "./output";
import { describePlan } from "./plan-output";
import { countSubmissions, createProgress } from "./progress";
import { planText, reportText } from "./purge-text";
import { urlTargets } from "./purge-urls";
import { type CliRun, startCliRun } from "./run";
import { cosRecord } from "./samples";

export interface PurgeOptions {
  /** Object keys and http(s) URLs, in any mix. */
  readonly inputs: readonly string[];
  readonly prefix: boolean;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly timeLimitMs: number;
}

/** What `purge --json` prints: the handler's summary fields, over every key and URL given. */
export interface PurgeReport {
  readonly requestId: string;
  readonly planned: number;
  readonly purged: number;
  readonly alreadyPurged: number;
  /** Targets written to the backlog (PURGE_BACKLOG_BUCKET): a drain purges them later. */
  readonly deferred: number;
  readonly failed: number;
  readonly dryRun: boolean;
  readonly skipped: Summary["skipped"];
  readonly rejected: Summary["rejected"];
  readonly failures: Summary["failures"];
  readonly deferrals: Summary["deferrals"];
  readonly jobs: Summary["jobs"];
  readonly quota: Summary["quota"];
  readonly apiCalls: number;
  readonly durationMs: number;
}

const isUrl = (input: string): boolean => /^https?:\/\//i.test(input);
/** Keys as pasted from a path (`/img/a.png`): COS keys never start with `/`. */
const asKey = (input: string): string => input.replace(/^\/+/, "");
const asFolder = (path: string): string => (path === "" || path.endsWith("/") ? path : `${path}/`);

export async function purgeCommand(
  options: PurgeOptions,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const started = Date.now();
  const config = loadConfig(env);
  const type: TaskType = options.prefix ? "purge_prefix" : "purge_url";
  const keys = options.inputs.filter((input) => !isUrl(input)).map(asKey);
  // An empty key would reach the event parser and come back as a rejected record's field path.
  if (!options.prefix && keys.some((key) => key.trim() === "")) {
    throw new UsageError(
      'an empty key (or only "/"): give object keys like img/a.png, URLs like https://www.example.com/a.png, or --prefix for folders.',
    );
  }
  const direct = urlTargets(options.inputs.filter(isUrl), config, type);
  const skipped: SkippedRecord[] = [];
  let event: unknown;
  let keyTargets: PlannedTarget[] = [];
  if (options.prefix) {
    const folders = planFolders(keys, config);
    direct.push(...folders.targets);
    skipped.push(...folders.skipped);
  } else if (keys.length > 0) {
    event = keyEvent(keys, config);
    const parsed = parseEvent(event, config);
    const plan = planPurges(parsed.changes, config);
    keyTargets = plan.targets;
    skipped.push(...parsed.skipped, ...plan.skipped);
  }

  if (options.dryRun) {
    const plan = describePlan([...keyTargets, ...direct], skipped.map(withInputTip));
    if (options.json) outJson(plan);
    else out(planText(plan));
    return EXIT.done;
  }

  const requestId = `cli-${randomUUID()}`;
  const progress = createProgress({
    total: keyTargets.length + direct.length,
    label: "purging",
    unit: "URLs",
  });
  const purgers = countSubmissions(createPurgers(config, env), progress.add);
  // The summary is the command's output (stdout); the handler's other lines are logs (stderr).
  const write = (line: string) => {
    if (!line.includes('"msg":"purge summary"')) toStderr(line);
  };
  const run = startCliRun();
  const parts: Summary[] = [];
  try {
    if (event !== undefined) {
      const handler = createHandler({ env: handlerEnv(env), write, purgers, shared: run });
      parts.push(await runHandler(handler, event, requestId, options.timeLimitMs));
    }
    if (direct.length > 0)
      parts.push(await purgeDirect(direct, { config, env, purgers, run, requestId, write }, options));
  } finally {
    progress.done();
  }
  const report = mergeReports(parts, skipped, requestId, Date.now() - started);
  if (options.json) outJson(report);
  else out(reportText(report));
  if (report.failed === 0 && report.deferred === 0 && report.rejected.length === 0) return EXIT.done;
  return Math.max(EXIT.notDone, exitCodeForFailures(report.failures.map((failure) => failure.code)));
}

async function runHandler(
  handler: ReturnType<typeof createHandler>,
  event: unknown,
  requestId: string,
  timeLimitMs: number,
): Promise<Summary> {
  try {
    return await handler(event, { request_id: requestId, time_limit_in_ms: timeLimitMs });
  } catch (error) {
    if (error instanceof PurgeFailedError) return error.summary;
    throw error;
  }
}

/**
 * A COS event with one upload (or, when only deletes purge, one delete) per key. The records name no
 * region: the bucket in them is made up, so the handler's backlog is the configured one
 * (PURGE_BACKLOG_BUCKET and PURGE_BACKLOG_REGION) or none.
 */
function keyEvent(keys: readonly string[], config: Config): unknown {
  const name = config.purgeOn.includes("created") ? "cos:ObjectCreated:Put" : "cos:ObjectRemove:Delete";
  // Not cosEvent(...records): 130,000 keys spread into one call overflow the stack (issue 13, row 9).
  const Records = keys.map((key) => {
    const record = cosRecord({ key, event: name });
    record.cos.cosObject.url = "";
    record.cos.cosBucket.region = "";
    return record;
  });
  return { Records };
}

/**
 * The handler's environment for a manual purge: purge now (`PURGE_MODE=direct`; `queue` would only
 * write to the backlog), and no backlog region without its bucket (the events' bucket is made up).
 */
function handlerEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return {
    ...env,
    PURGE_MODE: "direct",
    ...(env.PURGE_BACKLOG_BUCKET?.trim() ? {} : { PURGE_BACKLOG_REGION: "" }),
  };
}

/** Each key folder's URL on every site (all spellings); only PURGE_KEY_PREFIX applies. */
function planFolders(keys: readonly string[], config: Config): ReturnType<typeof planPurges> {
  const changes: ObjectChange[] = keys.map((key, index) => ({
    key: asFolder(key),
    kind: "created",
    eventName: "cos-purge purge --prefix",
    bucket: "",
    region: "",
    record: String(index),
    version: "",
  }));
  const plan = planPurges(changes, { ...config, include: [], exclude: [], indexDocument: "" });
  return { ...plan, targets: plan.targets.map((target) => ({ ...target, type: "purge_prefix" as const })) };
}

/** What the command's purges share: its configuration, adapters, limiter and quota book, log. */
interface PurgeRun {
  readonly config: Config;
  readonly env: Record<string, string | undefined>;
  readonly purgers: Partial<Record<Provider, Purger>>;
  readonly run: CliRun;
  readonly requestId: string;
  readonly write: (line: string) => void;
}

/**
 * Purges targets that no event can carry (URLs, folders) through the handler's delivery, as the
 * handler purges keys here (`PURGE_MODE=direct`): at once, and what time can fix (a quota, the rate
 * limit, an outage) to the configured backlog for a drain, instead of failing.
 */
async function purgeDirect(
  targets: readonly PlannedTarget[],
  { config, env, purgers, run, requestId, write }: PurgeRun,
  options: PurgeOptions,
): Promise<Summary> {
  const { clock } = run;
  const started = clock.now();
  const log = createLogger({ level: config.logLevel, base: { requestId }, write });
  // No event names a bucket: only the configured backlog (PURGE_BACKLOG_BUCKET and _REGION), if any.
  const backlog = backlogOpener(config, clock, cosStoreOpener(config, env))();
  // PURGE_DRY_RUN stops these as it stops the handler: a dry run purges nothing from any path.
  const delivery: Delivery = config.dryRun
    ? { route: "direct", execution: nothingExecuted(), deferred: [], failures: [] }
    : await deliver(toLanes(targets), {
        purgers,
        ...run,
        deadline: started + options.timeLimitMs,
        maxAttempts: config.maxAttempts,
        requestTimeoutMs: config.requestTimeoutMs,
        log,
        mode: "direct",
        pressure: new AutoPressure(config.windowMs),
        lookAtOthers: async () => [],
        startedAt: started,
        backlog,
        requestId,
        // `direct` never drains in the invocation: the timer's drain (or `backlog drain`) does.
        drainSoon: async () => undefined,
        writeAndJoin: async (write) => ({ written: await write(), joined: false }),
      });
  return summarize({
    requestId,
    event: { source: "cos", records: 0, changes: [], skipped: [], rejected: [] },
    skipped: [],
    planned: targets,
    alreadyPurged: 0,
    delivery,
    dryRun: config.dryRun,
    durationMs: clock.now() - started,
  });
}

/** A folder key given without --prefix is skipped as a folder marker: say what would purge it. */
function withInputTip(record: SkippedRecord): SkippedRecord {
  return record.reason.startsWith("folder marker")
    ? { ...record, reason: `${record.reason}; purge a folder with --prefix` }
    : record;
}

function mergeReports(
  parts: readonly Summary[],
  skipped: readonly SkippedRecord[],
  requestId: string,
  durationMs: number,
): PurgeReport {
  const sum = (pick: (summary: Summary) => number) => parts.reduce((total, part) => total + pick(part), 0);
  return {
    requestId,
    planned: sum((part) => part.planned),
    purged: sum((part) => part.purged),
    alreadyPurged: sum((part) => part.alreadyPurged),
    deferred: sum((part) => part.deferred),
    failed: sum((part) => part.failed),
    dryRun: parts.some((part) => part.dryRun),
    skipped: skipped.map(withInputTip),
    rejected: parts.flatMap((part) => part.rejected),
    failures: parts.flatMap((part) => part.failures),
    deferrals: parts.flatMap((part) => part.deferrals),
    jobs: parts.flatMap((part) => part.jobs),
    quota: parts.flatMap((part) => part.quota),
    apiCalls: sum((part) => part.apiCalls),
    durationMs,
  };
}
