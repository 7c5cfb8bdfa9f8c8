/** The XML COS answers with: errors, the GET Bucket listing, versioning and DELETE Multiple Objects. */

import type { StoredObject } from "./objects";

const DECLARATION = "<?xml version='1.0' encoding='utf-8' ?>\n";

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[char]};`,
  );
}

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** The text of an XML element as sent: the five named entities and numeric references decoded. */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name.startsWith("#x") || name.startsWith("#X"))
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name] ?? whole;
  });
}

const element = (name: string, value: string | number | boolean): string =>
  value === "" ? `<${name}/>` : `<${name}>${escapeXml(String(value))}</${name}>`;

/** The error body of every COS error (product/436/7730). */
export function errorXml(error: {
  code: string;
  message: string;
  resource: string;
  requestId: string;
  traceId: string;
}): string {
  return `${DECLARATION}<Error>${[
    element("Code", error.code),
    element("Message", error.message),
    element("Resource", error.resource),
    element("RequestId", error.requestId),
    element("TraceId", error.traceId),
  ].join("")}</Error>`;
}

export interface ListingPage {
  readonly bucket: string;
  readonly appId: string;
  readonly prefix: string;
  readonly marker: string;
  readonly maxKeys: number;
  /** `url`: keys, prefix and markers percent-encoded, as `encoding-type=url` asks. */
  readonly encodingType: string | undefined;
  readonly objects: readonly StoredObject[];
  readonly isTruncated: boolean;
}

/** The GET Bucket (List Objects) body; `NextMarker` only when truncated: the last key listed. */
export function listBucketXml(page: ListingPage): string {
  const encode = page.encodingType === "url" ? encodeURIComponent : (text: string) => text;
  const last = page.objects.at(-1);
  const contents = page.objects.map(
    (object) =>
      `<Contents>${[
        element("Key", encode(object.key)),
        element("LastModified", new Date(object.lastModified).toISOString()),
        element("ETag", object.etag),
        element("Size", object.body.length),
        `<Owner>${element("ID", page.appId)}${element("DisplayName", page.appId)}</Owner>`,
        element("StorageClass", "STANDARD"),
      ].join("")}</Contents>`,
  );
  return `${DECLARATION}<ListBucketResult>${[
    element("Name", page.bucket),
    ...(page.encodingType === undefined ? [] : [element("EncodingType", page.encodingType)]),
    element("Prefix", encode(page.prefix)),
    element("Marker", encode(page.marker)),
    element("MaxKeys", page.maxKeys),
    element("IsTruncated", page.isTruncated),
    ...(page.isTruncated && last !== undefined ? [element("NextMarker", encode(last.key))] : []),
    ...contents,
  ].join("")}</ListBucketResult>`;
}

/**
 * The GET Bucket versioning body (GetBucketVersioning, product/436/19889): `Status` Enabled or
 * Suspended, and an empty `<VersioningConfiguration/>` for a bucket that never had versioning.
 */
export function versioningXml(status: string | undefined): string {
  return status === undefined
    ? `${DECLARATION}<VersioningConfiguration/>`
    : `${DECLARATION}<VersioningConfiguration>${element("Status", status)}</VersioningConfiguration>`;
}

/** One key of a DELETE Multiple Objects request: deleted, or refused with a code. */
export type KeyOutcome = { readonly key: string } & (
  | { readonly deleted: true }
  | { readonly deleted: false; readonly code: string; readonly message: string }
);

/**
 * The DELETE Multiple Objects answer (436/8289): a `<Deleted>` per key deleted, an `<Error>` per key
 * refused, in the order the request named them.
 */
export function deleteResultXml(outcomes: readonly KeyOutcome[]): string {
  const results = outcomes.map((outcome) =>
    outcome.deleted
      ? `<Deleted>${element("Key", outcome.key)}</Deleted>`
      : `<Error>${element("Key", outcome.key)}${element("Code", outcome.code)}${element("Message", outcome.message)}</Error>`,
  );
  return `${DECLARATION}<DeleteResult>${results.join("")}</DeleteResult>`;
}
