/**
 * Uploads against the emulator, dispatched as SCF dispatches asynchronous events: each upload arrives
 * at its time (all at once, or a stream), waits until an instance is free, and goes to a free warm
 * instance (the one freed last, as a warm pool reuses its hottest), or to a new instance while fewer
 * than `instances` exist. Each instance is a worker process (bench/worker.ts) invoking one strategy one
 * event at a time. Meanwhile this process fires the timer drain on its schedule, as SCF's cron would;
 * afterwards, what the emulator received and what its bucket holds say what was purged, when, at what
 * cost, and what was lost.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { timerEvent } from "../src/cli/samples";
import type { CallRecord, EmulatorConfigInput } from "../src/emulator";
import type { Summary } from "../src/report/report";
import { coldStart } from "../test/support/built-function";
import { CallCollector, type RemoteEmulator } from "./emulator";
import {
  type Dispatch,
  type InvocationResult,
  MARK,
  type Strategy,
  type WorkerMessage,
  type WorkOrder,
} from "./protocol";

const DIST = resolve(__dirname, "../dist/index.js");
export const BACKLOG_PREFIX = ".cos-purge/";

export interface BurstSpec {
  /** What the table calls it. */
  readonly label: string;
  readonly strategy: Strategy;
  /** Every uploaded key, handed out in order to whichever instance is free. */
  readonly keys: readonly string[];
  /**
   * When each key is uploaded, ms after the go (a stream); all at the go when absent. Latency runs from
   * this moment.
   */
  readonly arrivals?: readonly number[];
  /**
   * Whether all `instances` are started (warm) before the go, as a burst into a pool SCF has already
   * scaled; otherwise an instance is started (a cold start) only when an upload finds none free.
   */
  readonly warm: boolean;
  readonly instances: number;
  readonly emulator: EmulatorConfigInput;
  /** The function's environment (baseline: only its endpoint, zone, domains and credentials are read). */
  readonly env: Record<string, string>;
  readonly timeLimitMs: number;
  /** Period of the timer trigger that drains the backlog (not fired for the baseline, which has none). */
  readonly timerEveryMs: number;
  /**
   * Time after which no more keys are handed out and no timer fires; a worker still running one time
   * limit later is killed.
   */
  readonly boundMs: number;
}

export interface TimerFire {
  readonly at: number;
  readonly end: number;
  readonly error?: string;
  readonly status?: string;
  readonly purged?: number;
  readonly waiting?: number;
}

export interface BurstRun {
  readonly spec: BurstSpec;
  readonly invocations: InvocationResult[];
  /** Epoch ms at which each key was uploaded (its event existed). */
  readonly uploadedAt: ReadonlyMap<string, number>;
  /** Instances started. */
  readonly instancesUsed: number;
  readonly timers: TimerFire[];
  readonly calls: CallRecord[];
  readonly callLogComplete: boolean;
  /** Targets still in the backlog's queue at the end. */
  readonly queued: string[];
  /** Epoch ms: the go, the last invocation's end, the end of the last drain. */
  readonly startedAt: number;
  readonly invocationsEndedAt: number;
  readonly finishedAt: number;
  /** Function log lines of every worker, counted by `level msg`, and the first error lines. */
  readonly logs: Record<string, number>;
  readonly errorLines: string[];
  /** Keys never handed out (the bound was hit first), and workers killed or exited before the end. */
  readonly notInvoked: number;
  readonly unfinished: number;
}

interface Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly done: Promise<void>;
  /** Hands the worker its next event (a key), or tells it the burst is over. */
  dispatch(dispatch: Dispatch): void;
}

function startWorker(
  script: string,
  order: WorkOrder,
  onMessage: (message: WorkerMessage, worker: Worker) => void,
): Worker {
  const child = spawn(process.execPath, [script], {
    cwd: dirname(DIST),
    env: { PATH: process.env.PATH },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let onReady: () => void = () => {};
  let onDone: () => void = () => {};
  const worker: Worker = {
    child,
    ready: new Promise<void>((resolve) => {
      onReady = resolve;
    }),
    done: new Promise<void>((resolve) => {
      onDone = resolve;
    }),
    dispatch: (dispatch) => {
      if (child.stdin?.writable) child.stdin.write(`${JSON.stringify(dispatch)}\n`);
    },
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    if (!line.startsWith(MARK)) return;
    const message = JSON.parse(line.slice(MARK.length)) as WorkerMessage;
    if (message.type === "ready") onReady();
    onMessage(message, worker);
  });
  child.on("exit", () => {
    onReady();
    onDone();
  });
  child.stdin?.write(`${JSON.stringify(order)}\n`);
  return worker;
}

/** A wait that does not keep the process alive on its own. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Runs one burst; see the module comment. */
export async function runBurst(emulator: RemoteEmulator, spec: BurstSpec, script: string): Promise<BurstRun> {
  await emulator.reset();
  await emulator.configure(spec.emulator);
  const invocations: InvocationResult[] = [];
  const uploadedAt = new Map<string, number>();
  const logs: Record<string, number> = {};
  const errorLines: string[] = [];
  const workers: Worker[] = [];
  const free: Worker[] = [];
  const pending: string[] = [];
  let starting = 0;
  let finished = 0;
  let uploaded = 0;
  let uploadsOver = false;
  let inFlight = 0;
  let onAllDone: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    onAllDone = resolve;
  });
  const settle = () => {
    if (!uploadsOver || pending.length > 0 || inFlight > 0) return;
    for (const worker of free.splice(0)) worker.dispatch({ end: true });
    void Promise.all(workers.map((worker) => worker.done)).then(onAllDone);
  };
  // The next upload to the free instance freed last; a new instance only when none is free.
  const dispatch = () => {
    while (pending.length > 0) {
      const worker = free.pop();
      if (worker === undefined) break;
      inFlight += 1;
      const key = pending.shift() as string;
      worker.dispatch({ key, uploadedAt: uploadedAt.get(key) as number });
    }
    while (pending.length > starting && workers.length < spec.instances) spawn();
    settle();
  };
  const spawn = () => {
    starting += 1;
    const i = workers.length;
    const order = {
      strategy: spec.strategy,
      dist: DIST,
      env: spec.env,
      timeLimitMs: spec.timeLimitMs,
      instance: `${spec.strategy}-${i}`,
    };
    workers.push(
      startWorker(script, order, (message, worker) => {
        if (message.type === "ready") {
          starting -= 1;
          free.push(worker);
          if (go !== undefined) dispatch();
        }
        if (message.type === "invocation") {
          invocations.push(message.result);
          inFlight -= 1;
          free.push(worker);
          dispatch();
        }
        if (message.type === "done") {
          finished += 1;
          for (const [id, count] of Object.entries(message.logs)) logs[id] = (logs[id] ?? 0) + count;
          errorLines.push(...message.errors.slice(0, Math.max(0, 10 - errorLines.length)));
        }
      }),
    );
  };
  let go: number | undefined;
  try {
    if (spec.warm) for (let i = 0; i < spec.instances; i += 1) spawn();
    await Promise.all(workers.map((worker) => worker.ready));
    const collector = new CallCollector(emulator);
    collector.start();
    const startedAt = Date.now();
    go = startedAt;
    const bound = startedAt + spec.boundMs;
    // Uploads arrive on schedule; those due after the bound are never uploaded.
    const arrive = () => {
      const now = Date.now();
      while (uploaded < spec.keys.length && startedAt + (spec.arrivals?.[uploaded] ?? 0) <= now) {
        const key = spec.keys[uploaded] as string;
        uploadedAt.set(key, startedAt + (spec.arrivals?.[uploaded] ?? 0));
        pending.push(key);
        uploaded += 1;
      }
      const nextAt = startedAt + (spec.arrivals?.[uploaded] ?? 0);
      if (uploaded < spec.keys.length && nextAt <= bound)
        setTimeout(arrive, Math.max(0, nextAt - Date.now()));
      else uploadsOver = true;
      dispatch();
    };
    arrive();

    const timers = spec.strategy === "baseline" ? [] : await fireTimers(emulator, spec, allDone, bound);
    await Promise.race([allDone, sleep(Math.max(0, bound + spec.timeLimitMs - Date.now()))]);
    const invocationsEndedAt = Math.max(startedAt, ...invocations.map((result) => result.end));
    const { calls, complete } = await collector.stop();
    const queued = await queuedTargets(emulator);
    return {
      spec,
      invocations,
      uploadedAt,
      instancesUsed: workers.length,
      timers,
      calls,
      callLogComplete: complete,
      queued,
      startedAt,
      invocationsEndedAt,
      finishedAt: Date.now(),
      logs,
      errorLines,
      notInvoked: spec.keys.length - invocations.length,
      unfinished: workers.length - finished,
    };
  } finally {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
  }
}

/**
 * The timer trigger: a drain every `timerEveryMs` from the start, each a timer event through a handler
 * of its own (SCF may run a timer invocation on any instance). Fires on schedule whether or not the
 * previous one ended, as cron does; a drain that finds the lease held returns `busy`. Once the uploads
 * are done it goes on until a drain leaves the backlog empty, makes no progress, or the bound is hit.
 */
async function fireTimers(
  emulator: RemoteEmulator,
  spec: BurstSpec,
  allDone: Promise<unknown>,
  bound: number,
): Promise<TimerFire[]> {
  const handler = coldStart().createHandler({
    env: { ...spec.env, PURGE_MODE: spec.strategy },
    write: () => {},
  });
  let uploadsDone = false;
  void allDone.then(() => {
    uploadsDone = true;
  });
  const fires: TimerFire[] = [];
  const running: Promise<void>[] = [];
  const start = Date.now();
  for (let n = 1; ; n += 1) {
    const at = start + n * spec.timerEveryMs;
    if (at > bound) break;
    // Once the uploads are done and the backlog is empty, nothing is left for a timer to do.
    while (Date.now() < at) {
      if (uploadsDone && running.length === fires.length && (await queuedTargets(emulator)).length === 0) {
        return fires.sort((a, b) => a.at - b.at);
      }
      await sleep(Math.min(500, at - Date.now()));
    }
    const wasDone = uploadsDone;
    const fire = handler(timerEvent(), { request_id: `timer-${n}`, time_limit_in_ms: spec.timeLimitMs }).then(
      (summary: Summary) => fireOf(at, summary),
      (error: Error & { summary?: Summary }) => ({
        ...fireOf(at, error.summary),
        error: `${error.name}: ${error.message.slice(0, 300)}`,
      }),
    );
    running.push(fire.then((result) => void fires.push(result)));
    if (!wasDone) continue;
    const result = await fire;
    await Promise.all(running);
    const empty = (await queuedTargets(emulator)).length === 0;
    if (empty || (result.status === "drained" && result.purged === 0)) break;
  }
  await Promise.all(running);
  return fires.sort((a, b) => a.at - b.at);
}

function fireOf(at: number, summary: Summary | undefined): TimerFire {
  return {
    at,
    end: Date.now(),
    ...(summary?.drain
      ? { status: summary.drain.status, purged: summary.drain.purged, waiting: summary.drain.waiting }
      : {}),
  };
}

/** Every target waiting in the backlog's queue (each entry's targets, as stored). */
async function queuedTargets(emulator: RemoteEmulator): Promise<string[]> {
  const objects = await emulator.objects(`${BACKLOG_PREFIX}queue/`);
  return objects.flatMap((object) => {
    try {
      return (JSON.parse(object.body ?? "{}") as { targets?: string[] }).targets ?? [];
    } catch {
      return [];
    }
  });
}
