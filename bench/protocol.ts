/**
 * What the parent (bench/burst.ts) and a worker process (bench/worker.ts) say to each other: a
 * `WorkOrder` as one JSON line on the worker's stdin, then one `Dispatch` line per event; `WorkerMessage`
 * lines on its stdout, each starting with `MARK` (anything else a worker prints is ignored).
 */
import type { Summary } from "../src/report/report";

export const MARK = "@@bench ";

export type Strategy = "baseline" | "direct" | "auto" | "queue";

export interface WorkOrder {
  readonly strategy: Strategy;
  /** Absolute path of the built function, dist/index.js. */
  readonly dist: string;
  /** The function's environment (settings, endpoints, credentials). */
  readonly env: Record<string, string>;
  readonly timeLimitMs: number;
  /** Prefix of this instance's request ids. */
  readonly instance: string;
}

/** The next uploaded key to invoke the function for, or the end of the burst. */
export interface Dispatch {
  readonly key?: string;
  /** Epoch ms of the upload: the event's `eventTime` (whole seconds, as COS stamps it). */
  readonly uploadedAt?: number;
  readonly end?: true;
}

/** What one invocation did, as the worker saw it. */
export interface InvocationResult {
  readonly key: string;
  /** The instance that ran it (its request id prefix): gaps between its invocations show back to back. */
  readonly instance: string;
  /** Epoch ms when the invocation started and ended. */
  readonly start: number;
  readonly end: number;
  /** The error's name when it ended in one (SCF marks it failed and re-delivers the event). */
  readonly error?: string;
  readonly message?: string;
  readonly route?: Summary["route"];
  readonly purged?: number;
  readonly deferred?: number;
  readonly failed?: number;
  /** Set when this invocation ran the drain window. */
  readonly drained?: number;
}

export type WorkerMessage =
  | { readonly type: "ready" }
  | { readonly type: "invocation"; readonly result: InvocationResult }
  | { readonly type: "done"; readonly logs: Record<string, number>; readonly errors: string[] };
