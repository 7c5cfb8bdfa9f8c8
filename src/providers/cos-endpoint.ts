/**
 * `COS_ENDPOINT` → where the COS SDK sends its requests: the real COS by virtual host (unset, or a
 * host or `{Bucket}` template), or a local server such as the emulator by path (`http(s)://host:port`).
 */
import { CosPurgeError } from "../foundation/errors";
import { isLoopback } from "./sdk";

/** What the SDK needs to know where to send requests. */
export interface Addressing {
  readonly Protocol: "http:" | "https:";
  readonly Domain?: string;
}

/** The SDK's `Protocol` and `Domain` for `endpoint` (see `CosStoreOptions.endpoint`). */
export function addressingFor(endpoint: string | undefined): Addressing {
  if (endpoint === undefined || endpoint === "") return { Protocol: "https:" };
  const url = /^https?:\/\//i.test(endpoint) ? safeUrl(endpoint) : undefined;
  if (url !== undefined) {
    if (url.pathname !== "/" || url.search !== "" || url.username !== "") throw invalidEndpoint(endpoint);
    const protocol = url.protocol === "http:" ? "http:" : "https:";
    // Path style: the SDK sends /<bucket>/<key> and still signs /<key> (see src/emulator/cos/route.ts).
    return { Protocol: protocol, Domain: `${protocol}//${url.host}/{Bucket}` };
  }
  if (!/^[A-Za-z0-9.{}-]+(?::\d{1,5})?$/.test(endpoint)) throw invalidEndpoint(endpoint);
  return { Protocol: "https:", Domain: /\{Bucket\}/i.test(endpoint) ? endpoint : `{Bucket}.${endpoint}` };
}

/** Whether `endpoint` is a server on this machine (`http://127.0.0.1:port`, the emulator). */
export function isLocalEndpoint(endpoint: string | undefined): boolean {
  const url = endpoint !== undefined && /^https?:\/\//i.test(endpoint) ? safeUrl(endpoint) : undefined;
  return url !== undefined && isLoopback(url.host);
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function invalidEndpoint(endpoint: string): CosPurgeError {
  return new CosPurgeError(
    `COS_ENDPOINT ${JSON.stringify(endpoint)} is neither a host (cos.ap-guangzhou.myqcloud.com, a {Bucket} template) nor http(s)://host[:port].`,
    { code: "InvalidCosEndpoint" },
  );
}
