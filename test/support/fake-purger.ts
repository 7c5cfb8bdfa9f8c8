import { ApiError } from "../../src/foundation/errors";
import type {
  CallOptions,
  Provider,
  PurgeReceipt,
  Purger,
  Quota,
  TaskCallOptions,
  TaskQuery,
  TaskRecord,
  TaskType,
} from "../../src/foundation/model";
import type { FakeClock } from "./fake-clock";

export interface FakeCall {
  readonly kind: "purge" | "describe" | "tasks";
  readonly scope: string;
  readonly type: TaskType;
  readonly targets: readonly string[];
  /** Clock time when the call started. */
  readonly at: number;
  /** The timeout the executor gave the call. */
  readonly timeoutMs: number | undefined;
}

/** What a scripted call answers: a receipt (purge), a quota (describe), or an error to throw. */
export type PurgeAnswer = PurgeReceipt | Error;
export type QuotaAnswer = Quota | Error;

export interface FakePurgerOptions {
  /** Answer to each purge; default: everything accepted. `n` counts purge calls from 1. */
  readonly purge?: (targets: readonly string[], n: number, scope: string, type: TaskType) => PurgeAnswer;
  /** Answer to each describeQuota; default: batch 1000, 10,000 a day, all left. */
  readonly quota?: (scope: string, n: number, type: TaskType) => QuotaAnswer;
  /**
   * The provider's tasks, or an error, for each describeTasks; default: none. The fake then selects
   * from them as the real APIs do: by task id, or created within `since`..`until` counted in whole
   * seconds (both APIs take times without milliseconds), so a task stamped up to a second before
   * `since` is still listed, and only the caller's own check keeps it from standing in.
   */
  readonly tasks?: (query: TaskQuery) => TaskRecord[] | Error;
  /** Moves this clock forward by `callMs` during every call, as a real call takes time. */
  readonly clock?: FakeClock;
  readonly callMs?: number;
}

export const DEFAULT_QUOTA: Quota = { batch: 1_000, daily: 10_000, dailyAvailable: 10_000 };

/** The error a real adapter throws for an API error `code`. */
export function apiError(code: string, provider: Provider = "edgeone"): ApiError {
  const action = provider === "edgeone" ? "CreatePurgeTask" : "PurgeUrlsCache";
  return new ApiError({ provider, action, code, message: `fake ${code}`, requestId: `req-${code}` });
}

/** A receipt accepting everything. */
export function accepted(n: number): PurgeReceipt {
  return { requestId: `req-${n}`, taskId: `task-${n}`, failed: [] };
}

/** A `Purger` whose answers are scripted and whose calls are recorded. */
export class FakePurger implements Purger {
  readonly actions: Purger["actions"];
  readonly quotaActions: Purger["quotaActions"];
  readonly calls: FakeCall[] = [];

  constructor(
    readonly provider: Provider,
    private readonly options: FakePurgerOptions = {},
  ) {
    this.actions =
      provider === "edgeone"
        ? {
            purge_url: "CreatePurgeTask",
            purge_prefix: "CreatePurgeTask",
            prefetch_url: "CreatePrefetchTask",
          }
        : { purge_url: "PurgeUrlsCache", purge_prefix: "PurgePathCache", prefetch_url: "PushUrlsCache" };
    const quota = provider === "edgeone" ? "DescribeContentQuota" : "DescribePurgeQuota";
    this.quotaActions = { purge_url: quota, purge_prefix: quota, prefetch_url: quota };
  }

  /** The purge_url action, which most tests are about. */
  get action(): string {
    return this.actions.purge_url;
  }

  get purges(): FakeCall[] {
    return this.calls.filter((call) => call.kind === "purge");
  }

  get describes(): FakeCall[] {
    return this.calls.filter((call) => call.kind === "describe");
  }

  async describeQuota(scope: string, options?: TaskCallOptions): Promise<Quota> {
    await this.call("describe", scope, [], options);
    const type = (options && "type" in options ? options.type : undefined) ?? "purge_url";
    return settle(this.options.quota?.(scope, this.describes.length, type) ?? DEFAULT_QUOTA);
  }

  async submit(scope: string, targets: readonly string[], options?: TaskCallOptions): Promise<PurgeReceipt> {
    await this.call("purge", scope, targets, options);
    const n = this.purges.length;
    return settle(this.options.purge?.(targets, n, scope, options?.type ?? "purge_url") ?? accepted(n));
  }

  async describeTasks(query: TaskQuery, options?: Partial<CallOptions>): Promise<TaskRecord[]> {
    await this.call("tasks", query.scope, [], options);
    return settle(this.options.tasks?.(query) ?? []).filter((task) => selects(query, task));
  }

  private async call(
    kind: FakeCall["kind"],
    scope: string,
    targets: readonly string[],
    options: TaskCallOptions | Partial<CallOptions> | undefined,
  ): Promise<void> {
    const at = this.options.clock?.now() ?? 0;
    const type = (options && "type" in options ? options.type : undefined) ?? "purge_url";
    this.calls.push({ kind, scope, type, targets: [...targets], at, timeoutMs: options?.timeoutMs });
    await Promise.resolve(); // answer asynchronously, as the SDK does
    this.options.clock?.advance(this.options.callMs ?? 0);
  }
}

function settle<T>(answer: T | Error): T {
  if (answer instanceof Error) throw answer;
  return answer;
}

/** Whether a task query selects `task`, at the real APIs' one-second resolution. */
function selects(query: TaskQuery, task: TaskRecord): boolean {
  if (query.taskId !== undefined) return task.taskId === query.taskId;
  const second = (ms: number) => Math.floor(ms / 1_000);
  if (query.since !== undefined && second(task.createdAt) < second(query.since)) return false;
  return query.until === undefined || second(task.createdAt) <= second(query.until);
}
