/** `cos-purge invoke`: the real handler, run locally on one event. Summary on stdout, logs on stderr. */
import { randomUUID } from "node:crypto";
import { createHandler } from "../handler";
import { PurgeFailedError } from "../report/report";

const toStderr = (line: string) => process.stderr.write(`${line}\n`);

export async function invokeCommand(event: unknown, timeLimitMs: number): Promise<number> {
  const handler = createHandler({ write: toStderr });
  try {
    const summary = await handler(event, {
      request_id: `local-${randomUUID()}`,
      time_limit_in_ms: timeLimitMs,
    });
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof PurgeFailedError)
      process.stdout.write(`${JSON.stringify(error.summary, null, 2)}\n`);
    throw error;
  }
}
