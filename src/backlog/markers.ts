/**
 * Once-only markers of events: what an invocation that ended in an Error had purged, so that SCF's
 * retry of the event (about 1 and 2 minutes later) does not purge it again when it lands on another
 * instance, where the ledger (execute/ledger.ts) cannot see it.
 *
 *     done/<digest of the event's changes>.json   { purged: [...URLs], at }
 *
 * Only an invocation that throws writes one (best effort: its failure is already being reported), and
 * only an event old enough to be a retry reads one, so a fresh upload never pays a COS request for it.
 * Drains delete markers past the retry window.
 */
import { createHash } from "node:crypto";
import type { ObjectChange } from "../foundation/model";
import type { Backlog } from "./backlog";

/** SCF retries a failed async event about 1 and 2 minutes later: a change older than this may be one. */
export const RETRY_AGE_MS = 30_000;
/** Past SCF's retries (and a dead-letter replay the same day), a marker has done its work. */
export const MARKER_TTL_MS = 24 * 3_600_000;

const FOLDER = "done/";

/** The event's identity: its changes (key and version), in a stable order. */
function digest(changes: readonly ObjectChange[]): string {
  const lines = changes.map((change) => `${change.key}\n${change.version}`).sort();
  return createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 40);
}

const markerKey = (backlog: Backlog, changes: readonly ObjectChange[]) =>
  `${backlog.prefix}${FOLDER}${digest(changes)}.json`;

/** Whether the event may be SCF's retry of an earlier delivery (worth a marker lookup). */
export function mayBeRetry(changes: readonly ObjectChange[], now: number): boolean {
  return (
    changes.length > 0 &&
    changes.every((change) => change.version !== "") &&
    // Some, not Math.min(...times): a CKafka batch's spread of 10,000s of times can overflow the stack.
    changes.some((change) => change.eventTime !== undefined && change.eventTime < now - RETRY_AGE_MS)
  );
}

/** URLs an earlier delivery of this event purged before it failed; empty when none is known. */
export async function purgedBefore(backlog: Backlog, changes: readonly ObjectChange[]): Promise<Set<string>> {
  const text = await backlog.objects.get(markerKey(backlog, changes)).catch(() => undefined);
  if (text === undefined) return new Set();
  try {
    const { purged } = JSON.parse(text) as { purged?: unknown };
    return new Set(
      Array.isArray(purged) ? purged.filter((url): url is string => typeof url === "string") : [],
    );
  } catch {
    return new Set();
  }
}

/** Records what this failing invocation purged, for the event's retry. Never throws. */
export async function markPurged(
  backlog: Backlog,
  changes: readonly ObjectChange[],
  purged: readonly string[],
  now: number,
): Promise<void> {
  if (purged.length === 0 || changes.some((change) => change.version === "")) return;
  const earlier = await purgedBefore(backlog, changes);
  const all = [...new Set([...earlier, ...purged])];
  await backlog.objects
    .put(markerKey(backlog, changes), JSON.stringify({ purged: all, at: now }))
    .catch(() => undefined);
}

/** Deletes markers older than `MARKER_TTL_MS` (drains call it; a failure is left for the next). */
export async function sweepMarkers(backlog: Backlog, now: number): Promise<number> {
  const old = (await backlog.objects.list(`${backlog.prefix}${FOLDER}`)).filter(
    (object) => object.lastModified < now - MARKER_TTL_MS,
  );
  await backlog.removeAll(old.map((object) => object.key)).catch(() => undefined);
  return old.length;
}
