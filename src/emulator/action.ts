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

/** The raw characters a URL target may not hold: space, C0 controls and DEL. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it matches
const RAW_SPACE_OR_CONTROL = /[\u0000-\u0020\u007f]/;

/** Returns the fields of `Response` other than `RequestId`, or throws an ApiError. */
export type ActionHandler = (params: unknown, context: ActionContext) => Record<string, unknown>;

export type ActionTable = Readonly<Record<string, ActionHandler>>;

/**
 * The hostname of a URL target, lower-cased; undefined unless it is an absolute http(s) URL with no raw
 * space or control character. The emulator's rule for those: no client sends them raw (tencent-cloud.md
 * §8), and `new URL` would quietly encode them; whether the real APIs refuse them is unconfirmed, but
 * they refuse some spellings, and this gives tests a target refused whole (a request split, execute/split.ts).
 */
export function urlHost(target: string): string | undefined {
  // Checked on the raw text: `new URL("www.example.com:80/a")` would parse with scheme "www.example.com:".
  if (!/^https?:\/\//i.test(target) || RAW_SPACE_OR_CONTROL.test(target)) return undefined;
  try {
    return new URL(target).hostname;
  } catch {
    return undefined;
  }
}
