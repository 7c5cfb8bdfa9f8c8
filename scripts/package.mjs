// Zips dist/index.js and dist/cos-sdk.js into dist/cos-purge.zip, the file to upload in the SCF console
// ("Local upload zip"): index.js at the root of the archive, no node_modules needed.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { zipSync } from "fflate";

// cos-sdk.js beside it: the COS SDK, loaded only when the backlog is used (scripts/build.mjs).
const files = { "index.js": readFileSync("dist/index.js"), "cos-sdk.js": readFileSync("dist/cos-sdk.js") };
for (const extra of ["dist/index.js.LEGAL.txt"]) {
  try {
    files["LEGAL.txt"] = readFileSync(extra);
  } catch {
    // esbuild writes the legal comments file only when a bundled package has any.
  }
}
writeFileSync("dist/cos-purge.zip", zipSync(files, { level: 9, mtime: new Date("2026-01-01T00:00:00Z") }));
const kib = (path) => `${(statSync(path).size / 1024).toFixed(0)} KiB`;
console.log(`dist/cos-purge.zip (${kib("dist/cos-purge.zip")}; index.js ${kib("dist/index.js")})`);
