/**
 * Every setting the code names (in a hint, an error, a help text or a comment) is a real one: an alarm
 * hint that sends the operator to PURGE_BACKLOG_ALARM_AGE_MS, which does not exist, is a dead end.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/config/settings";

const SRC = resolve(__dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("setting names in the source", () => {
  it("every PURGE_ name the code mentions is a setting, or a constant the code declares", () => {
    const texts = sourceFiles(SRC).map((file) => readFileSync(file, "utf8"));
    const all = texts.join("\n");
    const mentioned = new Set(all.match(/\bPURGE_[A-Z0-9_]+\b/g) ?? []);
    const settings = new Set(SETTINGS.map((setting) => setting.name));
    const declared = (name: string) => new RegExp(`\\b(?:const|let|function)\\s+${name}\\b`).test(all);

    const unknown = [...mentioned].filter((name) => !settings.has(name) && !declared(name));

    expect(mentioned.size).toBeGreaterThan(10);
    expect(unknown).toEqual([]);
  });
});
