/** The wording of two configuration errors from issue 6, item 7. */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/config";

function problemOf(env: Record<string, string>): string {
  try {
    loadConfig({ ZoneId: "zone-a", eoDomains: "www.example.com", ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration messages", () => {
  it("calls a negative count below the minimum, not 'not a whole number'", () => {
    expect(problemOf({ PURGE_MAX_ATTEMPTS: "-1" })).toContain('PURGE_MAX_ATTEMPTS="-1": below 1.');
    expect(problemOf({ PURGE_API_TIMEOUT_MS: "-5" })).toContain("below 100");
  });

  it("quotes a bad domain once when it is the whole value, and each bad one of a list", () => {
    const single = problemOf({ eoDomains: "ftp://x.com" });
    expect(single).toContain('eoDomains="ftp://x.com": "ftp:" is not http(s).');
    expect(single.split("ftp://x.com")).toHaveLength(2);
    expect(problemOf({ eoDomains: "a.com ftp://x.com" })).toContain('"ftp://x.com": "ftp:" is not http(s)');
  });
});
