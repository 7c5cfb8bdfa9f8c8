/**
 * The record of every API call the emulator received, with the answer it gave.
 *
 * The log is bounded: an emulator left running under a benchmark, or fed 9 MB bodies, must not grow
 * until `GET /_emulator/calls` can no longer be serialised (V8 strings stop at ~512 MiB; 62 calls of
 * 9 MB once made a 730 MB log). The oldest answered calls are dropped first and counted, and params
 * larger than a limit are kept as a short preview.
 */

import type { FaultKind, Service } from "./faults";

/** One API call, as `GET /_emulator/calls` and `Emulator.calls()` list it. */
export interface CallRecord {
  /** When the call arrived, ISO 8601 by the emulator clock. */
  readonly time: string;
  /** The RequestId answered (also for faulted calls, where the client never saw it). */
  readonly requestId: string;
  /** Service chosen by X-TC-Version (or `cos` for a COS XML request); null when the version names neither. */
  readonly service: Service | null;
  /** X-TC-Action as sent ("" when missing); for COS the operation, e.g. `PutObject`. */
  readonly action: string;
  /**
   * The JSON body as sent; `{}` when the body is not a JSON object. For COS: `Bucket`, `Key`, the query
   * and the `x-cos-*` headers. Params over the per-call limit are replaced by `{ "_truncated": bytes }`.
   */
  readonly params: Readonly<Record<string, unknown>>;
  /** The body's text (first 4 KiB) when it is not a JSON object, or when params were truncated. */
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

/** How much of the call history the emulator keeps. */
export interface CallLogLimits {
  /** Calls kept; older answered calls are dropped first. Default 10,000. */
  readonly maxCalls: number;
  /** Bytes of serialised records kept in all. Default 64 MiB. */
  readonly maxBytes: number;
  /** Bytes of params kept per call; larger params become a preview. Default 256 KiB. */
  readonly maxParamBytes: number;
}

export const DEFAULT_CALL_LOG_LIMITS: CallLogLimits = Object.freeze({
  maxCalls: 10_000,
  maxBytes: 64 * 1024 * 1024,
  maxParamBytes: 256 * 1024,
});

/** Characters of oversized params kept in `unreadableBody`, so the call can still be recognised. */
const PREVIEW_CHARS = 4096;

interface Slot {
  record: CallRecord | undefined;
  bytes: number;
}

/** Calls in the order they arrived; a call shows once it has been answered. */
export class CallLog {
  #slots: Slot[] = [];
  #bytes = 0;
  #dropped = 0;
  readonly #limits: CallLogLimits;
  readonly #onCall: ((call: CallRecord) => void) | undefined;

  constructor(onCall?: (call: CallRecord) => void, limits: Partial<CallLogLimits> = {}) {
    this.#onCall = onCall;
    this.#limits = { ...DEFAULT_CALL_LOG_LIMITS, ...limits };
  }

  /** Reserves the next place in arrival order; call the returned function with the finished record. */
  open(): (call: CallRecord) => void {
    const slot: Slot = { record: undefined, bytes: 0 };
    this.#slots.push(slot);
    return (call) => {
      const kept = this.#bounded(call);
      slot.record = kept.record;
      slot.bytes = kept.bytes;
      // A slot dropped by clear() while the call was pending is no longer in the log.
      if (this.#slots.includes(slot)) {
        this.#bytes += kept.bytes;
        this.#evict();
      }
      this.#onCall?.(kept.record);
    };
  }

  list(): CallRecord[] {
    return this.#slots.flatMap((slot) => (slot.record === undefined ? [] : [slot.record]));
  }

  /** Answered calls dropped to keep the log within its limits since the last clear. */
  get dropped(): number {
    return this.#dropped;
  }

  clear(): void {
    this.#slots = [];
    this.#bytes = 0;
    this.#dropped = 0;
  }

  /** The record as kept, oversized params replaced, and its serialised size. */
  #bounded(call: CallRecord): { record: CallRecord; bytes: number } {
    const params = JSON.stringify(call.params);
    const record =
      params.length <= this.#limits.maxParamBytes
        ? call
        : { ...call, params: { _truncated: params.length }, unreadableBody: params.slice(0, PREVIEW_CHARS) };
    return { record, bytes: JSON.stringify(record).length };
  }

  /** Drops the oldest answered calls until the log fits (a pending call keeps its place). */
  #evict(): void {
    while (this.#size() > this.#limits.maxCalls || this.#bytes > this.#limits.maxBytes) {
      const oldest = this.#slots.findIndex((slot) => slot.record !== undefined);
      if (oldest < 0) return;
      const [slot] = this.#slots.splice(oldest, 1);
      this.#bytes -= slot?.bytes ?? 0;
      this.#dropped += 1;
    }
  }

  #size(): number {
    return this.#slots.reduce((count, slot) => count + (slot.record === undefined ? 0 : 1), 0);
  }
}
