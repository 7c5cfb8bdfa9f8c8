// Stands in for `aws4` and `aws-sign2` in dist/cos-sdk.js (see SHIMS in scripts/build.mjs).
//
// Their one importer, cos-request/request.js (the COS SDK's fork of `request`), calls them in
// `Request.prototype.aws` only (`aws4.sign`; `aws2.canonicalizeHeaders`, `canonicalizeResource`,
// `authorization`), with `now` set, which happens only from `Request.prototype.start`
// `if (self._aws)`; `_aws` is set only by `aws(opts)` without `now`, which `Request.prototype.init`
// calls only `if (options.aws)`. cos-nodejs-sdk-v5 never passes it (sdk/base.js `_submitRequest` builds
// the options: method, url, headers, qs, body, strictSSL, proxy, tunnel, timeout, forever,
// followRedirect); COS requests carry the SDK's own `Authorization` header. The real modules cost
// 12 KiB of the bundle.
"use strict";

const unused = () => {
  throw new Error(
    "AWS request signing is not used by cos-purge: aws4 and aws-sign2 are replaced by a stub in dist/cos-sdk.js (scripts/build.mjs)",
  );
};

module.exports = {
  sign: unused,
  canonicalizeHeaders: unused,
  canonicalizeResource: unused,
  authorization: unused,
};
