/** What the EdgeOne actions share: finding the zone a request names, and the service's parameter error. */

import type { ActionContext } from "./action";
import { ApiError } from "./api-error";
import type { EmulatorZone } from "./config";

/** EdgeOne's code for a parameter of the wrong type or value. */
export const PARAM_ERROR = "InvalidParameter.ParameterError";

/**
 * What an unknown ZoneId is answered with: `UnauthorizedOperation.NoPermission`. EdgeOne documents no
 * not-found code for the zone calls cos-purge makes (the SDKs' per-action lists: CreatePurgeTask has
 * `InvalidParameter.*`, `LimitExceeded.*`, `UnauthorizedOperation.{CamUnauthorized,NoPermission,Unknown}`,
 * `InternalError.*`; DescribeContentQuota only the three `UnauthorizedOperation` codes). The permission
 * code is the one documented for every zone call, and CAM authorises on the zone resource
 * (`qcs::teo::uid/<uin>:zone/<ZoneId>`), which a zone of no account, or of another one, is not.
 */
export const UNKNOWN_ZONE_ERROR = "UnauthorizedOperation.NoPermission";

/** The zone `zoneId` names; {@link UNKNOWN_ZONE_ERROR} when there is none. */
export function findZone(context: ActionContext, zoneId: string): EmulatorZone {
  const zone = context.config.zones.find((candidate) => candidate.zoneId === zoneId);
  if (zone !== undefined) return zone;
  const known = context.config.zones.map((candidate) => candidate.zoneId).join(", ") || "none";
  throw new ApiError(
    UNKNOWN_ZONE_ERROR,
    `You are not authorized to operate on zone "${zoneId}" (the emulator's zones: ${known}).`,
  );
}
