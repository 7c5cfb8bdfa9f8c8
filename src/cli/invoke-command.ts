/** `cos-purge invoke`: the real handler, run locally on one event. Summary on stdout, logs on stderr. */
import { randomUUID } from "node:crypto";
import { createHandler } from "../handler";
import { PurgeFailedError } from "../report/report";
import { EXIT } from "./exit-codes";
import { outJson, toStderr } from "./output";

/**
 * Runs the handler once. A `PurgeFailedError` is rethrown after its summary is printed, so that the
 * command fails as the invocation would (exit code from `exitCodeFor`).
 */
export async function invokeCommand(event: unknown, timeLimitMs: number): Promise<number> {
  const handler = createHandler({ write: toStderr });
  try {
    const summary = await handler(event, {
      request_id: `local-${randomUUID()}`,
      time_limit_in_ms: timeLimitMs,
    });
    outJson(summary);
    return EXIT.done;
  } catch (error) {
    if (error instanceof PurgeFailedError) outJson(error.summary);
    throw error;
  }
}
