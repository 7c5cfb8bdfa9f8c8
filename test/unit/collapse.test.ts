import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { collapseTargets, foldersOf } from "../../src/plan/collapse";

const H = "https://www.example.com";
const files = (folder: string, n: number) => Array.from({ length: n }, (_, i) => `${H}/${folder}f${i}.js`);
const roomy = { maxPrefixes: 100, urlRoom: 100_000 };
const prefixesOf = (result: ReturnType<typeof collapseTargets>) => result.prefixes.map((p) => p.prefix);

describe("foldersOf", () => {
  it("lists a URL's folders from the root down, without the URL itself", () => {
    expect(foldersOf(`${H}/a/b/c.png`)).toEqual([`${H}/`, `${H}/a/`, `${H}/a/b/`]);
    expect(foldersOf(`${H}/a/`)).toEqual([`${H}/`]);
  });
});

describe("collapseTargets", () => {
  it("is off with a threshold of 0, and leaves folders below the threshold as URLs", () => {
    expect(collapseTargets(files("a/", 50), { minFiles: 0, allowRoot: false }, roomy).prefixes).toEqual([]);
    const result = collapseTargets(files("a/", 9), { minFiles: 10, allowRoot: false }, roomy);
    expect(result.prefixes).toEqual([]);
    expect(result.rest).toHaveLength(9);
  });

  it("chooses the deepest folders that reach the threshold, not their parent", () => {
    const targets = [...files("assets/js/", 30), ...files("assets/css/", 20), ...files("assets/", 3)];
    const result = collapseTargets(targets, { minFiles: 10, allowRoot: false }, roomy);
    expect(prefixesOf(result)).toEqual([`${H}/assets/css/`, `${H}/assets/js/`]);
    expect(result.rest).toEqual(files("assets/", 3));
  });

  it("takes a parent when only together its subfolders reach the threshold", () => {
    const targets = [...files("assets/js/", 6), ...files("assets/css/", 6)];
    const result = collapseTargets(targets, { minFiles: 10, allowRoot: false }, roomy);
    expect(prefixesOf(result)).toEqual([`${H}/assets/`]);
    expect(result.rest).toEqual([]);
  });

  it("never collapses a domain's root unless allowed", () => {
    const targets = files("", 40);
    expect(collapseTargets(targets, { minFiles: 10, allowRoot: false }, roomy).prefixes).toEqual([]);
    expect(prefixesOf(collapseTargets(targets, { minFiles: 10, allowRoot: true }, roomy))).toEqual([`${H}/`]);
  });

  it("merges folders upwards to fit the folder quota", () => {
    const targets = ["a", "b", "c"].flatMap((name) => files(`assets/${name}/`, 20));
    const result = collapseTargets(
      targets,
      { minFiles: 10, allowRoot: false },
      { maxPrefixes: 1, urlRoom: 100_000 },
    );
    expect(prefixesOf(result)).toEqual([`${H}/assets/`]);
  });

  it("collapses smaller folders too when today's URL quota cannot take what is left", () => {
    const targets = [...files("a/", 5), ...files("b/", 5), ...files("c/", 2)];
    const loose = collapseTargets(
      targets,
      { minFiles: 10, allowRoot: false },
      { maxPrefixes: 10, urlRoom: 100 },
    );
    expect(loose.prefixes).toEqual([]);
    const tight = collapseTargets(
      targets,
      { minFiles: 10, allowRoot: false },
      { maxPrefixes: 10, urlRoom: 3 },
    );
    expect(prefixesOf(tight)).toEqual([`${H}/a/`, `${H}/b/`]);
    expect(tight.rest).toHaveLength(2);
  });

  it("accounts for every target exactly once, in a folder or as a URL (property)", () => {
    const segment = fc.constantFrom("a", "b", "c", "d");
    const url = fc
      .array(segment, { minLength: 0, maxLength: 3 })
      .chain((dirs) => fc.nat(30).map((n) => `${H}/${dirs.map((d) => `${d}/`).join("")}f${n}.png`));
    fc.assert(
      fc.property(
        fc.uniqueArray(url, { maxLength: 200 }),
        fc.integer({ min: 1, max: 20 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 300 }),
        (targets, minFiles, allowRoot, maxPrefixes, urlRoom) => {
          const result = collapseTargets(targets, { minFiles, allowRoot }, { maxPrefixes, urlRoom });
          const covered = result.prefixes.flatMap((p) => p.targets);
          expect([...covered, ...result.rest].sort()).toEqual([...targets].sort());
          expect(result.prefixes.length).toBeLessThanOrEqual(maxPrefixes);
          for (const { prefix, targets: under } of result.prefixes) {
            expect(under.every((target) => target.startsWith(prefix))).toBe(true);
            if (!allowRoot) expect(prefix).not.toBe(`${H}/`);
          }
        },
      ),
    );
  });
});
