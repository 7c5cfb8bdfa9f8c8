/**
 * Which folder of src/ may import which (ARCHITECTURE.md, "Which folder may import which"): the
 * pipeline's stages import only the stages before them and foundation/, so that a reader can take
 * each folder in alone, and storage (backlog/) knows nothing of what runs on it. Only the entry
 * points (handler.ts, index.ts, cli/) wire everything together, and only providers/ reaches the SDKs.
 * Type-only imports count too: they are knowledge of another folder's internals all the same.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const SRC = resolve(ROOT, "src");

const ANYTHING = "anything";

/** Each folder of src/ (or file at its root, without `.ts`) → the others it may import. */
const MAY_IMPORT: Readonly<Record<string, readonly string[] | typeof ANYTHING>> = {
  foundation: [],
  config: ["foundation"],
  plan: ["config", "foundation"],
  execute: ["plan", "foundation"],
  backlog: ["foundation"],
  drain: ["execute", "backlog", "plan", "foundation"],
  deliver: ["drain", "execute", "backlog", "plan", "foundation"],
  report: ["deliver", "drain", "backlog", "foundation"],
  providers: ["foundation"],
  emulator: ["foundation"],
  handler: ANYTHING,
  index: ANYTHING,
  cli: ANYTHING,
};

/** The SDKs: behind the `Purger` and `ObjectStore` interfaces, so reached from providers/ only. */
const SDK_PACKAGE = /^(?:tencentcloud-sdk-|cos-nodejs-sdk-)/;
const MAY_IMPORT_SDKS = ["providers"];

/**
 * Every module specifier of `source`: `import … from`, `import type … from`, `export … from`,
 * `import "…"` and `import("…")`, across line breaks.
 */
function specifiersOf(source: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])([^"'\n]+)\1/g;
  return [...source.matchAll(pattern)].map((match) => match[2] as string);
}

/** The folder of src/ a path is in, or the name of a file at src/'s root. */
const unitOf = (path: string): string => {
  const [first = "", ...rest] = relative(SRC, path).split(/[\\/]/);
  return rest.length === 0 ? first.replace(/\.ts$/, "") : first;
};

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

interface Import {
  readonly file: string;
  readonly specifier: string;
  readonly from: string;
  /** The folder it reaches, for a relative import; undefined for a package. */
  readonly to: string | undefined;
}

const sources = filesUnder(SRC).filter((path) => path.endsWith(".ts"));
const imports: Import[] = sources.flatMap((path) =>
  specifiersOf(readFileSync(path, "utf8")).map((specifier) => ({
    file: relative(ROOT, path).split("\\").join("/"),
    specifier,
    from: unitOf(path),
    to: specifier.startsWith(".") ? unitOf(posix.join(dirname(path), specifier)) : undefined,
  })),
);

/** What is wrong with one import, or undefined when the rule allows it. */
function breach({ file, specifier, from, to }: Import): string | undefined {
  const allowed = MAY_IMPORT[from];
  if (allowed === undefined) return `${file}: src/${from} is not in the import rule (add it to MAY_IMPORT)`;
  if (to === undefined) {
    return SDK_PACKAGE.test(specifier) && !MAY_IMPORT_SDKS.includes(from)
      ? `${file} imports "${specifier}": only ${MAY_IMPORT_SDKS.join(", ")} may import an SDK`
      : undefined;
  }
  if (to === from || allowed === ANYTHING || allowed.includes(to)) return undefined;
  const may = allowed.length === 0 ? "nothing outside itself" : allowed.join(", ");
  return `${file} imports "${specifier}" (${to}): ${from} may import only ${may}`;
}

describe("the import rule", () => {
  it("reads every form of import: from, type, export from, side effect, dynamic, across lines", () => {
    const source = [
      'import { a } from "./a";',
      'import type { B } from "../b/b";',
      'export { c } from "./c";',
      'export * from "./d";',
      'import "./e";',
      'const f = await import("../f/f");',
      "import {\n  g,\n  h,\n} from './gh';",
      'const i = await import(\n  "i-package"\n);',
    ].join("\n");
    expect(specifiersOf(source)).toEqual([
      "./a",
      "../b/b",
      "./c",
      "./d",
      "./e",
      "../f/f",
      "./gh",
      "i-package",
    ]);
  });

  it("finds the imports it judges: hundreds, from every folder in the rule, many across folders", () => {
    expect(sources.length).toBeGreaterThan(100);
    expect(imports.length).toBeGreaterThan(400);
    expect(imports.filter(({ from, to }) => to !== undefined && to !== from).length).toBeGreaterThan(200);
    const importers = new Set(imports.map(({ from }) => from));
    expect([...importers].sort()).toEqual(Object.keys(MAY_IMPORT).sort());
  });

  it("names the file, the import and the rule an import breaks", () => {
    const file = "src/backlog/backlog.ts";
    expect(breach({ file, specifier: "../execute/execute", from: "backlog", to: "execute" })).toBe(
      'src/backlog/backlog.ts imports "../execute/execute" (execute): backlog may import only foundation',
    );
    expect(
      breach({ file, specifier: "../foundation/model", from: "backlog", to: "foundation" }),
    ).toBeUndefined();
    expect(breach({ file, specifier: "cos-nodejs-sdk-v5", from: "backlog", to: undefined })).toMatch(
      /only providers may import an SDK/,
    );
  });

  it("holds for every import in src/", () => {
    expect(imports.flatMap((entry) => breach(entry) ?? [])).toEqual([]);
  });
});
