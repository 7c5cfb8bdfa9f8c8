/**
 * Host names and http(s) URLs as settings write them (`eoDomains`, `cdnHosts`, the endpoints): what each
 * token means, or what is wrong with it and what to write instead. settings' schemas (schemas.ts) use these.
 */

/** Dot-separated labels of letters, digits and inner hyphens (after `new URL` lowercased it). */
const HOST = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** `https:/x.com`, `https:x.com`, `https:\\x.com`: a scheme without its `//` (`x.com:8080` is a port). */
const SCHEME_WITHOUT_SLASHES = /^([A-Za-z][A-Za-z0-9+-]*):(?!\/\/|\d)/;
/** `http//x.com`: a scheme without its colon, which `new URL` would read as the host "http". */
const SCHEME_WITHOUT_COLON = /^(https?)\/\//i;
const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;
/** A `%` that starts no escape (`%zz`, a trailing `%`): no cache holds such a path under one spelling. */
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** The one single-label host accepted in a domain list, for tests against a local emulator (with a warning). */
export const LOCAL_HOST = "localhost";

/**
 * A host name or http(s) URL (`www.example.com`, `http://127.0.0.1:8080/static`), or what is wrong with it.
 * `new URL` alone accepts too much: `https:/x.com` and `http//x.com` both parse, as hosts "x.com" and
 * "http", and `123` becomes the address 0.0.0.123; each is refused here with what to write instead.
 */
export function parseLocation(token: string): URL | string {
  const scheme = SCHEME.exec(token)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "http" && scheme !== "https") return `"${scheme}:" is not http(s)`;
  if (scheme === undefined) {
    const slashless = SCHEME_WITHOUT_SLASHES.exec(token)?.[1]?.toLowerCase();
    if (slashless === "http" || slashless === "https") return `write "${slashless}://" before the host`;
    if (slashless !== undefined) return `"${slashless}:" is not http(s)`;
    const colonless = SCHEME_WITHOUT_COLON.exec(token)?.[1]?.toLowerCase();
    if (colonless !== undefined) return `the scheme has no colon: write "${colonless}://" before the host`;
  }
  if (/[?#]/.test(token)) return "a query (?) or fragment (#) cannot be part of it";
  let url: URL;
  try {
    // `new URL` also turns a Unicode (IDN) host into punycode, the form caches and APIs use.
    url = new URL(scheme === undefined ? `https://${token}` : token);
  } catch {
    return "not a host name or URL";
  }
  if (url.username !== "" || url.password !== "") return "credentials (user:password@) do not belong in it";
  if (!HOST.test(url.hostname)) {
    return `"${url.hostname}" is not a host name (letters, digits, hyphens, dots)`;
  }
  const typed = (scheme === undefined ? token : token.slice(scheme.length + 3)).split(/[/:]/)[0] ?? "";
  if (IPV4.test(url.hostname) && typed.toLowerCase() !== url.hostname) {
    return `"${typed}" reads as the IP address ${url.hostname}: write a host name or all four numbers`;
  }
  return url;
}

/**
 * A domain to purge: a location whose host has a dot (or is `localhost`), and whose base path is a path
 * a URL can have. Returns the problem instead when it is not one.
 */
export function parseSite(token: string): { origin: string; basePath: string } | string {
  const url = parseLocation(token);
  if (typeof url === "string") return url;
  if (!url.hostname.includes(".") && url.hostname !== LOCAL_HOST) {
    return `"${url.hostname}" is a single label, not a domain name like www.example.com (only "${LOCAL_HOST}" is accepted, for local tests)`;
  }
  const basePath = url.pathname.replace(/\/+$/, "");
  const badEscape = BAD_ESCAPE.exec(basePath);
  if (badEscape !== null) {
    const found = basePath.slice(badEscape.index, badEscape.index + 3);
    return `the base path ${basePath} holds "${found}", which is no escape: a "%" is followed by two hex digits (write %25 for "%" itself)`;
  }
  if (basePath.includes("//")) return `the base path ${basePath} has an empty segment (//)`;
  return { origin: url.origin, basePath };
}
