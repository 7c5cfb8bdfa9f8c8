import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDotenv, parseDotenv } from "../../src/cli/dotenv";

describe("parseDotenv", () => {
  it("reads NAME=value lines, quotes, export prefixes and comments", () => {
    const text = [
      "# EdgeOne",
      "ZoneId=zone-abc",
      'eoDomains="www.example.com, m.example.com"',
      "export eoDomains_1='https://cdn.example.com/static'",
      "PURGE_INDEX_DOCUMENT=",
      "CDN_AREA=mainland # only China",
      "not a setting",
    ].join("\n");

    expect(parseDotenv(text)).toEqual({
      ZoneId: "zone-abc",
      eoDomains: "www.example.com, m.example.com",
      eoDomains_1: "https://cdn.example.com/static",
      PURGE_INDEX_DOCUMENT: "",
      CDN_AREA: "mainland",
    });
  });
});

describe("loadDotenv", () => {
  it("fills in unset variables and leaves the ones already set alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "cos-purge-dotenv-"));
    writeFileSync(join(dir, ".env"), "ZoneId=zone-from-file\neoDomains=www.example.com\n");
    const env: NodeJS.ProcessEnv = { ZoneId: "zone-from-shell" };

    expect(loadDotenv(dir, env)).toEqual(["eoDomains"]);
    expect(env).toEqual({ ZoneId: "zone-from-shell", eoDomains: "www.example.com" });
  });

  it("does nothing without a .env file", () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadDotenv(mkdtempSync(join(tmpdir(), "cos-purge-none-")), env)).toEqual([]);
    expect(env).toEqual({});
  });
});
