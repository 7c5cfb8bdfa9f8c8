/**
 * Where the backlog lives for this configuration, built once per warm instance and bucket: the store
 * the caller opens (the COS adapter, providers/cos-opener.ts) under `PURGE_BACKLOG_PREFIX`, in
 * `PURGE_BACKLOG_BUCKET` or the bucket of the triggering event.
 */

import type { Clock } from "../foundation/clock";
import type { Config } from "../foundation/model";
import { Backlog } from "./backlog";
import type { ObjectStore } from "./store";

/** A bucket and its region. */
export interface StoreLocation {
  readonly bucket: string;
  readonly region: string;
}

export type OpenStore = (location: StoreLocation) => ObjectStore;

/**
 * The backlog of a change's bucket (or the configured one), one per bucket. `undefined` when no bucket
 * is known: a timer event, or the CLI, with no `PURGE_BACKLOG_BUCKET` and `PURGE_BACKLOG_REGION`.
 */
export function backlogOpener(
  config: Config,
  clock: Clock,
  open: OpenStore,
): (change?: { readonly bucket: string; readonly region: string }) => Backlog | undefined {
  const opened = new Map<string, Backlog>();
  return (change) => {
    const bucket = config.backlog.bucket ?? change?.bucket;
    const region = config.backlog.region ?? change?.region;
    if (!bucket || !region) return undefined;
    const id = `${bucket} ${region}`;
    let backlog = opened.get(id);
    if (backlog === undefined) {
      const store = open({ bucket, region });
      backlog = new Backlog({
        store,
        prefix: config.backlog.prefix,
        clock,
        timeoutMs: config.requestTimeoutMs,
      });
      opened.set(id, backlog);
    }
    return backlog;
  };
}
