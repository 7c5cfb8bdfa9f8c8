// Stands in for `mime-types` in dist/cos-sdk.js (see SHIMS in scripts/build.mjs).
//
// Both importers call `lookup(path)` to guess a Content-Type, and only for a file read stream (a body
// with `pipe`, `readable`, `path` and `mode`, as `fs.createReadStream` gives):
// - cos-nodejs-sdk-v5/sdk/base.js `submitRequest` (`isReadStream ? mime.lookup(body.path) : ...`,
//   and only with no Content-Type header) and `_submitRequest` (`readStream.path && readStream.mode &&
//   !mime.lookup(readStream.path)`, and only with no Content-Type header);
// - cos-request/request.js, the `pipe` listener of `Request.prototype.init`, only
//   `if (isReadStream(src))` (lib/helpers.js: `rs.readable && rs.path && rs.mode`).
// cos-purge's backlog (src/providers/cos.ts) puts a Buffer or a `Readable.from` (neither has a path or
// a mode), with `ContentType` set besides; its gets, deletes and listings send no file. The real
// module costs 136 KiB of the bundle, 134 KiB of them the mime-db JSON, evaluated when the SDK is
// first loaded.
"use strict";

module.exports = {
  lookup() {
    throw new Error(
      "content types by file name are not used by cos-purge: mime-types is replaced by a stub in dist/cos-sdk.js (scripts/build.mjs)",
    );
  },
};
