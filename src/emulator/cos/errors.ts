/**
 * COS errors. Unlike the JSON APIs (HTTP 200 and an `Error` object), COS answers an error with its HTTP
 * status and an XML body (https://cloud.tencent.com/document/product/436/7730):
 *
 *     <?xml version='1.0' encoding='utf-8' ?>
 *     <Error><Code/><Message/><Resource/><RequestId/><TraceId/></Error>
 */

import { lookup } from "../api-error";

/** HTTP status per COS error code (error code list, product/436/7730). */
const COS_ERROR_STATUS: Readonly<Record<string, number>> = {
  AccessDenied: 403,
  EntityTooLarge: 400,
  // The status and code COS gives a PUT refused by `x-cos-forbid-overwrite: true` are UNCONFIRMED: no
  // Tencent page found states them. 409 FileAlreadyExists is what Alibaba OSS documents for its
  // `x-oss-forbid-overwrite` and what a third-party note quotes from the COS docs; callers should treat
  // any 409 on a create-only PUT as "the key exists" (providers/cos.ts does).
  FileAlreadyExists: 409,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidURI: 400,
  InternalError: 500,
  MalformedXML: 400,
  MethodNotAllowed: 405,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NotImplemented: 501,
  RequestTimeTooSkewed: 403,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  SlowDown: 503,
};

/** The status of `code`; an unknown code answers 400, as a client error. */
export function cosErrorStatus(code: string): number {
  return lookup(COS_ERROR_STATUS, code) ?? 400;
}

/** A COS error: its code (e.g. `NoSuchKey`), HTTP status and message. */
export class CosError extends Error {
  override readonly name = "CosError";
  readonly status: number;

  constructor(
    readonly code: string,
    message: string,
    status = cosErrorStatus(code),
  ) {
    super(message);
    this.status = status;
  }
}
