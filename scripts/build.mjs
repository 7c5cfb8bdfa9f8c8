// Bundles the deployable function (dist/index.js) and the CLI (dist/cli.js).
// dist/index.js must run on SCF with no node_modules beside it, so everything is bundled;
// the SDKs are reached through dynamic import() so that esbuild wraps them in lazy
// initialisers and an invocation only pays for the provider it calls.
import { build } from "esbuild";

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
};

export async function buildAll() {
  await Promise.all([
    build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js" }),
    build({
      ...common,
      entryPoints: ["src/cli/main.ts"],
      outfile: "dist/cli.js",
      banner: { js: "#!/usr/bin/env node" },
    }),
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildAll();
}
