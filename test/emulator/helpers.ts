/**
 * Shared set-up for the emulator tests: real SDK clients pointed at an emulator, a clock the tests move,
 * and a small independent TC3 signer for requests the SDK cannot be made to send (a tampered body).
 */

import { createHash, createHmac } from "node:crypto";
import COS from "cos-nodejs-sdk-v5";
import { cdn } from "tencentcloud-sdk-nodejs-cdn";
import { teo } from "tencentcloud-sdk-nodejs-teo";
import type { Emulator } from "../../src/emulator";

/**
 * The SDK sends even loopback traffic through a proxy named by a lowercase `http_proxy`; call this at
 * the top of every test file.
 */
export function clearProxyEnv(): void {
  for (const name of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[name];
}

/** The documented default credential, written out so that a changed default fails the tests. */
export const DEFAULT_CREDENTIAL = {
  secretId: "AKIDEMULATOR00000000000000000000000",
  secretKey: "emulator-secret-key",
} as const;

export interface ClientOptions {
  credential?: { secretId: string; secretKey: string; token?: string };
  /** Seconds, as the SDK takes it (fractions work: 0.2 = 200 ms). */
  reqTimeout?: number;
  endpoint?: string;
}

function clientConfig(emulator: Pick<Emulator, "endpoint">, options: ClientOptions) {
  return {
    credential: options.credential ?? DEFAULT_CREDENTIAL,
    profile: {
      httpProfile: {
        endpoint: options.endpoint ?? emulator.endpoint,
        protocol: "http://",
        reqTimeout: options.reqTimeout ?? 5,
      },
    },
  };
}

export function teoClient(emulator: Pick<Emulator, "endpoint">, options: ClientOptions = {}) {
  return new teo.v20220901.Client(clientConfig(emulator, options));
}

export function cdnClient(emulator: Pick<Emulator, "endpoint">, options: ClientOptions = {}) {
  return new cdn.v20180606.Client(clientConfig(emulator, options));
}

/** What the SDK rejects with: `code` for an API error, `httpCode` for a non-200 answer, neither for a network error. */
export interface SdkError {
  readonly message: string;
  readonly code?: string;
  readonly httpCode?: number;
  readonly requestId?: string;
}

/** The rejection of `call`; fails the test if it resolves. */
export async function sdkError(call: Promise<unknown>): Promise<SdkError> {
  const outcome = await call.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ rejected: error as SdkError }),
  );
  if ("rejected" in outcome) return outcome.rejected;
  throw new Error(`Expected the call to fail, but it returned ${JSON.stringify(outcome.resolved)}`);
}

/** An EdgeOne task query time as documented, `2022-01-01T00:00:00Z`: to the second, no fraction. */
export function teoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * An emulator clock that stands still unless a test moves it. It starts at the real time so that the
 * SDK's X-TC-Timestamp (always the real time) stays within the five minutes the signature allows.
 */
export function standingClock(start = Date.now()) {
  let time = start;
  return {
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

export interface RawRequest {
  readonly action: string;
  readonly version?: string;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

/** Posts a request the way curl would: no SDK, headers exactly as given. Returns the `Response` object. */
export async function rawCall(emulator: Emulator, request: RawRequest): Promise<Record<string, unknown>> {
  const response = await fetch(emulator.url, {
    method: "POST",
    body: request.body,
    headers: {
      "Content-Type": "application/json",
      "X-TC-Action": request.action,
      "X-TC-Version": request.version ?? "2022-09-01",
      ...request.headers,
    },
  });
  const envelope = (await response.json()) as { Response: Record<string, unknown> };
  return envelope.Response;
}

/**
 * TC3 headers for `body`, computed from the published algorithm rather than by the SDK, with the
 * credential scope service `127` as the SDK uses for an IP endpoint.
 */
export function tc3Headers(
  body: string,
  secretKey: string = DEFAULT_CREDENTIAL.secretKey,
): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");
  const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
  const canonical = [
    "POST",
    "/",
    "",
    "content-type:application/json\nhost:127.0.0.1\n",
    "content-type;host",
    sha256(body),
  ];
  const scope = `${date}/127/tc3_request`;
  const stringToSign = ["TC3-HMAC-SHA256", String(timestamp), scope, sha256(canonical.join("\n"))].join("\n");
  const key = hmac(hmac(hmac(`TC3${secretKey}`, date), "127"), "tc3_request");
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  return {
    "X-TC-Timestamp": String(timestamp),
    Authorization: `TC3-HMAC-SHA256 Credential=${DEFAULT_CREDENTIAL.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`,
  };
}

/** The default COS bucket and its region. */
export const BUCKET = { Bucket: "examplebucket-1250000000", Region: "ap-guangzhou" } as const;

export interface CosClientOptions {
  credential?: { secretId: string; secretKey: string; token?: string };
  /**
   * `path` (the default): `Domain: "http://127.0.0.1:PORT/{Bucket}"`, requests go to `/<bucket>/<key>`.
   * `host`: the SDK's own `<bucket>.cos.<region>.myqcloud.com` URL sent to the emulator with `Ip`, so
   * the bucket is in the Host header.
   */
  style?: "path" | "host";
  /** Per-attempt timeout in ms (the SDK's `Timeout`). */
  timeout?: number;
  /** ms added to the SDK's clock. */
  clockOffset?: number;
  /** Whether the SDK corrects its clock from a clock-skew error (default true, as the SDK). */
  correctClockSkew?: boolean;
}

/** A real cos-nodejs-sdk-v5 client pointed at the emulator. */
export function cosClient(emulator: Pick<Emulator, "endpoint" | "url">, options: CosClientOptions = {}) {
  const credential: { secretId: string; secretKey: string; token?: string } =
    options.credential ?? DEFAULT_CREDENTIAL;
  const address =
    options.style === "host" ? { Ip: emulator.endpoint } : { Domain: `${emulator.url}/{Bucket}` };
  return new COS({
    SecretId: credential.secretId,
    SecretKey: credential.secretKey,
    ...(credential.token === undefined ? {} : { SecurityToken: credential.token }),
    Protocol: "http:",
    ...address,
    ...(options.timeout === undefined ? {} : { Timeout: options.timeout }),
    ...(options.clockOffset === undefined ? {} : { SystemClockOffset: options.clockOffset }),
    CorrectClockSkew: options.correctClockSkew ?? true,
  });
}

/** What cos-nodejs-sdk-v5 rejects with. */
export interface CosSdkError {
  readonly code?: string;
  readonly message?: string;
  readonly statusCode?: number;
  readonly headers?: Record<string, string>;
}
