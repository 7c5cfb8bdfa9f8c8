/**
 * Object key → the URLs under which a CDN or EdgeOne cache holds the object.
 *
 * A cache is keyed by the URL the client asked for, so purging works only if we name that exact URL.
 * Tencent's templates purge one strictly encoded spelling (`a%281%29.png`) while browsers request
 * `a(1).png`: the purge "succeeds" and the stale copy stays (prior-art complaint #1).
 *
 * Clients disagree on how to write a key into a URL path, so each way is a *spelling*, named after who
 * sends it. What each sends was recorded by `scripts/capture-spellings.ts` on a local server and is kept in
 * `test/fixtures/client-spellings.json` (Chromium 156, Firefox ESR 153, Node 20.20 fetch, Python 3.11 with
 * requests 2.34 / urllib3 2.7; captured 2026-11); `test/unit/urls.clients.test.ts` checks that every
 * recorded path naming the object is purged. Where the spellings differ (a raw `|` or not, and so on):
 *
 * | key holds                 | chromium | whatwg | webkit | requests | component | rfc3986 |
 * | ------------------------- | -------- | ------ | ------ | -------- | --------- | ------- |
 * | `\|`                      | `%7C`    | raw    | raw    | `%7C`    | `%7C`     | `%7C`   |
 * | `^`                       | `%5E`    | `%5E`  | raw    | `%5E`    | `%5E`     | `%5E`   |
 * | `[` `]`                   | raw      | raw    | raw    | `%5B`…   | `%5B`…    | `%5B`…  |
 * | `%` starting no escape    | raw      | raw    | raw    | `%25`    | `%25`     | `%25`   |
 * | `+` `,` `;` `=` `:` `@` `$` `&` | raw | raw  | raw    | raw      | `%2B`…    | `%2B`…  |
 * | `!` `'` `(` `)` `*`       | raw      | raw    | raw    | raw      | raw       | `%21`…  |
 *
 * Every spelling encodes what no client sends raw for that object: controls, space, DEL, non-ASCII (as
 * UTF-8), `"` `<` `>` `` ` `` `{` `}`; and what would make a raw link miss the object, so the page must
 * have escaped it: `?` (starts a query), `#` (a fragment, never sent), `\` (browsers turn it into `/`), a
 * `%` before two hex digits (`%41` would be read as `A`). A tab in a raw link is dropped by browsers; only
 * `%09` reaches the object. A key of letters, digits and `-._~/` is the same in every spelling: one URL.
 */
import type { Config, Site, Spelling } from "../foundation/model";

/** Code points every spelling encodes (see above); `u` flag, so a surrogate pair is one code point. */
const ALWAYS = String.raw`[^\x21-\x7e]|["#<>?\\\x60{}]|%(?=[0-9A-Fa-f]{2})`;

/**
 * What each spelling percent-encodes, one code point at a time; `/` always stays, as it separates
 * folders in keys and URLs alike.
 */
const ENCODED: Readonly<Record<Spelling, RegExp>> = {
  /**
   * Chromium (Chrome, Edge; most traffic) following a link to the raw key. Its canonicalizer
   * (url/url_canon_path.cc) escapes the URL Standard's path set and also `|` (whatwg/url#852: Chromium
   * sends `/foo%7Cbar`, Firefox `/foo|bar`); it sent `%5E` before the standard did (whatwg/url#607).
   * Measured: Chromium 156.
   */
  chromium: new RegExp(`${ALWAYS}|[|^]`, "gu"),
  /**
   * The URL Standard's path percent-encode set (https://url.spec.whatwg.org/#path-percent-encode-set: C0
   * controls, space, `"` `#` `<` `>` `?` `^` `` ` `` `{` `}`, above `~`), `^` included since whatwg/url#846
   * (2025). Firefox (measured: ESR 153).
   */
  whatwg: new RegExp(`${ALWAYS}|\\^`, "gu"),
  /**
   * The same set before `^` joined it: a raw `^` goes out. WebKit (Safari, bug 289083; per the reference
   * notes, not captured here) and Node 20's `fetch` / `new URL` (nodejs/node#57313; measured: Node 20.20).
   */
  webkit: new RegExp(ALWAYS, "gu"),
  /**
   * Python `requests.get(url)` with the raw key (measured: requests 2.34, urllib3 2.7). requests'
   * `requote_uri` keeps reserved characters, then urllib3's `_encode_invalid_chars` encodes everything
   * outside RFC 3986's path characters (`_PATH_CHARS`: unreserved, sub-delims `!$&'()*+,;=`, `:` `@` `/`),
   * `[` `]` and a `%` starting no escape included.
   */
  requests: /[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/gu,
  /**
   * Links built with `encodeURIComponent` on each segment (JavaScript front ends). ECMA-262 leaves
   * alone only letters, digits and `-_.!~*'()` (https://tc39.es/ecma262/#sec-encodeuricomponent-uricomponent),
   * so `!'()*` stay raw where RFC 3986 would encode them. Measured: identical in every client.
   */
  component: /[^A-Za-z0-9\-_.!~*'()/]/gu,
  /**
   * Strict RFC 3986: all but the unreserved characters `A-Z a-z 0-9 - . _ ~` (RFC 3986 §2.3). The COS SDK's
   * `getObjectUrl`, `cosObject.url` in COS events, Python's `urllib.parse.quote(key)` (measured) and
   * Tencent's purge templates.
   */
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
 * encodePath("img/a+b|c (1).png", "chromium")  // "img/a+b%7Cc%20(1).png"
 * encodePath("img/a+b|c (1).png", "whatwg")    // "img/a+b|c%20(1).png"
 * encodePath("img/a+b|c (1).png", "component") // "img/a%2Bb%7Cc%20(1).png"
 * encodePath("img/a+b|c (1).png", "rfc3986")   // "img/a%2Bb%7Cc%20%281%29.png"
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

/** One URL to purge and the spellings it is (several spellings often give the same URL). */
export interface CacheTarget {
  readonly url: string;
  readonly spellings: readonly Spelling[];
}

/**
 * Every URL under which `site` may cache the object `key` (already stripped of the key prefix): the
 * object's own URL and, for an index document, its folder's URL, each in every configured spelling,
 * each URL once with the spellings it is. Empty when `unreachableReason(key)` says so.
 *
 * @example
 * toCacheTargets("a|b.png", { origin: "https://www.example.com", basePath: "" }, config)
 * // [{ url: "https://www.example.com/a%7Cb.png", spellings: ["chromium", "requests", "component", "rfc3986"] },
 * //  { url: "https://www.example.com/a|b.png", spellings: ["whatwg", "webkit"] }]
 */
export function toCacheTargets(
  key: string,
  site: Pick<Site, "origin" | "basePath">,
  options: Pick<Config, "indexDocument" | "spellings">,
): CacheTarget[] {
  if (unreachableReason(key) !== undefined) return [];
  const folder = indexFolderOf(key, options.indexDocument);
  const paths = folder === undefined ? [key] : [key, folder];
  const targets = new Map<string, Spelling[]>();
  for (const path of paths) {
    for (const spelling of options.spellings) {
      const url = `${site.origin}${site.basePath}/${encodePath(path, spelling)}`;
      targets.set(url, [...(targets.get(url) ?? []), spelling]);
    }
  }
  return [...targets].map(([url, spellings]) => ({ url, spellings }));
}

/**
 * The URLs of `toCacheTargets`, without their spellings.
 *
 * @example
 * toCacheUrls("docs/index.html", { origin: "https://www.example.com", basePath: "/static" }, config)
 * // ["https://www.example.com/static/docs/index.html", "https://www.example.com/static/docs/"]
 */
export function toCacheUrls(
  key: string,
  site: Pick<Site, "origin" | "basePath">,
  options: Pick<Config, "indexDocument" | "spellings">,
): string[] {
  return toCacheTargets(key, site, options).map((target) => target.url);
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
