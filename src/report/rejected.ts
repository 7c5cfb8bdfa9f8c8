/**
 * The one log line about the records an event could not be read in ("event records rejected").
 */
import type { RejectedRecord } from "../foundation/model";

/** Rejected records quoted in full in the rejection log line and in the Error. */
export const SAMPLE_LIMIT = 3;

/** Distinct kinds of rejection counted one by one in the rejection log line; the rest add up under "other". */
const KIND_LIMIT = 20;

/**
 * The one log line about the records an event could not be read in, however many: how many, how many
 * of each kind (the field, without record numbers, and the problem, without the values), and the
 * first few in full. 20,000 unreadable records are one line, not 20,000.
 */
export function describeRejected(rejected: readonly RejectedRecord[]): {
  count: number;
  kinds: Record<string, number>;
  samples: readonly RejectedRecord[];
} {
  const kinds = new Map<string, number>();
  for (const record of rejected) {
    const field = record.field.replace(/\[\d+\]/g, "[]");
    // The problem without what follows ";" or "(" (what is accepted, a parser's message), nor values.
    const problem = (record.problem.split(/[;(]/)[0] ?? "").replace(/"[^"]*"/g, '"…"').split(/[[{]/)[0];
    const kind = `${field}: ${problem?.trim()}`.slice(0, 120);
    const counted = kinds.has(kind) || kinds.size < KIND_LIMIT ? kind : "other";
    kinds.set(counted, (kinds.get(counted) ?? 0) + 1);
  }
  return {
    count: rejected.length,
    kinds: Object.fromEntries(kinds),
    samples: rejected.slice(0, SAMPLE_LIMIT),
  };
}
