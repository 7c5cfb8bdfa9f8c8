/**
 * SCF entry point: `index.main_handler`.
 *
 * The configuration is read when the instance starts (cold start), so a bad setting shows up in the
 * first log line of the instance. The error is kept and thrown by every invocation as well: each one
 * fails visibly (and alarms) instead of the instance failing to initialise with a terse platform message.
 */

import { createLogger } from "./foundation/log";
import { createHandler, type Handler, type ScfContext } from "./handler";
import type { Summary } from "./report/report";

function coldStart(): Handler {
  try {
    return createHandler();
  } catch (error) {
    createLogger().error("configuration rejected", { error });
    return () => Promise.reject(error);
  }
}

const handler = coldStart();

export function main_handler(event: unknown, context?: ScfContext): Promise<Summary> {
  return handler(event, context);
}

export { createHandler } from "./handler";
export { PurgeFailedError } from "./report/report";
