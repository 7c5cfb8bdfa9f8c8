/**
 * Scripted misbehaviour, so that callers' retry, timeout and back-off paths can be exercised without the
 * real services failing on cue.
 *
 * A fault names the calls it hits (`action`, or `"*"` for every action, optionally narrowed to one
 * `service`), what happens (`kind`) and how many calls it hits (`times`; omitted = every call). For each
 * call the faults are walked in order: every matching `delay` adds its delay and the walk goes on; the
 * first matching `error`, `http` or `drop` decides the outcome and ends the walk. A fault whose `times`
 * run out is discarded.
 */

import {
  _default,
  discriminatedUnion,
  enum as enumOf,
  gte,
  type input,
  int,
  literal,
  lte,
  minLength,
  optional,
  type output,
  strictObject,
  string,
} from "zod/mini";

/**
 * The emulated services: `teo` and `cdn` are told apart by `X-TC-Version` (a loopback endpoint names
 * no service); `cos` is the COS XML API (a bucket in the Host or the path, a `q-sign-algorithm` signature).
 */
export type Service = "teo" | "cdn" | "cos";

const target = {
  /** The API action to hit, e.g. `CreatePurgeTask`, or `*` for all of them. */
  action: string().check(minLength(1)),
  /** Narrows the fault to one service; omitted = every service. */
  service: optional(enumOf(["teo", "cdn", "cos"])),
  /** How many matching calls the fault hits; omitted = every matching call. */
  times: optional(int().check(gte(1))),
};

/** An HTTP error status. */
const httpStatus = int().check(gte(400), lte(599));

/** One scripted fault. Validated by `POST /_emulator/config`; see docs/emulator.md for examples. */
export const faultSchema = discriminatedUnion("kind", [
  /** Answer with an API error (HTTP 200 and an `Error` object), exactly as the real service would. */
  strictObject({
    ...target,
    kind: literal("error"),
    code: _default(string().check(minLength(1)), "InternalError"),
    message: optional(string()),
    /** COS only (its errors are HTTP statuses with an XML body): default from the code, e.g. 500 for InternalError. */
    status: optional(httpStatus),
  }),
  /** Answer with a bare HTTP error status, as a failing gateway does; the SDK reports it as `httpCode`. */
  strictObject({ ...target, kind: literal("http"), status: _default(httpStatus, 502) }),
  /** Destroy the connection without answering; the SDK reports a network error. */
  strictObject({ ...target, kind: literal("drop") }),
  /** Hold the answer back for `delayMs`, then carry on (a client with a shorter timeout gives up first). */
  strictObject({ ...target, kind: literal("delay"), delayMs: int().check(gte(0), lte(600_000)) }),
]);

/** A fault as written in a config (defaults such as `code` and `status` may be left out). */
export type FaultInput = input<typeof faultSchema>;
/** A validated fault, defaults filled in. */
export type Fault = output<typeof faultSchema>;
export type FaultKind = Fault["kind"];
/** A fault that decides the outcome of a call (as opposed to `delay`, which only slows it). */
export type TerminalFault = Exclude<Fault, { kind: "delay" }>;

/** What the script does to one call. */
export interface FaultDraw {
  /** Sum of the matching `delay` faults. */
  readonly delayMs: number;
  /** The first matching fault that decides the outcome, if any. */
  readonly terminal: TerminalFault | undefined;
}

interface ArmedFault {
  readonly fault: Fault;
  /** Calls still to hit; Infinity when `times` was omitted. */
  left: number;
}

/** The faults in force, with the count each has left. */
export class FaultScript {
  #armed: ArmedFault[] = [];

  /** Replaces the whole script (counts start again from each fault's `times`). */
  replace(faults: readonly Fault[]): void {
    this.#armed = faults.map((fault) => ({ fault, left: fault.times ?? Number.POSITIVE_INFINITY }));
  }

  /** Decides what happens to one call and uses up one hit of every fault that fired. */
  draw(service: Service, action: string): FaultDraw {
    let delayMs = 0;
    for (const entry of this.#armed) {
      if (entry.left <= 0 || !hits(entry.fault, service, action)) continue;
      entry.left -= 1;
      if (entry.fault.kind !== "delay") return { delayMs, terminal: entry.fault };
      delayMs += entry.fault.delayMs;
    }
    return { delayMs, terminal: undefined };
  }

  /** The faults still in force, `times` showing what each has left. */
  pending(): Fault[] {
    return this.#armed
      .filter((entry) => entry.left > 0)
      .map(({ fault, left }) => (Number.isFinite(left) ? { ...fault, times: left } : fault));
  }
}

function hits(fault: Fault, service: Service, action: string): boolean {
  return (fault.action === "*" || fault.action === action) && (fault.service ?? service) === service;
}
