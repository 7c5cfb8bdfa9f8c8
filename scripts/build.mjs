// Bundles the deployable function (dist/index.js) and the CLI (dist/cli.js).
// dist/index.js must run on SCF with no node_modules beside it, so everything is bundled;
// the SDKs are reached through dynamic import() so that esbuild wraps them in lazy
// initialisers and an invocation only pays for the provider it calls. SDK dependencies that
// cos-purge never runs are replaced by stubs (SHIMS below).
import { chmodSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * Dependencies of the Tencent Cloud SDK that cos-purge never runs, replaced by stubs in scripts/shims/.
 * They were 466 KiB of dist/index.js (729 → 261 KiB without them, then; 363 KiB now, with the backlog
 * and the drain), mostly data tables (mime-db, tr46) that the first SDK load of every instance evaluated
 * for nothing: the first invocation of an instance went from ~85 to ~43 ms, its `require` from ~36 to
 * ~29 ms (medians of 31 processes, local emulator).
 * In dist/cos-sdk.js, the COS SDK's HTTP client (cos-request, a fork of `request`) brought cookies
 * (tough-cookie, psl), HTTP signatures (http-signature, sshpk, tweetnacl ...), AWS signing and mime-db
 * for options the SDK never passes, and qs brought object-inspect for an error message it never has
 * thrown: 982 → 326 KiB without them, its `require` ~120 → ~39 ms (medians of 15-25 processes), paid by
 * every instance on its first backlog access.
 * `importers` are the files whose use of the module was read to prove the stub enough (see each shim);
 * any other importer fails the build, since it may need the real module.
 */
export const SHIMS = {
  // With mime-types, mime-db, combined-stream, asynckit, get-intrinsic and 17 helpers: 174 KiB.
  "form-data": {
    shim: "form-data.cjs",
    importers: [
      "tencentcloud-sdk-nodejs-common/tencentcloud/common/http/http_connection.js",
      "tencentcloud-sdk-nodejs-common/es/common/http/http_connection.js",
      // cos-nodejs-sdk-v5's HTTP client builds a FormData only for `formData` requests (`Request.init`)
      // or a bare `.form()` call; the backlog only gets, puts, deletes and lists.
      "cos-request/request.js",
    ],
  },
  // With tr46 and webidl-conversions: 292 KiB.
  "whatwg-url": {
    shim: "whatwg-url.cjs",
    importers: ["node-fetch/lib/index.js", "node-fetch/lib/index.mjs", "node-fetch/lib/index.es.js"],
  },
  // The rest are in dist/cos-sdk.js only: parts of the COS SDK's HTTP client (cos-request, a fork of
  // `request`) for options the SDK never passes, and its file-name → Content-Type table.
  // With psl, url-parse, punycode and universalify: 228 KiB.
  "tough-cookie": { shim: "tough-cookie.cjs", importers: ["cos-request/lib/cookies.js"] },
  // With sshpk, tweetnacl, jsbn, asn1, bcrypt-pbkdf, ecc-jsbn, jsprim and 8 helpers: 300 KiB.
  "http-signature": { shim: "http-signature.cjs", importers: ["cos-request/request.js"] },
  // 12 KiB together.
  aws4: { shim: "aws-signing.cjs", importers: ["cos-request/request.js"] },
  "aws-sign2": { shim: "aws-signing.cjs", importers: ["cos-request/request.js"] },
  // 25 KiB, for an error message qs never has thrown.
  "object-inspect": {
    shim: "object-inspect.cjs",
    importers: [
      "side-channel/index.js",
      "side-channel-list/index.js",
      "side-channel-map/index.js",
      "side-channel-weakmap/index.js",
    ],
  },
  // With mime-db: 136 KiB.
  "mime-types": {
    shim: "mime-types.cjs",
    importers: ["cos-nodejs-sdk-v5/sdk/base.js", "cos-request/request.js"],
  },
};

/** Resolves each module of `SHIMS` to its stub, after checking who imports it. */
const shimUnusedModules = {
  name: "shim-unused-modules",
  setup(bundle) {
    const names = Object.keys(SHIMS).map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    bundle.onResolve({ filter: new RegExp(`^(?:${names.join("|")})$`) }, ({ path, importer }) => {
      const { shim, importers } = SHIMS[path];
      const from = importer.replaceAll("\\", "/");
      if (!importers.some((checked) => from.endsWith(`/node_modules/${checked}`))) {
        return {
          errors: [
            {
              text: `${path} is replaced by scripts/shims/${shim}, but ${importer} imports it too: read what it uses, then add it to SHIMS["${path}"].importers or drop the shim`,
            },
          ],
        };
      }
      return { path: fileURLToPath(new URL(`shims/${shim}`, import.meta.url)) };
    });
  },
};

const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node16",
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "linked",
  logLevel: "warning",
  // node-fetch (inside the SDK) tries `require("encoding")` in a try/catch; it is optional.
  external: ["encoding"],
  // The CLI gets the shims too: `cos-purge invoke` and `demo` then run the dependency graph users deploy.
  plugins: [shimUnusedModules],
};

/**
 * cos-nodejs-sdk-v5 goes in a file of its own, dist/cos-sdk.js, loaded by the first backlog access:
 * with its HTTP client (a fork of `request`) it is 326 KiB even without the parts SHIMS stubs (982 KiB
 * with them), about the size of the rest of the function, and most invocations never touch the
 * backlog. Bundled into index.js it would be parsed on every cold start, used or not.
 */
const cosSdkAside = {
  name: "cos-sdk-aside",
  setup(bundle) {
    bundle.onResolve({ filter: /^cos-nodejs-sdk-v5$/ }, () => ({ path: "./cos-sdk.js", external: true }));
  },
};

/** esbuild options of dist/index.js, the deployable function. */
export const FUNCTION_BUILD = {
  ...common,
  entryPoints: ["src/index.ts"],
  outfile: "dist/index.js",
  plugins: [...common.plugins, cosSdkAside],
};

/** dist/cos-sdk.js: cos-nodejs-sdk-v5 on its own (see `cosSdkAside`). */
export const COS_SDK_BUILD = {
  ...common,
  entryPoints: [createRequire(import.meta.url).resolve("cos-nodejs-sdk-v5")],
  outfile: "dist/cos-sdk.js",
};

/**
 * dist/cli.js, the command line with the emulator: what `npx cos-purge` downloads and parses on every
 * run. The emulator validates with zod/mini too (classic zod was 590 of its 1,010 KiB).
 */
export const CLI_BUILD = {
  ...common,
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/cli.js",
  banner: { js: "#!/usr/bin/env node" },
  plugins: [...common.plugins, cosSdkAside],
};

export async function buildAll() {
  await Promise.all([build(FUNCTION_BUILD), build(COS_SDK_BUILD), build(CLI_BUILD)]);
  // Executable, so that `./dist/cli.js` and an `npm link`ed `cos-purge` run it directly.
  chmodSync("dist/cli.js", 0o755);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildAll();
}
