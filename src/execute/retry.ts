/**
 * Retry timing, apart from the code that calls (as ky keeps `retry-timing.ts` apart from its fetch).
 * Pure: the random source and the clock readings are passed in.
 */

export const BACKOFF = {
  /** First retry waits up to this long: a brief InternalError or dropped connection clears fast. */
  baseMs: 200,
  /** No wait grows past this: SCF bills every millisecond, and the deadline is usually under a minute. */
  capMs: 5_000,
} as const;

/**
 * Codes after which retrying sooner is pointless. "Too many requests this second": the limit is
 * counted per second (20 requests/s per action, tencent-cloud.md §3–4), so retrying sooner than a
 * second later only counts against it again.
 */
const WAIT_AT_LEAST = [
  { pattern: /^RequestLimitExceeded/, ms: 1_000 },
  { pattern: /^UnauthorizedOperation\.OperationTooOften$/, ms: 1_000 },
  // A call that timed out or lost its connection may still be running at the provider: give it a
  // second to finish before looking for its task (attempts.ts `recover`) and sending it again.
  { pattern: /^(Timeout|NetworkError)$/, ms: 1_000 },
] as const;

/** The shortest wait before retrying after `code`; 0 for codes not about request rates. */
export function minimumDelay(code: string): number {
  return WAIT_AT_LEAST.find((entry) => entry.pattern.test(code))?.ms ?? 0;
}

/**
 * How long to wait before the retry that follows failed attempt number `attempt` (1-based):
 * "full jitter" (a uniform draw below an exponentially growing, capped ceiling), so that instances that
 * failed together do not retry together, then shifted by `floorMs`.
 *
 * @example backoffDelay(3, () => 0.5) // 400: half of min(5000, 200 · 2²)
 * @example backoffDelay(1, () => 0.5, minimumDelay("RequestLimitExceeded")) // 1100
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, floorMs = 0): number {
  const ceiling = Math.min(BACKOFF.capMs, BACKOFF.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(floorMs + random() * ceiling);
}

/**
 * Whether waiting `waitMs` and then making a call that may take up to `callMs` still ends by
 * `deadline`. A call is never started on the hope that it will be quick: a call cut off by the
 * platform's timeout leaves no summary, and its targets would be lost without a word.
 */
export function fitsBeforeDeadline(at: {
  now: number;
  waitMs: number;
  callMs: number;
  deadline: number;
}): boolean {
  return at.now + at.waitMs + at.callMs <= at.deadline;
}
