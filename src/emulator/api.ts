/**
 * One API call, from arrival to answer:
 *
 *     latency → size → signature → action and version → faults → rate limit → action handler
 *
 * Authentication comes before routing, as at Tencent Cloud's gateway, and before the faults, so an
 * unsigned request can neither use up a scripted fault nor get anything but an `AuthFailure.*`.
 */

import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { ActionTable } from "./action";
import { ApiError, lookup } from "./api-error";
import type { CallRecord } from "./calls";
import { CDN_ACTIONS } from "./cdn";
import type { FaultKind, Service, TerminalFault } from "./faults";
import { verifyTc3 } from "./signature";
import type { EmulatorState } from "./state";
import { TEO_ACTIONS } from "./teo";
import { holdFor } from "./time";

/** A loopback endpoint names no service, so X-TC-Version tells teo from cdn. */
const SERVICES: Readonly<Record<string, { readonly service: Service; readonly actions: ActionTable }>> = {
  "2022-09-01": { service: "teo", actions: TEO_ACTIONS },
  "2018-06-06": { service: "cdn", actions: CDN_ACTIONS },
};

/** An API request as read off the wire. */
export interface ApiRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body; undefined when it exceeded the size limit. */
  readonly body: Buffer | undefined;
}

/** The `Response` object of Tencent Cloud's envelope. */
export type ResponseObject = Record<string, unknown> & {
  readonly RequestId: string;
  readonly Error?: { readonly Code: string; readonly Message: string };
};

/** How to answer on the wire. */
export type Reply =
  | { readonly kind: "json"; readonly body: { readonly Response: ResponseObject } }
  | { readonly kind: "http"; readonly status: number }
  | { readonly kind: "drop" }
  /** COS: any status, headers and body; `cosError` when the body is a COS `<Error>`. */
  | {
      readonly kind: "raw";
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: Buffer;
      readonly cosError?: { readonly Code: string; readonly Message: string };
    };

export interface Exchange {
  readonly reply: Reply;
  readonly record: CallRecord;
}

/**
 * Answers one API call. Rejects only when `signal` aborts (the emulator is stopping); every other
 * failure, a bug in an action included, becomes an API error answer.
 */
export async function handleApiCall(
  request: ApiRequest,
  state: EmulatorState,
  signal: AbortSignal,
): Promise<Exchange> {
  const arrivedAt = state.now();
  const requestId = randomUUID();
  const action = headerValue(request.headers, "x-tc-action");
  const version = headerValue(request.headers, "x-tc-version");
  const route = lookup(SERVICES, version);
  const { params, unreadable } = readParams(request.body);
  let fault: FaultKind | null = null;

  const decide = async (): Promise<Reply> => {
    const body = request.body;
    if (body === undefined) throw new ApiError("RequestSizeLimitExceeded", "The request body exceeds 10 MB.");
    verifyTc3(
      { method: request.method, url: request.url, headers: request.headers, body },
      state.config.credentials,
      state.now(),
    );
    if (action === "") throw new ApiError("MissingParameter", "The X-TC-Action header is missing.");
    if (route === undefined) {
      throw new ApiError(
        "NoSuchVersion",
        `X-TC-Version "${version}" is neither 2022-09-01 (teo) nor 2018-06-06 (cdn).`,
      );
    }
    const handler = lookup(route.actions, action);
    if (handler === undefined) {
      const known = Object.keys(route.actions).join(", ");
      throw new ApiError(
        "InvalidAction",
        `The action ${action} is not emulated for ${route.service} (emulated: ${known}).`,
      );
    }
    const draw = state.faults.draw(route.service, action);
    if (draw.delayMs > 0) {
      fault = "delay";
      await holdFor(draw.delayMs, signal);
    }
    if (draw.terminal !== undefined) {
      fault = draw.terminal.kind;
      return faultReply(draw.terminal, requestId);
    }
    const { config, usage, tasks } = state;
    if (!state.limiter.tryAcquire(`${route.service}/${action}`, config.rateLimit, state.now())) {
      throw new ApiError(
        "RequestLimitExceeded",
        `Requests to ${action} exceed the limit of ${config.rateLimit} per second. Please reduce the frequency of calls.`,
      );
    }
    if (unreadable !== undefined)
      throw new ApiError("InvalidParameter", "The request body is not a JSON object.");
    const result = handler(params, { config, usage, tasks, now: state.now() });
    return jsonReply({ ...result, RequestId: requestId });
  };

  const latencyMs = state.config.latencyMs;
  if (latencyMs > 0) await holdFor(latencyMs, signal);
  const reply = await decide().catch((error: unknown) => {
    if (error instanceof ApiError) return errorReply(error, requestId);
    if (signal.aborted) throw error;
    return errorReply(new ApiError("InternalError", `The emulator failed: ${String(error)}`), requestId);
  });
  const record: CallRecord = {
    time: new Date(arrivedAt).toISOString(),
    requestId,
    service: route?.service ?? null,
    action,
    params,
    ...(unreadable === undefined ? {} : { unreadableBody: unreadable }),
    ...replyOutcome(reply),
    fault,
    durationMs: state.now() - arrivedAt,
  };
  return { reply, record };
}

function faultReply(fault: TerminalFault, requestId: string): Reply {
  if (fault.kind === "error") {
    const message = fault.message ?? `Fault injected by the emulator for ${fault.action}.`;
    return errorReply(new ApiError(fault.code, message), requestId);
  }
  return fault.kind === "http" ? { kind: "http", status: fault.status } : { kind: "drop" };
}

function jsonReply(response: ResponseObject): Reply {
  return { kind: "json", body: { Response: response } };
}

function errorReply(error: ApiError, requestId: string): Reply {
  return jsonReply({ Error: { Code: error.code, Message: error.message }, RequestId: requestId });
}

function replyOutcome(reply: Reply): Pick<CallRecord, "error" | "response" | "httpStatus"> {
  if (reply.kind === "json") {
    return { error: reply.body.Response.Error?.Code ?? null, response: reply.body.Response, httpStatus: 200 };
  }
  // Transport failures carry no Tencent code; these are the codes cos-purge itself gives them.
  if (reply.kind === "http")
    return { error: `HttpError.${reply.status}`, response: null, httpStatus: reply.status };
  if (reply.kind === "raw")
    return { error: reply.cosError?.Code ?? null, response: null, httpStatus: reply.status };
  return { error: "NetworkError", response: null, httpStatus: null };
}

/** The body's JSON object; `unreadable` holds the text instead when the body is not one. */
function readParams(body: Buffer | undefined): { params: Record<string, unknown>; unreadable?: string } {
  const text = body?.toString("utf8") ?? "";
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return { params: value as Record<string, unknown> };
    }
  } catch {
    // Recorded as unreadable below.
  }
  return { params: {}, unreadable: text.slice(0, 4096) };
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}
