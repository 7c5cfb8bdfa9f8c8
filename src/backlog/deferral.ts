/**
 * Which failures wait in the backlog, and which are reported as failed.
 *
 * A target waits when time alone can fix what stopped it: the daily quota (resets at 00:00 UTC+8), the
 * rate limit, a provider outage, the function's deadline, or a call that was sent and never answered.
 * It is reported failed when only the user can fix it: credentials, permissions, a domain the zone does
 * not serve, a URL the provider refuses. Retrying those would spend quota and hide the problem.
 */

import { quotaKind } from "../foundation/errors";
import type { Failure } from "../foundation/model";
import type { Deferral } from "./backlog";

/** True when waiting can make `failure` go away. */
export function isDeferrable(failure: Pick<Failure, "class" | "code">): boolean {
  switch (failure.class) {
    case "retry":
    case "deadline":
    case "unknown":
      return true;
    case "quota":
      // "Too many in one request" for a single target is not a quota that refills.
      return quotaKind(failure.code) !== "batch";
    default:
      return false;
  }
}

/** Splits failures into what goes to the backlog and what is reported failed. */
export function partitionFailures(failures: readonly Failure[]): { defer: Deferral[]; failed: Failure[] } {
  const defer: Deferral[] = [];
  const failed: Failure[] = [];
  for (const failure of failures) {
    if (!isDeferrable(failure)) {
      failed.push(failure);
      continue;
    }
    const { provider, scope, type, targets, code, message, sentAt } = failure;
    defer.push({
      provider,
      scope,
      ...(type ? { type } : {}),
      targets,
      reason: code,
      message,
      ...(sentAt === undefined ? {} : { sentAt }),
    });
  }
  return { defer, failed };
}
