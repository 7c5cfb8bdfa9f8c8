/**
 * Remembers, per warm instance, which URLs were purged for which object version.
 *
 * When an invocation ends in an Error, SCF re-delivers the same event (async retries, about 1 and
 * 2 minutes later). Tencent's template then purges everything again, spending quota on URLs that
 * were already fresh. A retry that lands on the same warm instance skips what the ledger holds; one
 * that lands on another instance reads the failed invocation's marker in the backlog instead
 * (backlog/markers.ts, deliver/retries.ts).
 */
import type { Clock } from "../foundation/clock";
import type { ObjectChange, PlannedTarget } from "../foundation/model";

/** Longer than SCF's async retry schedule (about 1 + 2 minutes). */
const TTL_MS = 10 * 60_000;
/** Bounds memory on a long-lived instance: 50,000 entries are a few MB. */
const MAX_ENTRIES = 50_000;

export class PurgeLedger {
  /** `version \n url` → time recorded. Map keeps insertion order, so the oldest entries come first. */
  private readonly entries = new Map<string, number>();
  /** `version \n url` → when a call that was never answered sent it (see `rememberUnanswered`). */
  private readonly unanswered = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /**
   * Splits targets into those still to purge and those an earlier attempt of the same change already
   * purged. A target stands for several keys, possibly changed more than once: it is skipped only if
   * every version it stands for was purged. Changes with no version are never skipped.
   */
  partition(
    targets: readonly PlannedTarget[],
    changes: readonly ObjectChange[],
  ): { toPurge: PlannedTarget[]; alreadyPurged: PlannedTarget[] } {
    this.expire();
    const versions = versionsByKey(changes);
    const toPurge: PlannedTarget[] = [];
    const alreadyPurged: PlannedTarget[] = [];
    for (const target of targets) {
      const done = this.entryKeys(target, versions);
      const skip = done.length > 0 && done.every((entry) => this.entries.has(entry));
      (skip ? alreadyPurged : toPurge).push(target);
    }
    return { toPurge, alreadyPurged };
  }

  /**
   * Records targets whose call was sent and never answered (at `sentAt`), and that could not be kept
   * in the backlog either: a retry of the event must look for their task before sending them again.
   */
  rememberUnanswered(
    targets: readonly PlannedTarget[],
    changes: readonly ObjectChange[],
    unanswered: ReadonlyMap<string, number>,
  ): void {
    const versions = versionsByKey(changes);
    for (const target of targets) {
      const sentAt = unanswered.get(target.url);
      if (sentAt === undefined) continue;
      for (const entry of this.entryKeys(target, versions)) this.unanswered.set(entry, sentAt);
    }
  }

  /** Of `targets`, those an earlier attempt sent without an answer, with when it sent them. */
  unansweredOf(
    targets: readonly PlannedTarget[],
    changes: readonly ObjectChange[],
  ): Map<PlannedTarget, number> {
    const versions = versionsByKey(changes);
    const found = new Map<PlannedTarget, number>();
    for (const target of targets) {
      const times = this.entryKeys(target, versions).map((entry) => this.unanswered.get(entry));
      const first = times[0];
      if (first !== undefined && times.every((time) => time !== undefined)) found.set(target, first);
    }
    return found;
  }

  /** Records targets the provider accepted. */
  remember(
    targets: readonly PlannedTarget[],
    changes: readonly ObjectChange[],
    purged: readonly string[],
  ): void {
    const accepted = new Set(purged);
    const versions = versionsByKey(changes);
    const now = this.clock.now();
    for (const target of targets) {
      if (!accepted.has(target.url)) continue;
      for (const entry of this.entryKeys(target, versions)) {
        this.entries.delete(entry);
        this.entries.set(entry, now);
      }
    }
    while (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  private entryKeys(target: PlannedTarget, versions: Map<string, Set<string>>): string[] {
    const out: string[] = [];
    for (const key of target.keys) {
      for (const version of versions.get(key) ?? []) {
        // An unversioned change cannot be told apart from a new one: never treat it as done.
        if (version === "") return [];
        out.push(`${version}\n${target.url}`);
      }
    }
    return out;
  }

  private expire(): void {
    const cutoff = this.clock.now() - TTL_MS;
    for (const [entry, time] of this.unanswered) if (time < cutoff) this.unanswered.delete(entry);
    for (const [entry, time] of this.entries) {
      if (time >= cutoff) break;
      this.entries.delete(entry);
    }
  }
}

function versionsByKey(changes: readonly ObjectChange[]): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const change of changes) {
    const set = map.get(change.key) ?? new Set<string>();
    set.add(change.version);
    map.set(change.key, set);
  }
  return map;
}
