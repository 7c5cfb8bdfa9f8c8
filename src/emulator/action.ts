/** The shape every emulated API action has: parameters in, the `Response` fields out (or an ApiError). */

import type { EmulatorConfig } from "./config";
import type { DailyUsage } from "./quota";
import type { TaskStore } from "./tasks";

/** What an action may read and change. Actions are synchronous, so concurrent calls never interleave. */
export interface ActionContext {
  readonly config: EmulatorConfig;
  readonly usage: DailyUsage;
  readonly tasks: TaskStore;
  /** The emulator clock, in ms. */
  readonly now: number;
}

/** Returns the fields of `Response` other than `RequestId`, or throws an ApiError. */
export type ActionHandler = (params: unknown, context: ActionContext) => Record<string, unknown>;

export type ActionTable = Readonly<Record<string, ActionHandler>>;

/** The hostname of a URL target, lower-cased; undefined unless it is an absolute http(s) URL. */
export function urlHost(target: string): string | undefined {
  // Checked on the raw text: `new URL("www.example.com:80/a")` would parse with scheme "www.example.com:".
  if (!/^https?:\/\//i.test(target)) return undefined;
  try {
    return new URL(target).hostname;
  } catch {
    return undefined;
  }
}
