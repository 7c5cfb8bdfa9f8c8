import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SPELLINGS, type Spelling } from "../../src/foundation/model";
import { decodePath, toCacheTargets, toCacheUrls, unreachableReason } from "../../src/plan/urls";

/** Characters that have tripped URL code before: delimiters, escapes, separators, dots, multi-byte. */
const tricky = fc.constantFrom(
  ..."/.%?#&+ ()!*'^`{}[]|\\\"<>;=:@~,$\n\t\x7f",
  "é",
  "中",
  "😀",
  "..",
  "index.html",
);
/** Any Unicode key (no lone surrogates, which COS keys cannot hold), or one dense with tricky characters. */
const key = fc
  .oneof(
    fc.string({ unit: "binary", minLength: 1 }),
    fc.string({ unit: tricky, minLength: 1, maxLength: 12 }),
  )
  .filter((candidate) => unreachableReason(candidate) === undefined);
const basePath = fc.constantFrom("", "/static", "/a%20b", "/v1/assets");
/** Any configured list: chromium is always in it (config.ts refuses a list without it). */
const spellings = fc
  .subarray([...SPELLINGS])
  .map((list): Spelling[] => SPELLINGS.filter((name) => name === "chromium" || list.includes(name)));

const options = (spelling: Spelling[]) => ({ indexDocument: "index.html", spellings: spelling });

describe("toCacheUrls, for any key", () => {
  it("yields absolute URLs that parse, with no raw ? or #, and that the URL parser leaves as they are", () => {
    fc.assert(
      fc.property(key, basePath, spellings, (objectKey, base, spelling) => {
        const urls = toCacheUrls(
          objectKey,
          { origin: "https://www.example.com", basePath: base },
          options(spelling),
        );
        expect(urls.length).toBeGreaterThan(0);
        for (const url of urls) {
          expect(url).not.toMatch(/[?#]/);
          // Already canonical: what a client sends after parsing is exactly what we purge. The webkit
          // spelling's raw ^ is the one exception, in URL parsers newer than Node 20's (whatwg/url#846).
          expect([url, url.replaceAll("^", "%5E")]).toContain(new URL(url).href);
          expect(new URL(url).pathname.startsWith(`${base}/`)).toBe(true);
        }
      }),
    );
  });

  it("decodes back to the base path and the key, in every spelling", () => {
    fc.assert(
      fc.property(key, basePath, (objectKey, base) => {
        const origin = "https://www.example.com";
        const site = { origin, basePath: base };
        for (const spelling of SPELLINGS) {
          const [url] = toCacheUrls(objectKey, site, { indexDocument: "", spellings: [spelling] });
          expect(decodePath(url?.slice(origin.length) ?? "")).toBe(`${decodePath(base)}/${objectKey}`);
        }
      }),
    );
  });

  it("names every configured spelling exactly once among its URLs", () => {
    fc.assert(
      fc.property(key, spellings, (objectKey, spelling) => {
        const site = { origin: "https://h.example", basePath: "" };
        const targets = toCacheTargets(objectKey, site, { indexDocument: "", spellings: spelling });
        expect(targets.flatMap((target) => target.spellings).sort()).toEqual([...spelling].sort());
      }),
    );
  });

  it("lists each URL once", () => {
    fc.assert(
      fc.property(key, spellings, (objectKey, spelling) => {
        const urls = toCacheUrls(objectKey, { origin: "https://h.example", basePath: "" }, options(spelling));
        expect(new Set(urls).size).toBe(urls.length);
      }),
    );
  });
});
