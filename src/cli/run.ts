/**
 * What one CLI command builds once, as a warm instance does (handler.ts): the clock, the rate limiter
 * and the quota book. Everything the command calls shares them: a limiter built per call would forget
 * the calls before it and let a `purge` of keys and URLs, or a drain after its confirmations, go
 * over the provider's 20 requests/s; a quota book per call would read the quota again each time.
 */

import { QuotaBook } from "../execute/quota";
import { createRateLimiter, type RateLimiter } from "../execute/rate-limit";
import { type Clock, systemClock } from "../foundation/clock";

export interface CliRun {
  readonly clock: Clock;
  readonly limiter: RateLimiter;
  readonly quota: QuotaBook;
}

/** The run's shared pieces; build it once per command. */
export function startCliRun(clock: Clock = systemClock): CliRun {
  return { clock, limiter: createRateLimiter(clock), quota: new QuotaBook(clock) };
}
