/**
 * "No file in src/ over 350 lines" (common.md): past that, a file holds more than one concern and its
 * reader more than one thing at a time. Split it by concern into files named for each.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const MAX_LINES = 350;

/** Every file under `folder`, recursively. */
function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** Lines as `wc -l` counts them: a last line without its newline still counts. */
const lineCount = (text: string): number => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

describe("src/", () => {
  const sources = filesUnder(resolve(ROOT, "src")).filter((path) => path.endsWith(".ts"));

  it("is where this test looks (it finds the handler among many files)", () => {
    expect(sources).toContain(resolve(ROOT, "src/handler.ts"));
    expect(sources.length).toBeGreaterThan(50);
  });

  it(`holds no file over ${MAX_LINES} lines`, () => {
    const tooLong = sources.flatMap((path) => {
      const lines = lineCount(readFileSync(path, "utf8"));
      return lines > MAX_LINES ? [`${relative(ROOT, path)}: ${lines} lines`] : [];
    });
    expect(tooLong).toEqual([]);
  });
});
