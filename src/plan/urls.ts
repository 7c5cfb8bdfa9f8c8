/**
 * Object key → the URLs under which a CDN or EdgeOne cache holds the object.
 *
 * A cache is keyed by the URL the client asked for, so purging works only if we name that exact URL.
 * Tencent's templates purge one strictly encoded spelling (`a%281%29.png`) while browsers request
 * `a(1).png`: the purge "succeeds" and the stale copy stays (prior-art complaint #1).
 */
import type { Config, Site, Spelling } from "../model";

/**
 * Characters each spelling percent-encodes, matched one code point at a time (`u` flag).
 *
 * `browser` is what a browser sends for a link to the key: the WHATWG URL Standard's path
 * percent-encode set (C0 controls, space, `"` `#` `<` `>` `?` `^` `` ` `` `{` `}`, DEL and everything
 * above ASCII), plus two characters the parser would otherwise misread in a raw key:
 * - `%`: a key like `100%.png` must not be taken for an escape;
 * - `\`: for http(s) URLs the parser turns `\` into `/`, which would name another object.
 *
 * `^` joined the path set in 2025 (whatwg/url#846): Chrome and Firefox already sent `%5E`
 * (whatwg/url#607), WebKit and Node 20's `new URL` keep a raw `^` until they catch up (WebKit bug 289083,
 * nodejs/node#57313). We follow the standard and the majority; a cache filled by such a client holds a
 * raw `^`, which neither spelling names.
 *
 * `rfc3986` encodes everything but RFC 3986's unreserved characters and `/`: the spelling of
 * Tencent's templates and of links built with `encodeURIComponent` per segment.
 */
const ENCODED: Readonly<Record<Spelling, RegExp>> = {
  browser: /[^\x21-\x7e]|["#%<>?\\^`{}]/gu,
  rfc3986: /[^A-Za-z0-9\-._~/]/gu,
};

/** `%00` to `%7F`, uppercase as browsers write them. */
const ASCII_ESCAPES = Array.from(
  { length: 0x80 },
  (_, code) => `%${code.toString(16).toUpperCase().padStart(2, "0")}`,
);

/**
 * `(` → `%28`, `é` → `%C3%A9`. Above ASCII, `encodeURIComponent` gives the UTF-8 bytes in uppercase hex
 * (and throws on a lone surrogate, which `unreachableReason` screens out).
 */
const escapeChar = (char: string): string => ASCII_ESCAPES[char.charCodeAt(0)] ?? encodeURIComponent(char);

/**
 * Percent-encodes an object key (or any `/`-separated path) for a URL path in the given spelling.
 * `/` is kept: it separates folders in keys and in URLs alike.
 *
 * @throws URIError for a key holding a lone surrogate (see `unreachableReason`).
 *
 * @example
 * encodePath("img/a+b (1).png", "browser") // "img/a+b%20(1).png"
 * encodePath("img/a+b (1).png", "rfc3986") // "img/a%2Bb%20%281%29.png"
 */
export function encodePath(path: string, spelling: Spelling): string {
  return path.replace(ENCODED[spelling], escapeChar);
}

/** A lone UTF-16 surrogate: with the `u` flag, surrogate pairs are single code points and do not match. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Why no URL can name `key`, or `undefined` when one can.
 *
 * - A `.` or `..` segment: browsers resolve dot segments before sending (`a/../b.png` is requested as
 *   `/b.png`; escaping the dots does not help, `%2E%2E` is resolved too), so no cache holds the object
 *   under its own name, and a purge of the raw spelling could resolve to a URL outside the base path.
 * - A lone surrogate: COS keys are UTF-8, which cannot encode one, so such a key names no object.
 */
export function unreachableReason(key: string): string | undefined {
  if (LONE_SURROGATE.test(key)) return "key is not well-formed Unicode (lone surrogate); COS keys are UTF-8";
  if (key.split("/").some((segment) => segment === "." || segment === "..")) {
    return 'key has a "." or ".." segment, which browsers resolve away before requesting, so no cached URL names it';
  }
  return undefined;
}

/**
 * The folder a key is the index document of (`docs/index.html` → `docs/`, `index.html` → ``), or
 * `undefined`. Static-website origins (COS, nginx) serve `docs/index.html` for a request to `docs/`, so
 * that URL caches the same bytes and goes stale with it (prior-art complaint #2).
 *
 * `docs` without the slash is not purged: those origins answer it with a redirect to `docs/`, which
 * stays the same whatever `index.html` holds, and every extra URL spends daily purge quota.
 */
function indexFolderOf(key: string, indexDocument: string): string | undefined {
  if (indexDocument === "") return undefined;
  if (key !== indexDocument && !key.endsWith(`/${indexDocument}`)) return undefined;
  return key.slice(0, key.length - indexDocument.length);
}

/**
 * Every URL under which `site` may cache the object `key` (already stripped of the key prefix): the
 * object's own URL and, for an index document, its folder's URL, each in every configured spelling,
 * without duplicates (most keys spell the same both ways). Empty when `unreachableReason(key)` says so.
 *
 * @example
 * toCacheUrls("docs/index.html", { origin: "https://www.example.com", basePath: "/static", ... }, config)
 * // ["https://www.example.com/static/docs/index.html", "https://www.example.com/static/docs/"]
 */
export function toCacheUrls(
  key: string,
  site: Pick<Site, "origin" | "basePath">,
  options: Pick<Config, "indexDocument" | "spellings">,
): string[] {
  if (unreachableReason(key) !== undefined) return [];
  const folder = indexFolderOf(key, options.indexDocument);
  const paths = folder === undefined ? [key] : [key, folder];
  const urls = new Set<string>();
  for (const path of paths) {
    for (const spelling of options.spellings) {
      urls.add(`${site.origin}${site.basePath}/${encodePath(path, spelling)}`);
    }
  }
  return [...urls];
}

/**
 * A URL path as the origin reads it: `%` and two hex digits become that byte, any other `%` stays as it
 * is (the URL Standard's percent-decode), and the bytes are read as UTF-8.
 *
 * @example decodePath("/a%20b/100%.png") // "/a b/100%.png"
 */
export function decodePath(path: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let index = 0; index < path.length; ) {
    const hex = path.slice(index + 1, index + 3);
    if (path[index] === "%" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      index += 3;
    } else {
      const char = String.fromCodePoint(path.codePointAt(index) ?? 0);
      bytes.push(...encoder.encode(char));
      index += char.length;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
