/**
 * TC3-HMAC-SHA256 verification, checked the way Tencent Cloud's gateway checks it
 * (https://cloud.tencent.com/document/api/213/30654) and as the Node SDK produces it
 * (tencentcloud-sdk-nodejs-common, `Sign.sign3`):
 *
 *     Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<UTC date>/<service>/tc3_request,
 *                    SignedHeaders=content-type;host, Signature=<hex>
 *
 * Two details matter for a loopback endpoint. The SDK puts the endpoint's first label in the credential
 * scope (`127` for `127.0.0.1:PORT`, `localhost` for `localhost:PORT`), so the scope's own service is
 * used rather than a fixed `teo`/`cdn`. And it signs `host` as the URL's hostname without the port, while
 * the Host header it sends carries the port, so the port is stripped from the header the same way.
 */

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { ApiError } from "./api-error";
import type { EmulatorCredential } from "./config";

/** Tencent Cloud rejects a request whose X-TC-Timestamp is more than five minutes off. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

const AUTHORIZATION =
  /^TC3-HMAC-SHA256 Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/\s]+)\/tc3_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** The parts of an HTTP request the signature covers. */
export interface SignedRequest {
  readonly method: string;
  /** The request target, e.g. `/` or `/?a=b`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * Verifies the request's TC3 signature against `credentials` at `now` (ms). X-TC-Token is accepted
 * whatever its value: temporary credentials are not emulated.
 * @returns the SecretId that signed the request.
 * @throws {ApiError} `AuthFailure.InvalidAuthorization`, `AuthFailure.SignatureExpire`,
 *   `AuthFailure.SecretIdNotFound` or `AuthFailure.SignatureFailure`.
 */
export function verifyTc3(
  request: SignedRequest,
  credentials: readonly EmulatorCredential[],
  now: number,
): string {
  const authorization = headerValue(request.headers, "authorization");
  if (authorization === "") {
    throw new ApiError(
      "AuthFailure.InvalidAuthorization",
      "The Authorization header is missing; sign the request with TC3-HMAC-SHA256.",
    );
  }
  const match = AUTHORIZATION.exec(authorization);
  if (match === null) {
    throw new ApiError(
      "AuthFailure.InvalidAuthorization",
      "The Authorization header is not a TC3-HMAC-SHA256 signature.",
    );
  }
  const [, secretId = "", date = "", service = "", signedHeaderList = "", signature = ""] = match;
  const signedHeaders = signedHeaderList.split(";");
  if (!signedHeaders.includes("content-type") || !signedHeaders.includes("host")) {
    throw new ApiError(
      "AuthFailure.InvalidAuthorization",
      "SignedHeaders must include content-type and host.",
    );
  }

  const timestamp = headerValue(request.headers, "x-tc-timestamp");
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new ApiError(
      "AuthFailure.InvalidAuthorization",
      "X-TC-Timestamp must be the Unix time in seconds.",
    );
  }
  const seconds = Number(timestamp);
  if (Math.abs(now - seconds * 1000) > MAX_CLOCK_SKEW_MS) {
    throw new ApiError(
      "AuthFailure.SignatureExpire",
      `Signature expired: X-TC-Timestamp ${seconds} is more than 5 minutes from the server time ${Math.floor(now / 1000)}.`,
    );
  }

  const credential = credentials.find((candidate) => candidate.secretId === secretId);
  if (credential === undefined) {
    throw new ApiError(
      "AuthFailure.SecretIdNotFound",
      "The SecretId is not found, please ensure that your SecretId is correct.",
    );
  }
  if (date !== new Date(seconds * 1000).toISOString().slice(0, 10)) {
    throw new ApiError(
      "AuthFailure.SignatureFailure",
      `The credential date ${date} is not the UTC date of X-TC-Timestamp.`,
    );
  }

  const expected = tc3Signature(request, signedHeaders, {
    secretKey: credential.secretKey,
    date,
    service,
    timestamp,
  });
  if (!timingSafeEqual(Buffer.from(expected, "hex"), Buffer.from(signature, "hex"))) {
    throw new ApiError(
      "AuthFailure.SignatureFailure",
      "The provided credentials could not be validated. Please check your signature is correct.",
    );
  }
  return secretId;
}

interface Scope {
  readonly secretKey: string;
  readonly date: string;
  readonly service: string;
  readonly timestamp: string;
}

function tc3Signature(request: SignedRequest, signedHeaders: readonly string[], scope: Scope): string {
  const url = new URL(request.url, "http://signature.invalid");
  // Canonical header values are trimmed and lower-cased (TC3 specification); `host` loses its port.
  const canonicalHeaders = signedHeaders
    .map((name) => {
      const value = headerValue(request.headers, name);
      return `${name}:${(name === "host" ? hostnameOf(value) : value).trim().toLowerCase()}\n`;
    })
    .join("");
  const canonicalRequest = [
    request.method,
    url.pathname,
    url.search.slice(1),
    canonicalHeaders,
    signedHeaders.join(";"),
    sha256Hex(request.body),
  ].join("\n");
  const credentialScope = `${scope.date}/${scope.service}/tc3_request`;
  const stringToSign = [
    "TC3-HMAC-SHA256",
    scope.timestamp,
    credentialScope,
    sha256Hex(canonicalRequest),
  ].join("\n");
  const secretDate = hmac(`TC3${scope.secretKey}`, scope.date);
  const secretService = hmac(secretDate, scope.service);
  const secretSigning = hmac(secretService, "tc3_request");
  return createHmac("sha256", secretSigning).update(stringToSign).digest("hex");
}

/** The hostname of a Host header, as `new URL(...).hostname` gives it to the SDK's signer. */
function hostnameOf(host: string): string {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return host;
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(",") : value) ?? "";
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}
