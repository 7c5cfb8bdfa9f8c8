/**
 * COS request signatures (`q-sign-algorithm=sha1`), checked as COS checks them
 * (https://cloud.tencent.com/document/product/436/7778) and as cos-nodejs-sdk-v5 makes them
 * (sdk/util.js `getAuth`):
 *
 *     Authorization: q-sign-algorithm=sha1&q-ak=<SecretId>&q-sign-time=<start>;<end>&q-key-time=<start>;<end>
 *                    &q-header-list=<names>&q-url-param-list=<names>&q-signature=<hex>
 *
 *     SignKey      = HMAC-SHA1(SecretKey, q-key-time)                      (hex)
 *     HttpString   = method \n /<key> \n <params> \n <headers> \n           (names lower-case, values
 *                                                                             RFC 3986-encoded, sorted)
 *     StringToSign = sha1 \n q-sign-time \n SHA1(HttpString) \n
 *     Signature    = HMAC-SHA1(SignKey, StringToSign)                      (hex)
 *
 * Only the headers and parameters the client listed are signed. The path is the object key, decoded,
 * relative to the bucket: with a path-style endpoint (`http://127.0.0.1:PORT/{Bucket}`) the SDK sends
 * `/<bucket>/<key>` but signs `/<key>`, so the caller passes the key path, not the request path.
 * `x-cos-security-token` (temporary keys) is not signed by the SDK and is accepted whatever its value,
 * as X-TC-Token is for the JSON APIs.
 */

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { EmulatorCredential } from "../config";
import { CosError } from "./errors";

/** How far a q-sign-time start may be ahead of the server clock (COS's 15 minutes, as S3's). */
const MAX_START_SKEW_S = 15 * 60;

const FIELDS = [
  "q-sign-algorithm",
  "q-ak",
  "q-sign-time",
  "q-key-time",
  "q-header-list",
  "q-url-param-list",
  "q-signature",
] as const;
type Field = (typeof FIELDS)[number];

export interface CosSignedRequest {
  readonly method: string;
  /** `/` + the decoded object key (`/` for a bucket operation). */
  readonly keyPath: string;
  /** The raw query string, without `?`. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * Verifies a COS signature at `now` (ms).
 * @returns the SecretId that signed the request.
 * @throws {CosError} `AccessDenied` (no or malformed signature, or `Request has expired`),
 *   `RequestTimeTooSkewed`, `InvalidAccessKeyId` or `SignatureDoesNotMatch`, all 403.
 */
export function verifyCosSignature(
  request: CosSignedRequest,
  credentials: readonly EmulatorCredential[],
  now: number,
): string {
  const authorization = headerValue(request.headers, "authorization");
  if (authorization === "") throw new CosError("AccessDenied", "Access Denied.");
  const fields = parseAuthorization(authorization);
  if (fields["q-sign-algorithm"] !== "sha1") {
    throw new CosError("AccessDenied", "The Authorization header is not a q-sign-algorithm=sha1 signature.");
  }
  const seconds = Math.floor(now / 1000);
  for (const name of ["q-sign-time", "q-key-time"] as const) {
    const range = /^(\d+);(\d+)$/.exec(fields[name]);
    if (range === null) throw new CosError("AccessDenied", `${name} must be <start>;<end> in Unix seconds.`);
    // COS reports an expired signature as AccessDenied "Request has expired" and a start far in the
    // future as RequestTimeTooSkewed (product/436/40105); the SDK recognises both as clock errors and,
    // reading the Date header, corrects its clock and retries (sdk/base.js getRetryInfo).
    if (seconds > Number(range[2])) throw new CosError("AccessDenied", "Request has expired");
    if (Number(range[1]) > seconds + MAX_START_SKEW_S) {
      throw new CosError(
        "RequestTimeTooSkewed",
        "The difference between the request time and the server's time is too large.",
      );
    }
  }
  const credential = credentials.find((candidate) => candidate.secretId === fields["q-ak"]);
  if (credential === undefined) {
    throw new CosError("InvalidAccessKeyId", "The Access Key Id you provided does not exist in our records.");
  }
  const expected = cosSignature(request, fields, credential.secretKey);
  const given = fields["q-signature"];
  if (
    !/^[0-9a-f]{40}$/.test(given) ||
    !timingSafeEqual(Buffer.from(expected, "hex"), Buffer.from(given, "hex"))
  ) {
    throw new CosError(
      "SignatureDoesNotMatch",
      "The Signature you specified does not match what we calculated.",
    );
  }
  return credential.secretId;
}

/** The signature `request` should carry, by the published algorithm. */
export function cosSignature(
  request: CosSignedRequest,
  fields: Readonly<Record<Field, string>>,
  secretKey: string,
): string {
  const params = queryPairs(request.query);
  const signedParams = listed(fields["q-url-param-list"]).map((name) => `${name}=${params.get(name) ?? ""}`);
  const signedHeaders = listed(fields["q-header-list"]).map(
    (name) => `${name}=${cosEncode(headerValue(request.headers, name))}`,
  );
  const httpString = [
    request.method.toLowerCase(),
    request.keyPath,
    signedParams.join("&"),
    signedHeaders.join("&"),
    "",
  ].join("\n");
  const signKey = createHmac("sha1", secretKey).update(fields["q-key-time"]).digest("hex");
  const stringToSign = ["sha1", fields["q-sign-time"], sha1Hex(httpString), ""].join("\n");
  return createHmac("sha1", signKey).update(stringToSign).digest("hex");
}

/** RFC 3986 encoding as COS signs it: `encodeURIComponent` plus `!'()*`. */
export function cosEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function parseAuthorization(text: string): Record<Field, string> {
  const pairs = new Map(
    text.split("&").map((pair) => {
      const at = pair.indexOf("=");
      return at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  const missing = FIELDS.filter((name) => !pairs.has(name));
  if (missing.length > 0) {
    throw new CosError("AccessDenied", `The Authorization header lacks ${missing.join(", ")}.`);
  }
  return Object.fromEntries(FIELDS.map((name) => [name, pairs.get(name) ?? ""])) as Record<Field, string>;
}

/** Query parameters as signed: name lower-cased and encoded, value decoded then re-encoded. */
function queryPairs(query: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    const name = decode(at < 0 ? pair : pair.slice(0, at));
    const value = at < 0 ? "" : decode(pair.slice(at + 1));
    pairs.set(cosEncode(name).toLowerCase(), cosEncode(value));
  }
  return pairs;
}

/** Percent-decoding; a malformed escape is kept as sent. */
export function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function listed(list: string): string[] {
  return list === "" ? [] : list.split(";").sort();
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(",") : value) ?? "";
}

function sha1Hex(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}
