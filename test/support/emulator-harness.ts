/**
 * One emulator per test file: started before the file's tests, stopped after them, reset (config, calls,
 * quota and COS objects) before each test, with the process environment the built function reads at
 * load made valid and proxy-free.
 */
import { afterAll, beforeAll, beforeEach, vi } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator";

/** Starts the file's emulator; call at the top of a test file. The getter gives the running one. */
export function useEmulator(): () => Emulator {
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator?.stop());
  beforeEach(() => {
    // The SDK sends even loopback traffic through a lowercase http_proxy (tencent-cloud.md §6).
    vi.stubEnv("http_proxy", undefined);
    // dist/index.js reads process.env when it loads, as on SCF; a valid set keeps those loads quiet.
    vi.stubEnv("ZoneId", "zone-emulator");
    vi.stubEnv("eoDomains", "www.example.com");
    emulator?.reset({ config: true, cos: true });
  });
  return () => {
    if (emulator === undefined) throw new Error("the emulator starts in beforeAll");
    return emulator;
  };
}
