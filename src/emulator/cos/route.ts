/**
 * Which requests are COS's, and which bucket and key they name.
 *
 * COS is addressed by virtual host (`<bucket>.cos.<region>.myqcloud.com`, what the SDK sends by default
 * and with its `Ip` option pointing at the emulator) and, on a local endpoint, by path: with
 * `Domain: "http://127.0.0.1:PORT/{Bucket}"` cos-nodejs-sdk-v5 sends `/<bucket>/<key>`. With
 * `Domain: "127.0.0.1:PORT"` it sends `/<key>` and names no bucket at all (sdk/base.js `getUrl`), which
 * the emulator answers with NoSuchBucket saying how to name one.
 */

import type { IncomingHttpHeaders } from "node:http";
import { BUCKET_NAME } from "../config";
import { decode } from "./signature";

/** `<bucket>.cos.<region>.myqcloud.com` (also `.tencentcos.cn`, `cos-internal`, ...). */
const VIRTUAL_HOST = /^([a-z0-9-]+-\d+)\.cos(?:-internal)?\.([a-z0-9-]+)\.(?:myqcloud\.com|tencentcos\.cn)$/i;

/** Whether a request (not a control request) is for COS rather than the JSON APIs at `POST /`. */
export function isCosRequest(pathname: string, headers: IncomingHttpHeaders): boolean {
  const authorization = headers.authorization ?? "";
  if (authorization.includes("q-sign-algorithm=")) return true;
  if (VIRTUAL_HOST.test(hostname(headers.host ?? ""))) return true;
  const first = pathname.split("/")[1] ?? "";
  return BUCKET_NAME.test(first);
}

export interface CosTarget {
  /** The bucket named, or undefined when the request names none. */
  readonly bucket: string | undefined;
  /** The region the Host names (virtual-hosted style only). */
  readonly region: string | undefined;
  /** The decoded object key; "" for a bucket operation. */
  readonly key: string;
  /** `/` + key: what the SDK signs. */
  readonly keyPath: string;
  /** How the request named the bucket, for the `Resource` of an error. */
  readonly resource: string;
}

/** The bucket and key a COS request names: the Host first (virtual-hosted), else the first path segment. */
export function cosTarget(pathname: string, headers: IncomingHttpHeaders): CosTarget {
  const host = hostname(headers.host ?? "");
  const virtual = VIRTUAL_HOST.exec(host);
  if (virtual !== null) {
    const key = decode(pathname).slice(1);
    return {
      bucket: virtual[1]?.toLowerCase(),
      region: virtual[2],
      key,
      keyPath: `/${key}`,
      resource: `${host}/${key}`,
    };
  }
  const [, first = "", ...rest] = pathname.split("/");
  if (BUCKET_NAME.test(first)) {
    const key = decode(rest.join("/"));
    return { bucket: first, region: undefined, key, keyPath: `/${key}`, resource: `${first}/${key}` };
  }
  const key = decode(pathname).slice(1);
  return { bucket: undefined, region: undefined, key, keyPath: `/${key}`, resource: `${host}/${key}` };
}

function hostname(host: string): string {
  return host.replace(/:\d+$/, "").toLowerCase();
}
