/**
 * One function instance of a burst, in its own process, as SCF runs each concurrent instance in its own
 * (bundled by worker-bundle.ts, so that twenty of them start without compiling TypeScript).
 *
 * The parent writes one JSON line on stdin, a `WorkOrder`. The worker cold-starts its strategy (the
 * built dist/index.js with the order's environment, or the baseline template) and says `ready`; then
 * the parent hands it one uploaded key at a time, the next as soon as it reports the previous one, as
 * SCF hands queued asynchronous events to whichever instance is free (an instance runs one event at a
 * time), until it says `end`.
 */

import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { cosEvent, cosRecord } from "../src/cli/samples";
import type { Summary } from "../src/report/report";
import { BaselineFailure, createBaseline } from "./baseline";
import { type Dispatch, type InvocationResult, MARK, type WorkerMessage, type WorkOrder } from "./protocol";

const send = (message: WorkerMessage) => process.stdout.write(`${MARK}${JSON.stringify(message)}\n`);

/** Log lines counted by level and message, and the first error lines kept whole. */
class LogTally {
  readonly counts: Record<string, number> = {};
  readonly errors: string[] = [];
  write = (line: string) => {
    try {
      const { level, msg } = JSON.parse(line) as { level?: string; msg?: string };
      const id = `${level} ${msg}`;
      this.counts[id] = (this.counts[id] ?? 0) + 1;
      if (level === "error" && this.errors.length < 5) this.errors.push(line.slice(0, 2_000));
    } catch {
      this.counts["unparsed line"] = (this.counts["unparsed line"] ?? 0) + 1;
    }
  };
}

type Invoke = (
  key: string,
  requestId: string,
  uploadedAt: number,
) => Promise<Omit<InvocationResult, "key" | "instance" | "start" | "end">>;

function prepare(order: WorkOrder, logs: LogTally): Invoke {
  if (order.strategy === "baseline") {
    const baseline = createBaseline({
      endpoint: order.env.TEO_ENDPOINT ?? "",
      zoneId: order.env.ZoneId ?? "",
      domains: (order.env.eoDomains ?? "").split(/[\s,]+/).filter(Boolean),
      secretId: order.env.TENCENTCLOUD_SECRETID ?? "",
      secretKey: order.env.TENCENTCLOUD_SECRETKEY ?? "",
    });
    return async (key) => {
      try {
        await baseline(key);
        return {};
      } catch (error) {
        const failed = error instanceof BaselineFailure ? error.failedUrls.length : undefined;
        return {
          error: (error as Error).name,
          message: (error as Error).message,
          ...(failed ? { failed } : {}),
        };
      }
    };
  }
  // dist/index.js reads process.env when it loads; the handler reads the order's env.
  Object.assign(process.env, order.env);
  const built = createRequire(order.dist)(order.dist) as typeof import("../src");
  const handler = built.createHandler({
    env: { ...order.env, PURGE_MODE: order.strategy },
    write: logs.write,
  });
  return async (key, requestId, uploadedAt) => {
    // COS stamps the upload's second, not the invocation's: a queued event arrives already old.
    const record = cosRecord({ key, eventTime: Math.floor(uploadedAt / 1000) });
    const outcome = await handler(cosEvent(record), {
      request_id: requestId,
      time_limit_in_ms: order.timeLimitMs,
    }).then(
      (summary) => ({ summary, error: undefined }),
      (error: Error & { summary?: Summary }) => ({ summary: error.summary, error }),
    );
    const { summary, error } = outcome;
    return {
      ...(error ? { error: error.name, message: error.message.slice(0, 500) } : {}),
      ...(summary
        ? {
            route: summary.route,
            purged: summary.purged,
            deferred: summary.deferred,
            failed: summary.failed,
            ...(summary.drain ? { drained: summary.drain.purged } : {}),
          }
        : {}),
    };
  };
}

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const next = async (): Promise<Dispatch> => {
    const line = await lines.next();
    return line.done ? { end: true } : (JSON.parse(String(line.value)) as Dispatch);
  };
  const order = (await next()) as unknown as WorkOrder;
  const logs = new LogTally();
  const invoke = prepare(order, logs);
  send({ type: "ready" });
  for (let index = 0; ; index += 1) {
    const dispatch = await next();
    if (dispatch.key === undefined) break;
    const start = Date.now();
    const outcome = await invoke(dispatch.key, `${order.instance}-${index}`, dispatch.uploadedAt ?? start);
    send({
      type: "invocation",
      result: { key: dispatch.key, instance: order.instance, start, end: Date.now(), ...outcome },
    });
  }
  send({ type: "done", logs: logs.counts, errors: logs.errors });
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
