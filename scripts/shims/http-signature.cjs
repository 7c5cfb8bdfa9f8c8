// Stands in for `http-signature` in dist/cos-sdk.js (see SHIMS in scripts/build.mjs).
//
// Its one importer, cos-request/request.js (the COS SDK's fork of `request`), calls `signRequest` in
// `Request.prototype.httpSignature` only, which `Request.prototype.init` calls only
// `if (options.httpSignature)`. cos-nodejs-sdk-v5 never passes it (sdk/base.js `_submitRequest` builds
// the options: method, url, headers, qs, body, strictSSL, proxy, tunnel, timeout, forever,
// followRedirect); COS requests carry the SDK's own `Authorization` header. The real module costs
// 300 KiB of the bundle with sshpk, tweetnacl, jsbn, asn1, bcrypt-pbkdf, ecc-jsbn, jsprim and their
// helpers, all evaluated when the SDK is first loaded.
"use strict";

module.exports = {
  signRequest() {
    throw new Error(
      "HTTP signatures are not used by cos-purge: http-signature is replaced by a stub in dist/cos-sdk.js (scripts/build.mjs)",
    );
  },
};
