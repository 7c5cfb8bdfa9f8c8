/** The record of every API call the emulator received, with the answer it gave. */

import type { FaultKind, Service } from "./faults";

/** One API call, as `GET /_emulator/calls` and `Emulator.calls()` list it. */
export interface CallRecord {
  /** When the call arrived, ISO 8601 by the emulator clock. */
  readonly time: string;
  /** The RequestId answered (also for faulted calls, where the client never saw it). */
  readonly requestId: string;
  /** Service chosen by X-TC-Version; null when the version names neither service. */
  readonly service: Service | null;
  /** X-TC-Action as sent ("" when missing). */
  readonly action: string;
  /** The JSON body as sent; `{}` when the body is not a JSON object. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The body's text (first 4 KiB) when it is not a JSON object. */
  readonly unreadableBody?: string;
  /**
   * The error code answered, or null for a success. Injected HTTP errors and dropped connections have
   * no Tencent code: they read `HttpError.<status>` and `NetworkError`, the codes cos-purge gives them.
   */
  readonly error: string | null;
  /** The `Response` object answered (with `Error` for an API error); null for an HTTP error or a drop. */
  readonly response: Record<string, unknown> | null;
  /** HTTP status answered; null when the connection was dropped. */
  readonly httpStatus: number | null;
  /** The fault that decided the outcome, `delay` when faults only slowed the call, null when none. */
  readonly fault: FaultKind | null;
  /** Time from arrival to answer, by the emulator clock. */
  readonly durationMs: number;
}

/** Calls in the order they arrived; a call shows once it has been answered. */
export class CallLog {
  #slots: (CallRecord | undefined)[] = [];
  readonly #onCall: ((call: CallRecord) => void) | undefined;

  constructor(onCall?: (call: CallRecord) => void) {
    this.#onCall = onCall;
  }

  /** Reserves the next place in arrival order; call the returned function with the finished record. */
  open(): (call: CallRecord) => void {
    const slots = this.#slots;
    const index = slots.push(undefined) - 1;
    return (call) => {
      slots[index] = call;
      this.#onCall?.(call);
    };
  }

  list(): CallRecord[] {
    return this.#slots.filter((call): call is CallRecord => call !== undefined);
  }

  clear(): void {
    this.#slots = [];
  }
}
