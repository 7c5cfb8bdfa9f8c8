import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DOC_FILES, renderEnvExample, withSettingsTable } from "../../scripts/settings-docs";
import { SETTINGS } from "../../src/config/config";

describe("settings documentation", () => {
  it("README.md's configuration table is generated from src/config/settings.ts (run `npm run docs`)", () => {
    const readme = readFileSync(DOC_FILES.README, "utf8");
    expect(readme).toBe(withSettingsTable(readme));
  });

  it(".env.example is generated from src/config/settings.ts (run `npm run docs`)", () => {
    expect(readFileSync(DOC_FILES.ENV_EXAMPLE, "utf8")).toBe(renderEnvExample());
  });

  it("documents every setting with a comment, and none under a name SCF reserves", () => {
    const example = readFileSync(DOC_FILES.ENV_EXAMPLE, "utf8");
    for (const setting of SETTINGS) {
      expect(example).toMatch(
        new RegExp(`# ${setting.description.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n`),
      );
      expect(example).toMatch(new RegExp(`^(# )?${setting.name}=`, "m"));
      expect(setting.name).not.toMatch(/^(SCF_|QCLOUD_|TENCENTCLOUD_)/);
    }
  });
});
