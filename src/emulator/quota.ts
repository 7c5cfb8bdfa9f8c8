/**
 * Daily quotas, imitating how EdgeOne and CDN meter purges and prefetches: a request may carry at most
 * `batch` targets, and at most `daily` targets are accepted per day (reset at midnight Beijing time).
 * A request that carries more than what is left today fails whole and uses nothing.
 */

import { ApiError } from "./api-error";
import type { QuotaLimit } from "./config";
import { beijingDay } from "./time";

/** The error codes one quota answers with (they differ per service and per kind of target). */
export interface QuotaErrorCodes {
  readonly batch: string;
  readonly daily: string;
}

/** One quota a request draws on. */
export interface QuotaCharge {
  /** Identifies the counter, e.g. `teo/zone-emulator/purge_url` or `cdn/url/mainland`. */
  readonly key: string;
  /** Names the quota in error messages, e.g. `purge_url` or `URL purge (mainland)`. */
  readonly label: string;
  readonly limit: QuotaLimit;
  readonly codes: QuotaErrorCodes;
  /** Targets in the request, checked against `batch`. */
  readonly submitted: number;
  /** Targets accepted, counted against `daily` (EdgeOne does not count targets it puts in FailedList). */
  readonly accepted: number;
}

/** Targets used today, per quota key. */
export class DailyUsage {
  #day = "";
  #used = new Map<string, number>();

  used(key: string, now: number): number {
    this.#rollOver(now);
    return this.#used.get(key) ?? 0;
  }

  /** What is left today of `limit` under `key`. */
  available(key: string, limit: QuotaLimit, now: number): number {
    return Math.max(0, limit.daily - this.used(key, now));
  }

  /**
   * Checks every charge, then consumes them all; throws the quota's error and consumes nothing if any
   * charge does not fit (a push to `global` draws on two areas at once).
   */
  charge(charges: readonly QuotaCharge[], now: number): void {
    for (const charge of charges) {
      if (charge.submitted > charge.limit.batch) {
        throw new ApiError(
          charge.codes.batch,
          `${charge.submitted} targets exceed the ${charge.label} limit of ${charge.limit.batch} per request.`,
        );
      }
      const left = this.available(charge.key, charge.limit, now);
      if (charge.accepted > left) {
        throw new ApiError(
          charge.codes.daily,
          `${charge.accepted} targets exceed the ${left} left today of the ${charge.label} daily quota of ${charge.limit.daily}.`,
        );
      }
    }
    for (const charge of charges) {
      this.#used.set(charge.key, this.used(charge.key, now) + charge.accepted);
    }
  }

  clear(): void {
    this.#used.clear();
  }

  #rollOver(now: number): void {
    const day = beijingDay(now);
    if (day === this.#day) return;
    this.#day = day;
    this.#used.clear();
  }
}
