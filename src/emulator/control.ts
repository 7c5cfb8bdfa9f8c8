/**
 * The control API, served beside the emulated APIs on the same port:
 *
 *     GET  /_emulator/config          the effective config
 *     POST /_emulator/config          replace the fields the JSON body names; 400 naming a bad field
 *     GET  /_emulator/calls           the API calls kept, in order (X-Emulator-Calls-Dropped: how many were not)
 *     POST /_emulator/reset[?config=1][&cos=1]  forget calls, tasks and used quota (and the config with
 *                                     ?config=1, the COS objects with ?cos=1)
 *     GET  /_emulator/cos/objects[?bucket=&prefix=&body=1]  the COS objects (with their text with body=1)
 *     POST /_emulator/cos/objects     store objects as they are, no COS call recorded: a set-up of many
 *                                     (`{ "bucket": "...", "objects": [{ "key": "...", "body": "..." }] }`)
 */

import { lookup } from "./api-error";
import { EmulatorConfigError } from "./config";
import type { EmulatorState } from "./state";

export interface ControlRequest {
  readonly state: EmulatorState;
  readonly body: Buffer;
  readonly query: URLSearchParams;
}

export interface ControlReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

type ControlRoute = (request: ControlRequest) => ControlReply;

const CONTROL_ROUTES: Readonly<Record<string, ControlRoute>> = {
  "GET /_emulator/config": ({ state }) => ({ status: 200, body: state.config }),
  "POST /_emulator/config": ({ state, body }) => {
    let input: unknown;
    try {
      input = JSON.parse(body.toString("utf8"));
    } catch (error) {
      return { status: 400, body: { error: `The body is not JSON: ${(error as Error).message}` } };
    }
    try {
      return { status: 200, body: state.configure(input) };
    } catch (error) {
      if (error instanceof EmulatorConfigError) return { status: 400, body: { error: error.message } };
      throw error;
    }
  },
  // The count of calls dropped to keep the log bounded rides in a header, so the body stays the array.
  "GET /_emulator/calls": ({ state }) => ({
    status: 200,
    body: state.calls.list(),
    headers: { "X-Emulator-Calls-Dropped": String(state.calls.dropped) },
  }),
  "POST /_emulator/reset": ({ state, query }) => {
    const config = query.get("config") === "1";
    const cos = query.get("cos") === "1";
    state.reset({ config, cos });
    const reset = ["calls", "tasks", "quota", ...(config ? ["config"] : []), ...(cos ? ["cos"] : [])];
    return { status: 200, body: { reset } };
  },
  "GET /_emulator/cos/objects": ({ state, query }) => {
    const withBody = query.get("body") === "1";
    const objects = state.objects.list(query.get("bucket") ?? undefined, query.get("prefix") ?? "");
    return {
      status: 200,
      body: objects.map((object) => ({
        bucket: object.bucket,
        key: object.key,
        size: object.body.length,
        etag: object.etag,
        lastModified: new Date(object.lastModified).toISOString(),
        contentType: object.contentType,
        ...(withBody ? { body: object.body.toString("utf8") } : {}),
      })),
    };
  },
  "POST /_emulator/cos/objects": ({ state, body }) => {
    const input = readObjectsInput(body);
    if (typeof input === "string") return { status: 400, body: { error: input } };
    const now = state.now();
    for (const object of input.objects) {
      state.objects.put(input.bucket, object.key, Buffer.from(object.body, "utf8"), "application/json", now);
    }
    return { status: 200, body: { stored: input.objects.length } };
  },
};

/** The body of `POST /_emulator/cos/objects`, or what is wrong with it (naming the field and the value). */
function readObjectsInput(
  body: Buffer,
): { bucket: string; objects: { key: string; body: string }[] } | string {
  let input: unknown;
  try {
    input = JSON.parse(body.toString("utf8"));
  } catch (error) {
    return `The body is not JSON: ${(error as Error).message}`;
  }
  const { bucket, objects } = (input ?? {}) as { bucket?: unknown; objects?: unknown };
  if (typeof bucket !== "string" || bucket === "")
    return `bucket ${JSON.stringify(bucket)} is not a bucket name (a non-empty string).`;
  if (!Array.isArray(objects)) return "objects is not a list of { key, body }.";
  const bad = objects.findIndex(
    (object: { key?: unknown; body?: unknown } | null) =>
      typeof object?.key !== "string" || object.key === "" || typeof object.body !== "string",
  );
  if (bad >= 0)
    return `objects[${bad}] ${JSON.stringify(objects[bad]).slice(0, 200)} is not { key: non-empty string, body: string }.`;
  return { bucket, objects };
}

/** Answers a request under `/_emulator/`; 404 listing the routes for anything else. */
export function handleControl(method: string, path: string, request: ControlRequest): ControlReply {
  const route = lookup(CONTROL_ROUTES, `${method} ${path}`);
  if (route !== undefined) return route(request);
  return {
    status: 404,
    body: { error: `No control route ${method} ${path}.`, routes: Object.keys(CONTROL_ROUTES) },
  };
}
