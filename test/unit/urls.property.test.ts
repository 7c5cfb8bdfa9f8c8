import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Spelling } from "../../src/model";
import { toCacheUrls, unreachableReason } from "../../src/plan/urls";

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
const spellings = fc.constantFrom<Spelling[]>(["browser"], ["browser", "rfc3986"]);

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
          // Already canonical: what a client sends after parsing is exactly what we purge.
          expect(new URL(url).href).toBe(url);
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
        for (const spelling of ["browser", "rfc3986"] as const) {
          const [url] = toCacheUrls(objectKey, site, { indexDocument: "", spellings: [spelling] });
          expect(decodeURIComponent(url?.slice(origin.length) ?? "")).toBe(
            `${decodeURIComponent(base)}/${objectKey}`,
          );
        }
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
