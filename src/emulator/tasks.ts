/**
 * Purge and prefetch tasks, as Describe*Tasks reports them. Both services create one task per target,
 * sharing the id the create call returned (EdgeOne `JobId`, CDN `TaskId`).
 *
 * Status is a pure function of the clock and the task behaviour in force when the task was created, so
 * tests decide it: `processing` until `processingMs` have passed, then `success`, `failed`, `timeout` or
 * `canceled`.
 */

import { randomBytes } from "node:crypto";
import type { TaskBehaviour } from "./config";
import type { Service } from "./faults";

/**
 * `timeout`: EdgeOne's status for a task that did not finish in time; `canceled`: for one that was
 * stopped before it purged (teo_models.d.ts `Task.Status`). CDN has neither and reports both as `fail`.
 */
export type TaskPhase = "processing" | "success" | "failed" | "timeout" | "canceled";

export interface TaskRecord {
  readonly service: Service;
  /** `purge`, or `prefetch` (EdgeOne CreatePrefetchTask / CDN PushUrlsCache). */
  readonly kind: "purge" | "prefetch";
  /** EdgeOne JobId or CDN TaskId, shared by the tasks of one request. */
  readonly id: string;
  /** EdgeOne zone; empty for CDN. */
  readonly zoneId: string;
  readonly target: string;
  /** EdgeOne purge type or `prefetch_url`; CDN `url` or `path`. */
  readonly type: string;
  /** EdgeOne Method or CDN FlushType; empty when the action has none. */
  readonly method: string;
  /** CDN area; empty for EdgeOne. */
  readonly area: string;
  readonly createdAt: number;
  readonly finishedAt: number;
  readonly outcome: Exclude<TaskPhase, "processing">;
}

/** The tasks created since the last reset, oldest first. */
export class TaskStore {
  #tasks: TaskRecord[] = [];

  add(tasks: readonly TaskRecord[]): void {
    this.#tasks.push(...tasks);
  }

  /** Tasks matching `keep`, newest first as the real Describe*Tasks lists them. */
  find(keep: (task: TaskRecord) => boolean): TaskRecord[] {
    return this.#tasks.filter(keep).reverse();
  }

  clear(): void {
    this.#tasks = [];
  }
}

/** The fields of a new task that follow from the task behaviour in force at `now`. */
export function taskTiming(
  target: string,
  behaviour: TaskBehaviour,
  now: number,
): Pick<TaskRecord, "createdAt" | "finishedAt" | "outcome"> {
  const scripted = behaviour.failTargets.some((needle) => target.includes(needle));
  const outcome = behaviour.outcome === "success" && scripted ? "failed" : behaviour.outcome;
  return { createdAt: now, finishedAt: now + behaviour.processingMs, outcome };
}

export function taskPhase(task: TaskRecord, now: number): TaskPhase {
  return now < task.finishedAt ? "processing" : task.outcome;
}

/** A short random id in the style of EdgeOne JobIds (e.g. `20j4bqq1mkum`). */
export function newTaskId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  return Array.from(randomBytes(12), (byte) => alphabet[byte % alphabet.length]).join("");
}

/** Applies Offset / Limit as both services do, returning the page and the total before paging. */
export function paginate<T>(items: readonly T[], offset = 0, limit = 20): { page: T[]; total: number } {
  return { page: items.slice(offset, offset + limit), total: items.length };
}
