/** `cos-purge invoke`: the real handler, run locally on one event. Summary on stdout, logs on stderr. */
import { randomUUID } from "node:crypto";
import { createHandler } from "../handler";
import { PurgeFailedError, type Summary } from "../report/report";
import { EXIT } from "./exit-codes";
import { outJson, toStderr } from "./output";

/**
 * Runs the handler once. A `PurgeFailedError` is rethrown after its summary is printed, so that the
 * command fails as the invocation would (exit code from `exitCodeFor`). An invocation that succeeded
 * with targets only deferred to the backlog exits 1 as `purge` does: they are not purged yet.
 */
export async function invokeCommand(event: unknown, timeLimitMs: number): Promise<number> {
  const handler = createHandler({ write: toStderr });
  try {
    const summary = await handler(event, {
      request_id: `local-${randomUUID()}`,
      time_limit_in_ms: timeLimitMs,
    });
    outJson(summary);
    return stillWaiting(summary) > 0 && !summary.dryRun ? EXIT.notDone : EXIT.done;
  } catch (error) {
    if (error instanceof PurgeFailedError) outJson(error.summary);
    throw error;
  }
}

/**
 * Targets the invocation left in the backlog: what its drain left waiting when it ran one (queue mode's
 * window, a timer), else what it deferred (a busy drain purged none of them).
 */
function stillWaiting(summary: Summary): number {
  return summary.drain?.status === "drained" ? summary.drain.waiting : summary.deferred;
}
