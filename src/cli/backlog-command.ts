/**
 * `cos-purge backlog`: what waits in the backlog (per lane and reason, the oldest age), and
 * `cos-purge backlog drain`: drain it now, exactly as the timer trigger does.
 */
import { randomUUID } from "node:crypto";
import type { Backlog } from "../backlog/backlog";
import type { HeldLease } from "../backlog/lease";
import { backlogOpener } from "../backlog/open";
import { ConfigError, loadConfig } from "../config/config";
import { type DrainReport, drainBacklog } from "../drain/drain";
import { drainDeps } from "../drain/drain-deps";
import { systemClock } from "../foundation/clock";
import { createLogger } from "../foundation/log";
import type { Config, Provider, TaskType } from "../foundation/model";
import { cosStoreOpener } from "../providers/cos-opener";
import { createPurgers } from "../providers/purgers";
import { EXIT, exitCodeForFailures } from "./exit-codes";
import { out, outJson, table, toStderr } from "./output";
import { countSubmissions, createProgress, formatDuration } from "./progress";
import { startCliRun } from "./run";
import { terminalSafe } from "./terminal-text";

type Env = Record<string, string | undefined>;

/** One lane and reason of the backlog. */
export interface BacklogLane {
  readonly provider: Provider;
  readonly zoneId?: string;
  readonly area?: string;
  readonly type: TaskType;
  readonly reason: string;
  readonly entries: number;
  readonly targets: number;
  readonly oldestAgeMs: number;
  /** The most drains any of its entries failed. */
  readonly tries: number;
}

/** What `cos-purge backlog --json` prints. */
export interface BacklogListing {
  readonly entries: number;
  readonly targets: number;
  readonly oldestAgeMs: number;
  readonly lanes: readonly BacklogLane[];
  /** Submissions of earlier drains whose tasks are not confirmed yet. */
  readonly unconfirmed: number;
  /** Entries this version cannot read (left in place). */
  readonly unreadable: number;
}

/** The configured backlog, or a configuration error naming the two settings it needs. */
function configuredBacklog(config: Config, env: Env): Backlog {
  const backlog = backlogOpener(config, systemClock, cosStoreOpener(config, env))();
  if (backlog !== undefined) return backlog;
  throw new ConfigError([
    {
      variable: config.backlog.bucket ? "PURGE_BACKLOG_REGION" : "PURGE_BACKLOG_BUCKET",
      value: undefined,
      problem: "the CLI has no triggering event to take the backlog's bucket from",
      accepted:
        "PURGE_BACKLOG_BUCKET (bucket-appid) and PURGE_BACKLOG_REGION (ap-guangzhou), as the function has them",
    },
  ]);
}

/** Counts per lane and reason, the oldest first. */
export async function listBacklog(backlog: Backlog, now: number): Promise<BacklogListing> {
  const [{ entries, unreadable }, sent] = await Promise.all([backlog.readQueue(), backlog.readSent()]);
  const lanes = new Map<string, BacklogLane & { targets: number; entries: number }>();
  for (const { record } of entries) {
    const type = record.type ?? "purge_url";
    const id = [record.provider, record.scope, type, record.reason].join(" ");
    const where = record.provider === "edgeone" ? { zoneId: record.scope } : { area: record.scope };
    const age = now - record.firstDeferredAt;
    const lane = lanes.get(id) ?? {
      provider: record.provider,
      ...where,
      type,
      reason: record.reason,
      entries: 0,
      targets: 0,
      oldestAgeMs: 0,
      tries: 0,
    };
    lanes.set(id, {
      ...lane,
      entries: lane.entries + 1,
      targets: lane.targets + record.targets.length,
      oldestAgeMs: Math.max(lane.oldestAgeMs, age),
      tries: Math.max(lane.tries, record.tries),
    });
  }
  const list = [...lanes.values()].sort((a, b) => b.oldestAgeMs - a.oldestAgeMs);
  return {
    entries: entries.length,
    targets: list.reduce((sum, lane) => sum + lane.targets, 0),
    oldestAgeMs: Math.max(0, ...list.map((lane) => lane.oldestAgeMs)),
    lanes: list,
    unconfirmed: sent.entries.length,
    unreadable: unreadable.length + sent.unreadable.length,
  };
}

export async function backlogCommand(
  options: { readonly json: boolean },
  env: Env = process.env,
): Promise<number> {
  const config = loadConfig(env);
  const listing = await listBacklog(configuredBacklog(config, env), systemClock.now());
  if (options.json) {
    outJson(listing);
    return EXIT.done;
  }
  if (listing.entries === 0) out("The backlog is empty.\n");
  else {
    out(
      `${plural(listing.targets, "target")} in ${plural(listing.entries, "entry", "entries")}; the oldest has waited ${formatDuration(listing.oldestAgeMs)}.\n`,
    );
    out(
      table(
        ["provider", "zone/area", "type", "reason", "entries", "targets", "oldest", "tries"],
        listing.lanes.map((lane) => [
          lane.provider,
          terminalSafe(lane.zoneId ?? (lane.area || "(every area)")),
          lane.type,
          terminalSafe(lane.reason),
          lane.entries,
          lane.targets,
          formatDuration(lane.oldestAgeMs),
          lane.tries,
        ]),
      ),
    );
  }
  if (listing.unconfirmed > 0)
    out(
      `${plural(listing.unconfirmed, "submission")} ${listing.unconfirmed === 1 ? "awaits" : "await"} confirmation by the next drain.\n`,
    );
  if (listing.unreadable > 0)
    toStderr(`${listing.unreadable} backlog objects cannot be read (left in place).`);
  return EXIT.done;
}

export async function backlogDrainCommand(
  options: { readonly json: boolean; readonly timeLimitMs: number; readonly dryRun?: boolean },
  env: Env = process.env,
): Promise<number> {
  const config = loadConfig(env);
  const backlog = configuredBacklog(config, env);
  const clock = systemClock;
  if (options.dryRun || config.dryRun) {
    const { drainPreviewCommand } = await import("./drain-preview");
    return drainPreviewCommand(backlog, options.json, clock.now());
  }
  const before = await listBacklog(backlog, clock.now());
  const progress = createProgress({ total: before.targets, label: "draining", unit: "URLs" });
  const owner = `cli-${randomUUID()}`;
  const log = createLogger({ level: config.logLevel, base: { requestId: owner }, write: toStderr });
  const signals = releaseOnSignal(progress.done);
  let report: DrainReport;
  try {
    const execute = {
      purgers: countSubmissions(createPurgers(config, env), progress.add),
      ...startCliRun(clock),
      deadline: clock.now() + options.timeLimitMs,
      maxAttempts: config.maxAttempts,
      requestTimeoutMs: config.requestTimeoutMs,
      log,
    };
    report = await drainBacklog({
      ...drainDeps(execute, backlog, owner, config),
      onLeaseHeld: signals.onLeaseHeld,
    });
  } finally {
    signals.dispose();
    progress.done();
  }
  const { jobs, quota: _quota, ...rest } = report;
  if (options.json) outJson({ ...rest, jobs: jobs.length });
  else if (report.status === "busy") {
    out(
      `Another drain holds the lease${report.holder ? ` (${terminalSafe(report.holder.owner)}, until ${new Date(report.holder.expiresAt).toISOString()})` : ""}; nothing done.\n`,
    );
  } else {
    out(
      `Drained ${plural(report.entries, "entry", "entries")}: ${report.purged} of ${plural(report.targets, "target")} purged in ` +
        `${plural(jobs.length, "request")}, ${report.waiting} still waiting, ${count(report.failures)} failed for good; ` +
        `${plural(report.confirmed, "earlier submission")} confirmed, ${plural(report.requeued, "target")} of failed tasks queued again.\n`,
    );
    for (const folder of report.collapsed.slice(0, 20))
      out(`  collapsed ${folder.count} URLs into ${terminalSafe(folder.prefix)}\n`);
  }
  if (report.status === "busy") return EXIT.notDone;
  if (report.failures.length > 0) return exitCodeForFailures(report.failures.map((failure) => failure.code));
  return report.waiting > 0 ? EXIT.notDone : EXIT.done;
}

/** 128 + the signal's number, as shells report a process a signal ended. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
/** A release COS does not answer within this does not keep an interrupted drain alive. */
const RELEASE_WAIT_MS = 5_000;

/**
 * Ctrl-C or SIGTERM during a drain: release the lease, then exit. Left to expire, it would keep every
 * other drain (the timer's too) out for up to `--timeout-ms`. A second signal ends the process at once
 * (the handlers are `once`, so Node's default applies).
 */
function releaseOnSignal(beforeExit: () => void) {
  let held: HeldLease | undefined;
  const handlers = Object.entries(SIGNAL_EXIT).map(([signal, code]) => {
    const handler = () => {
      beforeExit();
      const exit = () => process.exit(code);
      setTimeout(exit, RELEASE_WAIT_MS).unref();
      const release = held?.release() ?? Promise.resolve();
      release.then(
        () => {
          toStderr(`cos-purge backlog drain: ${signal}: stopped${held ? ", lease released" : ""}.`);
          exit();
        },
        () => {
          toStderr(
            `cos-purge backlog drain: ${signal}: stopped; the lease could not be released and expires by itself.`,
          );
          exit();
        },
      );
    };
    process.once(signal, handler);
    return { signal, handler };
  });
  return {
    onLeaseHeld: (lease: HeldLease) => {
      held = lease;
    },
    dispose: () => {
      for (const { signal, handler } of handlers) process.removeListener(signal, handler);
    },
  };
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

const count = (groups: readonly { readonly targets: readonly string[] }[]): number =>
  groups.reduce((sum, group) => sum + group.targets.length, 0);
