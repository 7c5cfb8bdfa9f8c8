import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ once so that the black-box tests drive the bundle users deploy.
    globalSetup: ["test/support/build-once.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // The emulator binds loopback ports; keep the 2-core CI machine responsive.
    maxWorkers: 2,
    unstubEnvs: true,
    // The JSON results let .ci/run print one plain "N passed, N failed" line for CI to read.
    reporters: ["default", ["json", { outputFile: ".test-results.json" }]],
  },
});
