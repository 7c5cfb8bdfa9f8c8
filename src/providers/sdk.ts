/**
 * What the EdgeOne and CDN adapters share: how an SDK client is configured, built once on first use,
 * and how each call's failure becomes an `ApiError`.
 */

import { globalAgent as httpAgent } from "node:http";
import { globalAgent as httpsAgent } from "node:https";
import { toApiError } from "../foundation/errors";
import type { CallOptions, Endpoint, Provider } from "../foundation/model";
import type { Credentials } from "./credentials";

export interface AdapterOptions {
  readonly endpoint: Endpoint;
  /** Timeout of one API call; the SDK never retries (tencent-cloud.md §6), the executor does. */
  readonly requestTimeoutMs: number;
  /** Called before every request, so that rotated execution-role keys are picked up. */
  readonly credentials: () => Credentials;
}

/** `127.0.0.1:8080`, `localhost`, `[::1]:8080`: an endpoint on this machine (the emulator). */
export function isLoopback(host: string): boolean {
  const name = host
    .replace(/:\d+$/, "")
    .replace(/^\[(.*)\]$/, "$1")
    .toLowerCase();
  return name === "localhost" || name === "::1" || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/**
 * The SDK client configuration. The credential is a `DynamicCredential`: the SDK asks it on every
 * request (abstract_client.js `getCredential`), so the keys are never fixed at construction.
 *
 * A loopback endpoint gets Node's own agent: the SDK sends every request through a lowercase
 * `http_proxy` when no agent is given (common/http/fetch.js: `options.proxy || process.env.http_proxy`,
 * so an empty `proxy` does not turn it off) and ignores `no_proxy`, so a proxy set in the shell
 * would otherwise receive, and usually refuse, the calls meant for the local emulator.
 */
export function clientConfig(options: AdapterOptions) {
  const { host, protocol } = options.endpoint;
  const agent = isLoopback(host) ? { agent: protocol === "http://" ? httpAgent : httpsAgent } : {};
  return {
    credential: { getCredential: async () => options.credentials() },
    profile: {
      httpProfile: {
        endpoint: host,
        protocol,
        reqTimeout: options.requestTimeoutMs / 1000, // seconds
        ...agent,
      },
    },
  };
}

/**
 * Builds a value on first use and keeps it; a failed build is retried next time. Used for SDK clients,
 * whose `import()` costs ~100 ms: an invocation pays only for the provider it calls.
 */
export function onFirstUse<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}

/** What `send` needs of an SDK client (AbstractClient's public `request`). */
interface RequestingClient {
  request(action: string, req: object, options: { signal?: AbortSignal }): Promise<unknown>;
}

/**
 * Sends `action` with this call's own timeout. The generated methods (`client.CreatePurgeTask(req)`)
 * take no options; `request` does, and its `signal` ends the call when the time left before the
 * deadline runs out, even when that is shorter than the client's `reqTimeout`.
 *
 * The signal is an `AbortController` and a timer rather than `AbortSignal.timeout`, which SCF's
 * Nodejs16.13 lacks (added in Node 17.3): there it failed every call. The timer is cleared when the
 * call settles and never keeps the process alive, as `AbortSignal.timeout`'s would not.
 */
export async function send<Response>(
  client: RequestingClient,
  action: string,
  req: object,
  call: Partial<CallOptions> | undefined,
): Promise<Response> {
  const timeoutMs = call?.timeoutMs;
  if (timeoutMs === undefined) return (await client.request(action, req, {})) as Response;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(1, timeoutMs));
  timer.unref();
  try {
    return (await client.request(action, req, { signal: controller.signal })) as Response;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs one SDK call and turns any failure into an `ApiError`.
 *
 * The credentials are read first, outside the SDK: the SDK wraps whatever `getCredential` throws into a
 * message-only exception that would pass for a network error and be retried (abstract_client.js
 * `doRequestWithSign3`), while missing credentials must fail at once with their own code and hint.
 */
export async function callApi<T>(
  provider: Provider,
  action: string,
  options: AdapterOptions,
  call: () => Promise<T>,
): Promise<T> {
  try {
    options.credentials();
    return await call();
  } catch (error) {
    throw toApiError(provider, action, error);
  }
}
