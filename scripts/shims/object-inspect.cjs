// Stands in for `object-inspect` in dist/cos-sdk.js (see SHIMS in scripts/build.mjs).
//
// Its importers, side-channel and side-channel-{list,map,weakmap} (which qs, inside the COS SDK's HTTP
// client, uses to detect cycles), call `inspect(key)` for one thing: the message of the TypeError that
// `channel.assert(key)` throws for a key the channel lacks. qs never calls `assert` (lib/parse.js and
// lib/stringify.js use `get`, `set` and `has`). Node's own `util.inspect` formats that key as well; the
// real module costs 25 KiB of the bundle.
"use strict";

module.exports = require("node:util").inspect;
