import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    env: { TZ: "UTC" },
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "test/unit/**/*.test.ts"],
          env: { TZ: "UTC" },
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/harness/global-setup.ts"],
          env: { TZ: "UTC" },
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Each e2e test starts real `claude` processes; two cores, so keep them few at once.
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
