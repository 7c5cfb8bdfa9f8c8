/**
 * A local emulator of the EdgeOne (teo), CDN and COS (XML) APIs that the real Tencent Cloud SDKs talk to
 * over HTTP: it verifies TC3 and COS signatures, keeps zones, domains, quotas, purge tasks and COS
 * objects, enforces the rate limit, injects scripted faults and records every call. See docs/emulator.md.
 *
 * @example
 * const emulator = await startEmulator();
 * const client = new teo.v20220901.Client({
 *   credential: DEFAULT_EMULATOR_CONFIG.credentials[0],
 *   profile: { httpProfile: { endpoint: emulator.endpoint, protocol: "http://" } },
 * });
 * await client.CreatePurgeTask({ ZoneId: "zone-emulator", Type: "purge_url", Targets: ["https://www.example.com/a.jpg"] });
 * emulator.calls(); // [{ service: "teo", action: "CreatePurgeTask", error: null, ... }]
 * await emulator.stop();
 */

import type { CallLogLimits, CallRecord } from "./calls";
import type { EmulatorConfig, EmulatorConfigInput } from "./config";
import type { StoredObject as CosObject } from "./cos/objects";
import { serve } from "./server";
import { EmulatorState } from "./state";

export type { CallLogLimits, CallRecord } from "./calls";
export { DEFAULT_CALL_LOG_LIMITS } from "./calls";
export type {
  CdnQuotaKind,
  EmulatorBucket,
  EmulatorCdn,
  EmulatorConfig,
  EmulatorConfigInput,
  EmulatorCos,
  EmulatorCredential,
  EmulatorZone,
  QuotaLimit,
  TaskBehaviour,
  TeoQuotaType,
} from "./config";
export { DEFAULT_EMULATOR_CONFIG, EmulatorConfigError } from "./config";
export type { StoredObject as CosObject } from "./cos/objects";
export type { Fault, FaultInput, FaultKind, Service } from "./faults";

export interface StartEmulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Config applied over the defaults at start, as by {@link Emulator.configure}. */
  config?: EmulatorConfigInput;
  /** The emulator clock in ms (signature expiry, rate windows, daily quotas, task status); default Date.now. */
  now?: () => number;
  /** Called with each call once it has been answered (the CLI logs them). */
  onCall?: (call: CallRecord) => void;
  /** How much call history to keep; see {@link DEFAULT_CALL_LOG_LIMITS}. */
  callLog?: Partial<CallLogLimits>;
}

export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:43125`. */
  readonly url: string;
  readonly port: number;
  /** What the SDK's `httpProfile.endpoint` takes, e.g. `127.0.0.1:43125` (with `protocol: "http://"`). */
  readonly endpoint: string;
  /**
   * Replaces the fields `input` names, as `POST /_emulator/config` does, and returns the effective config.
   * @throws {EmulatorConfigError} naming the offending field; the config is then unchanged.
   */
  configure(input: EmulatorConfigInput): EmulatorConfig;
  /** The effective config, as `GET /_emulator/config` returns it. */
  config(): EmulatorConfig;
  /** The API calls received and kept (the log is bounded), in order of arrival. */
  calls(): CallRecord[];
  /** How many answered calls were dropped from the log to keep it within its limits. */
  droppedCalls(): number;
  /**
   * Forgets calls, tasks and used quota; `{ config: true }` restores the default config too, and
   * `{ cos: true }` forgets the COS objects (which are kept otherwise).
   */
  reset(options?: { config?: boolean; cos?: boolean }): void;
  /** The COS objects held, in bucket and key order; only those of `bucket` when given. */
  objects(bucket?: string): CosObject[];
  /** Stops listening and closes every connection, including calls held by a `delay` fault. */
  stop(): Promise<void>;
}

/**
 * Starts an emulator on loopback.
 * @throws {RangeError} for a port outside 0–65535; {@link EmulatorConfigError} for a bad `config`.
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`port must be an integer from 0 to 65535 (0 = any free port), got ${port}`);
  }
  const state = new EmulatorState(options.now ?? Date.now, options.onCall, options.callLog);
  if (options.config !== undefined) state.configure(options.config);
  const server = await serve(state, { host, port });
  const endpoint = `${host.includes(":") ? `[${host}]` : host}:${server.port}`;
  return {
    url: `http://${endpoint}`,
    port: server.port,
    endpoint,
    configure: (input) => state.configure(input),
    config: () => state.config,
    calls: () => state.calls.list(),
    droppedCalls: () => state.calls.dropped,
    reset: (resetOptions) => state.reset(resetOptions),
    objects: (bucket) => state.objects.list(bucket),
    stop: () => server.close(),
  };
}
