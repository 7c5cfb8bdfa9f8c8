import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readFigures, withFigures } from "../../bench/figures";

const read = (name: string) => readFileSync(resolve(__dirname, "../..", name), "utf8");

describe("the README's sizes and load times", () => {
  it("are the ones the last `npm run bench` measured and wrote into BENCHMARKS.md", () => {
    const figures = readFigures(read("BENCHMARKS.md"));
    const readme = read("README.md");

    expect(figures, "BENCHMARKS.md has no <!-- figures: … --> comment: run npm run bench").toBeDefined();
    if (figures === undefined) return;
    expect(withFigures(readme, figures), "README.md differs from BENCHMARKS.md: run npm run bench").toBe(
      readme,
    );
    expect(read("BENCHMARKS.md")).toContain(`dist/cos-purge.zip ${figures.zipKiB} KiB`);
  });
});
