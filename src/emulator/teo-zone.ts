/** What the EdgeOne actions share: finding the zone a request names, and the service's parameter error. */

import type { ActionContext } from "./action";
import { ApiError } from "./api-error";
import type { EmulatorZone } from "./config";

/** EdgeOne's code for a parameter of the wrong type or value. */
export const PARAM_ERROR = "InvalidParameter.ParameterError";

/** The zone `zoneId` names; `ResourceNotFound` when there is none (Tencent's code here is unconfirmed). */
export function findZone(context: ActionContext, zoneId: string): EmulatorZone {
  const zone = context.config.zones.find((candidate) => candidate.zoneId === zoneId);
  if (zone !== undefined) return zone;
  const known = context.config.zones.map((candidate) => candidate.zoneId).join(", ") || "none";
  throw new ApiError("ResourceNotFound", `Zone "${zoneId}" does not exist (zones: ${known}).`);
}
