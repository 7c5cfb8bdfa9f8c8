/**
 * A dry run's drain (`PURGE_DRY_RUN`, `cos-purge backlog drain --dry-run`): what a drain would submit,
 * read from the backlog and nothing else. No lease is taken, no earlier submission is confirmed, no
 * entry is rewritten and no provider is called: a dry run must not change what a real drain does next.
 */

import type { Backlog } from "../backlog/backlog";
import { laneOf } from "../foundation/lane";
import type { LaneKey, TaskType } from "../foundation/model";
import { type DrainReport, emptyReport } from "./drain-report";

/** The first targets of each lane a preview quotes; the counts cover all of them. */
const SAMPLE_LIMIT = 20;

/** One lane a drain would submit in: its distinct targets, as the drain merges them. */
export interface PreviewLane extends LaneKey {
  /** Spelled out, `purge_url` included: a preview is read by people. */
  readonly type: TaskType;
  readonly entries: number;
  readonly targets: number;
  /** The first targets, first queued first. */
  readonly sample: readonly string[];
}

export interface DrainPreview {
  readonly entries: number;
  /** Distinct purge targets over every lane (prefetch lanes apart, as in a drain's report). */
  readonly targets: number;
  readonly prefetchTargets: number;
  readonly lanes: readonly PreviewLane[];
  /** Earlier submissions a real drain would confirm first. */
  readonly unconfirmed: number;
  readonly unreadable: number;
  readonly oldestAgeMs: number;
}

/** Reads the queue and the sent records; writes nothing. */
export async function previewDrain(backlog: Backlog, now: number): Promise<DrainPreview> {
  const [queue, sent] = await Promise.all([backlog.readQueue(), backlog.readSent()]);
  const lanes = new Map<string, { lane: PreviewLane; entries: number; targets: Set<string> }>();
  let oldest = now;
  for (const { record } of queue.entries) {
    const id = laneOf(record);
    const { provider, scope, type = "purge_url" } = record;
    const lane = lanes.get(id) ?? {
      lane: { provider, scope, type, entries: 0, targets: 0, sample: [] },
      entries: 0,
      targets: new Set<string>(),
    };
    lanes.set(id, lane);
    lane.entries += 1;
    for (const target of record.targets) lane.targets.add(target);
    // A loop, not Math.min(...): a spread of 100,000 entries overflows the call stack.
    if (record.firstDeferredAt < oldest) oldest = record.firstDeferredAt;
  }
  const list = [...lanes.values()].map(
    ({ lane, entries, targets }): PreviewLane => ({
      ...lane,
      entries,
      targets: targets.size,
      sample: [...targets].slice(0, SAMPLE_LIMIT),
    }),
  );
  const count = (prefetch: boolean) =>
    list
      .filter((lane) => (lane.type === "prefetch_url") === prefetch)
      .reduce((sum, lane) => sum + lane.targets, 0);
  return {
    entries: queue.entries.length,
    targets: count(false),
    prefetchTargets: count(true),
    lanes: list,
    unconfirmed: sent.entries.length,
    unreadable: queue.unreadable.length + sent.unreadable.length,
    oldestAgeMs: queue.entries.length === 0 ? 0 : now - oldest,
  };
}

/** The preview as a drain's report: nothing purged, everything still waiting. */
export function previewReport(preview: DrainPreview): DrainReport {
  return {
    ...emptyReport("preview"),
    entries: preview.entries,
    targets: preview.targets,
    waiting: preview.targets,
    prefetchWaiting: preview.prefetchTargets,
    unconfirmed: preview.unconfirmed,
    oldestAgeMs: preview.oldestAgeMs,
  };
}
