/**
 * One COS XML request, from arrival to answer:
 *
 *     latency → size → bucket named and configured → signature → operation → faults → operation
 *
 * As at COS, a bucket that does not exist is NoSuchBucket before the signature is looked at; a request
 * to an existing bucket must be signed by a configured credential before anything else happens, so an
 * unsigned request can neither use up a scripted fault nor read an object.
 */

import { randomBytes, randomUUID } from "node:crypto";
import type { Exchange, Reply } from "../api";
import type { CallRecord } from "../calls";
import type { FaultKind, TerminalFault } from "../faults";
import type { EmulatorState } from "../state";
import { holdFor } from "../time";
import { CosError } from "./errors";
import { type CosAnswer, cosOperation } from "./operations";
import { cosTarget } from "./route";
import { decode, verifyCosSignature } from "./signature";
import { errorXml } from "./xml";

/** A COS request as read off the wire. */
export interface CosRequest {
  readonly method: string;
  /** The request target as sent, e.g. `/examplebucket-1250000000/a%20b.json?acl`. */
  readonly url: string;
  readonly headers: import("node:http").IncomingHttpHeaders;
  /** The raw body; undefined when it exceeded the size limit. */
  readonly body: Buffer | undefined;
  /** The size limit, for the EntityTooLarge message. */
  readonly maxBodyBytes: number;
}

/**
 * Answers one COS request. Rejects only when `signal` aborts (the emulator is stopping); every other
 * failure, a bug included, becomes a COS error answer.
 */
export async function handleCosCall(
  request: CosRequest,
  state: EmulatorState,
  signal: AbortSignal,
): Promise<Exchange> {
  const arrivedAt = state.now();
  const requestId = cosRequestId();
  const [rawPath = "/", rawQuery = ""] = request.url.split(/\?(.*)/s);
  const target = cosTarget(rawPath, request.headers);
  const query = new Map(
    rawQuery
      .split("&")
      .filter((pair) => pair !== "")
      .map((pair) => {
        const at = pair.indexOf("=");
        return [decode(at < 0 ? pair : pair.slice(0, at)), at < 0 ? "" : decode(pair.slice(at + 1))] as const;
      }),
  );
  const operation = cosOperation(request.method, target.key, query);
  const action = operation?.action ?? `${request.method} ${target.key === "" ? "bucket" : "object"}`;
  let fault: FaultKind | null = null;

  const decide = async (): Promise<CosAnswer | TerminalFault> => {
    if (request.body === undefined) {
      throw new CosError(
        "EntityTooLarge",
        `The emulator keeps objects in memory and takes bodies of at most ${request.maxBodyBytes} bytes (COS: 5 GB).`,
      );
    }
    const bucket = state.config.cos.buckets.find(
      (candidate) =>
        candidate.name === target.bucket &&
        (target.region === undefined || target.region === candidate.region),
    );
    if (bucket === undefined) {
      const known =
        state.config.cos.buckets.map((each) => `${each.name} (${each.region})`).join(", ") || "none";
      const named =
        target.bucket === undefined
          ? "The request names no bucket: use the Host <bucket>.cos.<region>.myqcloud.com or the path /<bucket>/<key> (SDK Domain http://127.0.0.1:PORT/{Bucket})."
          : `The bucket ${target.bucket}${target.region === undefined ? "" : ` in ${target.region}`} does not exist.`;
      throw new CosError("NoSuchBucket", `${named} Buckets: ${known}.`);
    }
    verifyCosSignature(
      { method: request.method, keyPath: target.keyPath, query: rawQuery, headers: request.headers },
      state.config.credentials,
      state.now(),
    );
    if (operation === undefined) {
      throw new CosError("NotImplemented", `The emulator does not emulate ${action}.`);
    }
    const unsupported = [...query.keys()].find((name) => !operation.query(name));
    if (unsupported !== undefined) {
      throw new CosError("NotImplemented", `The emulator does not emulate ${action} with ?${unsupported}.`);
    }
    const draw = state.faults.draw("cos", operation.action);
    if (draw.delayMs > 0) {
      fault = "delay";
      await holdFor(draw.delayMs, signal);
    }
    if (draw.terminal !== undefined) {
      fault = draw.terminal.kind;
      return draw.terminal;
    }
    return operation.run({
      bucket,
      key: target.key,
      query,
      headers: request.headers,
      body: request.body,
      objects: state.objects,
      faults: state.faults,
      now: state.now(),
    });
  };

  const latencyMs = state.config.latencyMs;
  if (latencyMs > 0) await holdFor(latencyMs, signal);
  const outcome = await decide().catch((error: unknown) => {
    if (error instanceof CosError) return error;
    if (signal.aborted) throw error;
    return new CosError("InternalError", `The emulator failed: ${String(error)}`);
  });
  const reply = toReply(outcome, { requestId, resource: target.resource, now: state.now(), action });
  const record: CallRecord = {
    time: new Date(arrivedAt).toISOString(),
    requestId,
    service: "cos",
    action,
    params: {
      ...recordedParams(target.bucket, target.key, query, request),
      ...(outcome instanceof CosError || "kind" in outcome ? {} : outcome.received),
    },
    ...outcomeOf(outcome, reply),
    fault,
    durationMs: state.now() - arrivedAt,
  };
  return { reply, record };
}

interface ReplyContext {
  readonly requestId: string;
  readonly resource: string;
  readonly now: number;
  readonly action: string;
}

function toReply(outcome: CosAnswer | CosError | TerminalFault, context: ReplyContext): Reply {
  // Every COS answer carries x-cos-request-id (the SDK reads it into RequestId) and a Date, which the
  // SDK uses to correct its clock after RequestTimeTooSkewed / "Request has expired".
  const common = {
    Server: "tencent-cos",
    Date: new Date(context.now).toUTCString(),
    "x-cos-request-id": context.requestId,
  };
  if (outcome instanceof CosError) return errorReply(outcome, context, common);
  if ("kind" in outcome) {
    if (outcome.kind === "drop") return { kind: "drop" };
    if (outcome.kind === "http") return { kind: "http", status: outcome.status };
    const message = outcome.message ?? `Fault injected by the emulator for ${context.action}.`;
    return errorReply(new CosError(outcome.code, message, outcome.status), context, common);
  }
  const body = typeof outcome.body === "string" ? Buffer.from(outcome.body, "utf8") : outcome.body;
  return {
    kind: "raw",
    status: outcome.status,
    headers: { "Content-Length": String(body.length), ...common, ...outcome.headers },
    body,
  };
}

function errorReply(error: CosError, context: ReplyContext, common: Record<string, string>): Reply {
  const traceId = randomBytes(48).toString("base64");
  const body = Buffer.from(
    errorXml({
      code: error.code,
      message: error.message,
      resource: context.resource,
      requestId: context.requestId,
      traceId,
    }),
    "utf8",
  );
  return {
    kind: "raw",
    status: error.status,
    headers: {
      "Content-Type": "application/xml",
      "Content-Length": String(body.length),
      ...common,
      "x-cos-trace-id": traceId,
    },
    body,
    cosError: { Code: error.code, Message: error.message },
  };
}

function outcomeOf(
  outcome: CosAnswer | CosError | TerminalFault,
  reply: Reply,
): Pick<CallRecord, "error" | "response" | "httpStatus"> {
  if (reply.kind === "drop") return { error: "NetworkError", response: null, httpStatus: null };
  if (reply.kind === "http")
    return { error: `HttpError.${reply.status}`, response: null, httpStatus: reply.status };
  const status = reply.kind === "raw" ? reply.status : 200;
  if (reply.kind === "raw" && reply.cosError !== undefined) {
    return { error: reply.cosError.Code, response: { Error: reply.cosError }, httpStatus: status };
  }
  const summary = outcome instanceof CosError || "kind" in outcome ? {} : outcome.summary;
  return { error: null, response: summary, httpStatus: status };
}

/** What a COS call is recorded with: bucket, key, query, the `x-cos-*` headers sent (never the token) and the body size. */
function recordedParams(
  bucket: string | undefined,
  key: string,
  query: ReadonlyMap<string, string>,
  request: CosRequest,
): Record<string, unknown> {
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(
      ([name]) => name.startsWith("x-cos-") && name !== "x-cos-security-token",
    ),
  );
  return {
    Bucket: bucket ?? null,
    Key: key,
    ...(query.size > 0 ? { Query: Object.fromEntries(query) } : {}),
    ...(Object.keys(headers).length > 0 ? { Headers: headers } : {}),
    ...(request.body !== undefined && request.body.length > 0 ? { ContentLength: request.body.length } : {}),
  };
}

/** A request id in the style of COS's (base64 of underscore-joined hex fields). */
function cosRequestId(): string {
  return Buffer.from(randomUUID().split("-").slice(0, 4).join("_")).toString("base64");
}
