// Stands in for `whatwg-url` in the bundles (see SHIMS in scripts/build.mjs).
//
// Its one importer, node-fetch 2 (lib/index.js), reads nothing but `URL`, and only as a fallback:
// `const URL = Url.URL || whatwgUrl.URL`, where `Url` is Node's own `url` module, whose `URL` is the same
// WHATWG URL and has existed since Node 10. The real module costs 292 KiB of the bundle (260 KiB of them
// the tr46 IDNA mapping table) and is evaluated on the first SDK load for a value that is never read.
"use strict";

module.exports = { URL, URLSearchParams };
