// Vitest global setup: the black-box tests load dist/index.js and dist/cli.js, the files users deploy.
// @ts-expect-error: plain ESM build script without type declarations
import { buildAll } from "../../scripts/build.mjs";

export default async function setup(): Promise<void> {
  await buildAll();
}
