/**
 * A drain's dependencies, built the same way by the handler (the timer's drain, the window's drain)
 * and by `cos-purge backlog drain`.
 */
import type { Backlog } from "../backlog/backlog";
import type { ExecuteDeps } from "../execute/execute";
import type { Config } from "../foundation/model";
import type { DrainDeps } from "./drain";

/** What a drain needs, from the execution's dependencies and the configuration. */
export function drainDeps(execute: ExecuteDeps, backlog: Backlog, owner: string, config: Config): DrainDeps {
  return {
    ...execute,
    backlog,
    owner,
    alarm: { maxAgeMs: config.backlog.alarmAgeMs, maxTries: config.backlog.alarmTries },
    ...(config.collapse.minFiles > 0 ? { collapse: config.collapse } : {}),
  };
}
