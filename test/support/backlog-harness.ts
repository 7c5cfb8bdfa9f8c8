/**
 * The backlog tests' common ground: one emulator for the file (its COS holds the backlog), reset with
 * its objects before each test, and warm instances of the built function configured as a user would,
 * with the backlog in the emulator's `examplebucket-1250000000`.
 */

import type { Emulator } from "../../src/emulator";
import type { Clock } from "../../src/foundation/clock";
import { createCosStore } from "../../src/providers/cos";
import type { Summary } from "../../src/report/report";
import { coldStart, EMULATOR_CREDENTIALS } from "./built-function";

export { useEmulator as useBacklogEmulator } from "./emulator-harness";

export const BACKLOG_BUCKET = "examplebucket-1250000000";

/** A new COS adapter on the emulator's backlog bucket, as a fresh warm instance opens it (src, not dist). */
export function emulatorCosStore(emulator: Emulator) {
  return createCosStore({
    bucket: BACKLOG_BUCKET,
    region: "ap-guangzhou",
    endpoint: emulator.url,
    credentials: () => ({
      secretId: EMULATOR_CREDENTIALS.TENCENTCLOUD_SECRETID,
      secretKey: EMULATOR_CREDENTIALS.TENCENTCLOUD_SECRETKEY,
    }),
    requestTimeoutMs: 5_000,
  });
}

export interface Instance {
  readonly invoke: (event: unknown, timeLimitMs?: number) => Promise<Summary>;
  /** Every line the instance logged, parsed. */
  readonly lines: Record<string, unknown>[];
}

/**
 * A new warm instance of dist/index.js on `emulator`: EdgeOne zone-emulator serving www.example.com
 * (unless `settings` configure cdnHosts), the backlog in the emulator's COS, then `settings`.
 */
export function backlogInstance(
  emulator: Emulator,
  settings: Record<string, string> = {},
  clock?: Clock,
  /** Sees each log line as it is written (a test can make the host slow at that moment). */
  onLine?: (line: Record<string, unknown>) => void,
): Instance {
  const edgeone = "cdnHosts" in settings ? {} : { ZoneId: "zone-emulator", eoDomains: "www.example.com" };
  const env = {
    ...edgeone,
    TEO_ENDPOINT: emulator.url,
    CDN_ENDPOINT: emulator.url,
    COS_ENDPOINT: emulator.url,
    PURGE_BACKLOG_BUCKET: BACKLOG_BUCKET,
    PURGE_BACKLOG_REGION: "ap-guangzhou",
    PURGE_API_TIMEOUT_MS: "2000",
    ...EMULATOR_CREDENTIALS,
    ...settings,
  };
  const lines: Record<string, unknown>[] = [];
  const write = (line: string) => {
    lines.push(JSON.parse(line));
    onLine?.(lines.at(-1) as Record<string, unknown>);
  };
  const handler = coldStart().createHandler({ env, write, ...(clock ? { clock } : {}) });
  let invocations = 0;
  const invoke = (event: unknown, timeLimitMs = 30_000) => {
    invocations += 1;
    return handler(event, { request_id: `req-${invocations}`, time_limit_in_ms: timeLimitMs });
  };
  return { invoke, lines };
}
