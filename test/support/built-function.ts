/**
 * Loads the bundle users deploy (dist/index.js, built by vitest's globalSetup) the way SCF does: a fresh
 * module instance per "cold start", reading process.env at load time.
 */
import { createRequire } from "node:module";
import { resolve } from "node:path";
import type * as FunctionModule from "../../src";

const DIST_INDEX = resolve(__dirname, "../../dist/index.js");
// From __dirname rather than import.meta: this runs under vitest and under tsx (bench/, CommonJS).
const requireFromHere = createRequire(DIST_INDEX);

/** A cold start: the module is evaluated again, so module-level state (config, caches) is new. */
export function coldStart(): typeof FunctionModule {
  delete requireFromHere.cache[DIST_INDEX];
  return requireFromHere(DIST_INDEX) as typeof FunctionModule;
}

/** The emulator's documented default credential. */
export const EMULATOR_CREDENTIALS = {
  TENCENTCLOUD_SECRETID: "AKIDEMULATOR00000000000000000000000",
  TENCENTCLOUD_SECRETKEY: "emulator-secret-key",
} as const;
