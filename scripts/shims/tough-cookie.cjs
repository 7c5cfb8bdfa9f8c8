// Stands in for `tough-cookie` in dist/cos-sdk.js (see SHIMS in scripts/build.mjs).
//
// Its one importer, cos-request/lib/cookies.js (the COS SDK's fork of `request`), wraps `CookieJar` in
// `RequestJar` and `Cookie.parse` in `exports.parse`. cos-request/request.js builds one jar when it is
// loaded (`var globalCookieJar = cookies.jar()`), so constructing one must work; its cookies are only
// read or written when a request has a jar:
// - `Request.prototype.init` always calls `self.jar(self._jar || options.jar)`, and
//   `Request.prototype.jar` with no jar sets `_disableCookies` and reads nothing;
// - `Request.prototype.onRequestResponse` stores `set-cookie` headers only `if (!self._disableCookies)`.
// cos-nodejs-sdk-v5 never passes `jar` (sdk/base.js `_submitRequest` builds the options: method, url,
// headers, qs, body, strictSSL, proxy, tunnel, timeout, forever, followRedirect), nor does it call
// `request.jar()` or `request.cookie()`. The real module costs 228 KiB of the bundle, 157 KiB of them
// psl's public suffix list, all evaluated when the SDK is first loaded.
"use strict";

const unused = () => {
  throw new Error(
    "cookies are not used by cos-purge: tough-cookie is replaced by a stub in dist/cos-sdk.js (scripts/build.mjs)",
  );
};

class CookieJar {
  setCookieSync = unused;
  getCookieStringSync = unused;
  getCookiesSync = unused;
}

module.exports = { CookieJar, Cookie: { parse: unused } };
