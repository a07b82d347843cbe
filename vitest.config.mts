import { defineConfig } from "vitest/config";
import { E2E, UNIT } from "./test/support/lanes.mjs";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/support/globalSetup.ts"],
    reporters: ["default"],
    // Two lanes (see test/support/lanes.ts): `vitest run` runs both, `--project unit` or `--project e2e` one.
    projects: [
      { extends: true, test: { name: "unit", include: [...UNIT] } },
      { extends: true, test: { name: "e2e", include: [...E2E] } },
    ],
  },
});
