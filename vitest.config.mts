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
  },
});
