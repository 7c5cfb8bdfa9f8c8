/**
 * The HTTP side: `POST /` carries the emulated JSON APIs (as the SDK sends them), COS requests (a
 * bucket in the Host or the path, or a COS signature) the COS XML API, `/_emulator/*` the control API. Every open socket is tracked so that `close()` ends promptly even with keep-alive clients and
 * calls held back by a `delay` fault.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { handleApiCall, type Reply } from "./api";
import { handleControl } from "./control";
import { handleCosCall } from "./cos/api";
import { isCosRequest } from "./cos/route";
import type { EmulatorState } from "./state";

/** Tencent Cloud refuses request bodies over 10 MB (RequestSizeLimitExceeded). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0 = a free one) and serves `state`. */
export async function serve(
  state: EmulatorState,
  options: { host: string; port: number },
): Promise<RunningServer> {
  const stopping = new AbortController();
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    route(state, request, response, stopping.signal).catch((error: unknown) => {
      if (stopping.signal.aborted) return;
      sendJson(response, 500, { error: `The emulator failed: ${String(error)}` });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        stopping.abort();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

async function route(
  state: EmulatorState,
  request: IncomingMessage,
  response: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://emulator.invalid");
  const method = request.method ?? "GET";
  const body = await readBody(request);
  if (url.pathname.startsWith("/_emulator/")) {
    if (body === undefined) {
      sendJson(response, 413, {
        error: `The body exceeds ${MAX_BODY_BYTES} bytes, the most the control API reads.`,
      });
      return;
    }
    const reply = handleControl(method, url.pathname, { state, body, query: url.searchParams });
    sendJson(response, reply.status, reply.body, reply.headers);
    return;
  }
  if (isCosRequest(url.pathname, request.headers)) {
    const record = state.calls.open();
    const exchange = await handleCosCall(
      { method, url: request.url ?? "/", headers: request.headers, body, maxBodyBytes: MAX_BODY_BYTES },
      state,
      signal,
    );
    writeReply(request, response, exchange.reply);
    record(exchange.record);
    return;
  }
  if (url.pathname !== "/" || method !== "POST") {
    sendJson(response, 404, {
      error: `Tencent Cloud APIs are served at POST /, COS at /<bucket>/<key> or a <bucket>.cos.<region>.myqcloud.com Host; got ${method} ${url.pathname}.`,
    });
    return;
  }
  const record = state.calls.open();
  const exchange = await handleApiCall(
    { method, url: request.url ?? "/", headers: request.headers, body },
    state,
    signal,
  );
  writeReply(request, response, exchange.reply);
  record(exchange.record);
}

function writeReply(request: IncomingMessage, response: ServerResponse, reply: Reply): void {
  if (reply.kind === "drop") {
    request.socket.destroy();
    return;
  }
  if (reply.kind === "http") {
    response.writeHead(reply.status, { "Content-Type": "text/plain" }).end(`HTTP ${reply.status}\n`);
    return;
  }
  if (reply.kind === "raw") {
    // Node sends no body for HEAD; the headers (Content-Length included) are those of a GET.
    response.writeHead(reply.status, reply.headers).end(reply.body);
    return;
  }
  // The SDK reads X-TC-TraceId back into its errors; echo the one it sent.
  const traceId = request.headers["x-tc-traceid"];
  sendJson(response, 200, reply.body, typeof traceId === "string" ? { "X-TC-TraceId": traceId } : {});
}

/**
 * Answers with `body` as JSON. The body is serialised before anything is written, so a body that
 * cannot be serialised (too large for a string, a BigInt) gets a 500 naming why instead of a response
 * whose headers went out and whose body never comes. A response whose headers are already out is
 * ended by closing it: every request gets an end.
 */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (response.destroyed) return;
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const answer = serialise(status, body, headers);
  response
    .writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers })
    .end(answer.text);
}

function serialise(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>>,
): { status: number; text: string; headers: Readonly<Record<string, string>> } {
  try {
    return { status, text: JSON.stringify(body), headers };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const text = JSON.stringify({ error: `The emulator could not serialise its answer: ${reason}` });
    return { status: 500, text, headers: {} };
  }
}

/** The whole body, or undefined once it passes the size limit (the rest is drained, not kept). */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : undefined;
}
