/**
 * Bundles bench/worker.ts into one CommonJS file under node_modules/.cache, once per `npm run bench`:
 * a burst starts twenty workers per run, and compiling TypeScript in each (tsx, ~0.45 s of CPU) would
 * take that CPU from the runs going on beside it. The SDKs stay external (resolved from node_modules);
 * the function itself is the built dist/index.js, loaded by path (`WorkOrder.dist`).
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { build } from "esbuild";

const ROOT = resolve(__dirname, "..");

/** Builds the worker; returns the path of the bundle. */
export async function bundleWorker(): Promise<string> {
  const outdir = resolve(ROOT, "node_modules/.cache/cos-purge-bench");
  mkdirSync(outdir, { recursive: true });
  const outfile = resolve(outdir, "worker.js");
  await build({
    entryPoints: [resolve(ROOT, "bench/worker.ts")],
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    outfile,
    packages: "external",
    logLevel: "warning",
  });
  return outfile;
}
