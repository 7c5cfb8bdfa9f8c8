import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { POLICY_DIR, policyJson, README, withCamSections } from "../../scripts/cam-docs";
import { POLICIES } from "../../src/foundation/permissions";

describe("CAM policy documentation", () => {
  it("README.md's policies are generated from src/foundation/permissions.ts (run `npm run docs`)", () => {
    const readme = readFileSync(README, "utf8");
    expect(readme).toBe(withCamSections(readme));
  });

  it.each(Object.keys(POLICIES) as (keyof typeof POLICIES)[])(
    "docs/cam/%s is generated from src/foundation/permissions.ts (run `npm run docs`)",
    (file) => {
      expect(readFileSync(resolve(POLICY_DIR, file), "utf8")).toBe(policyJson(POLICIES[file]()));
    },
  );

  it("scopes the backlog's objects to its prefix and its listing to the prefix condition", () => {
    const [objects, listing] = POLICIES["backlog.json"]().statement;
    expect(objects?.resource).toEqual(["qcs::cos:<region>:uid/<appid>:<bucket>/<prefix>*"]);
    expect(objects?.action).toEqual(["cos:PutObject", "cos:GetObject", "cos:DeleteObject"]);
    expect(listing).toMatchObject({
      action: ["cos:GetBucket"],
      condition: { string_like: { "cos:prefix": "<prefix>*" } },
    });
  });
});
