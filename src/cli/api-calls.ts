/**
 * What `cos-purge quota` and `tasks` share: the configured zones and areas, and one API call made as
 * the function makes it (rate limit, retries, the debug line of PURGE_LOG_LEVEL), through the same
 * adapters (`providers/purgers.ts`).
 */
import { randomUUID } from "node:crypto";
import { type AttemptContext, callWithRetries } from "../execute/attempts";
import { type ApiError, classifyApiError, stopKey, stopKeysOf } from "../foundation/errors";
import { hintFor } from "../foundation/hints";
import { createLogger } from "../foundation/log";
import type { CdnArea, Config, LaneKey, Provider, Purger } from "../foundation/model";
import { createPurgers } from "../providers/purgers";
import { toStderr } from "./output";
import { laneWhere } from "./plan-output";
import { startCliRun } from "./run";

/** How long `quota` and `tasks` may take in all. */
const COMMAND_LIMIT_MS = 120_000;

/** Every EdgeOne zone of the configuration, then the CDN area (`areas` when none is configured). */
export function configuredScopes(config: Config, areas: readonly (CdnArea | "")[]): LaneKey[] {
  const scopes: LaneKey[] = [];
  for (const site of config.sites) {
    const scope = site.provider === "edgeone" ? (site.zoneId ?? "") : undefined;
    if (scope !== undefined && !scopes.some((known) => known.scope === scope)) {
      scopes.push({ provider: "edgeone", scope });
    }
  }
  if (config.sites.some((site) => site.provider === "cdn")) {
    for (const area of config.cdnArea ? [config.cdnArea] : areas)
      scopes.push({ provider: "cdn", scope: area });
  }
  return scopes;
}

/** A failed call, as the command reports it. */
export interface CallFailure {
  readonly lane: LaneKey;
  readonly error: ApiError;
}

export interface ApiSession {
  readonly purgers: Partial<Record<Provider, Purger>>;
  /**
   * Makes one call (with retries); `undefined` when it failed, after recording the failure. Once a
   * provider refused the credentials or the permission, its further calls are not made.
   */
  call<T>(
    lane: LaneKey,
    action: string,
    run: (purger: Purger, timeoutMs: number) => Promise<T>,
  ): Promise<T | undefined>;
  readonly failures: CallFailure[];
}

export function apiSession(config: Config, env: Record<string, string | undefined>): ApiSession {
  const { clock, limiter } = startCliRun();
  const log = createLogger({
    level: config.logLevel,
    base: { requestId: `cli-${randomUUID()}` },
    write: toStderr,
  });
  const context: AttemptContext = {
    clock,
    deadline: clock.now() + COMMAND_LIMIT_MS,
    requestTimeoutMs: config.requestTimeoutMs,
    maxAttempts: config.maxAttempts,
    limiter,
    log,
  };
  const purgers = createPurgers(config, env);
  const failures: CallFailure[] = [];
  const stopped = new Set<string>();
  return {
    purgers,
    failures,
    async call(lane, action, run) {
      const purger = purgers[lane.provider];
      const call = { provider: lane.provider, action, scope: lane.scope };
      if (purger === undefined || stopKeysOf(call).some((key) => stopped.has(key))) return undefined;
      const outcome = await callWithRetries(context, lane, action, (options) =>
        run(purger, options.timeoutMs),
      );
      if (outcome.kind === "ok") return outcome.value;
      if (outcome.kind === "deadline") {
        if (outcome.lastError) failures.push({ lane, error: outcome.lastError });
        return undefined;
      }
      failures.push({ lane, error: outcome.error });
      const { code } = outcome.error;
      const stops = classifyApiError(code) === "fatal" ? stopKey(code, call) : undefined;
      if (stops !== undefined) stopped.add(stops);
      return undefined;
    },
  };
}

/** One line per failed call on stderr, with what to do. */
export function reportFailures(command: string, failures: readonly CallFailure[]): void {
  for (const { lane, error } of failures) {
    const at = laneWhere(lane);
    const place = at.zoneId ?? at.area ?? "(every area)";
    toStderr(`cos-purge ${command}: ${lane.provider} ${place}: ${error.message}`);
    const hint = hintFor(error.code, lane.provider);
    if (hint) toStderr(`  Fix: ${hint}`);
  }
}
