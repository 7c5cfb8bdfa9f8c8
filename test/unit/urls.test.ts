import { describe, expect, it } from "vitest";
import type { Spelling } from "../../src/model";
import { encodePath, toCacheUrls, unreachableReason } from "../../src/plan/urls";

const site = { origin: "https://www.example.com", basePath: "" };
const both = { indexDocument: "index.html", spellings: ["browser", "rfc3986"] as Spelling[] };
const browserOnly = { ...both, spellings: ["browser"] as Spelling[] };

describe("encodePath", () => {
  it.each([
    ["img/a+b (1).png", "img/a+b%20(1).png", "img/a%2Bb%20%281%29.png"],
    ["图片/猫.png", "%E5%9B%BE%E7%89%87/%E7%8C%AB.png", "%E5%9B%BE%E7%89%87/%E7%8C%AB.png"],
    ["a b.png", "a%20b.png", "a%20b.png"],
    ["100%.png", "100%25.png", "100%25.png"],
    ["a%20b.png", "a%2520b.png", "a%2520b.png"],
    ["why?.png", "why%3F.png", "why%3F.png"],
    ["#1.png", "%231.png", "%231.png"],
    ["a^b.png", "a%5Eb.png", "a%5Eb.png"],
    ['q"<>`{}.txt', "q%22%3C%3E%60%7B%7D.txt", "q%22%3C%3E%60%7B%7D.txt"],
    ["a\\b.png", "a%5Cb.png", "a%5Cb.png"],
    ["line\nbreak\t\x7f", "line%0Abreak%09%7F", "line%0Abreak%09%7F"],
    ["😀.png", "%F0%9F%98%80.png", "%F0%9F%98%80.png"],
    ["it's!$&*,;=:@[]|~.txt", "it's!$&*,;=:@[]|~.txt", "it%27s%21%24%26%2A%2C%3B%3D%3A%40%5B%5D%7C~.txt"],
  ])("encodes %j as %j for browsers and %j strictly", (key, browser, rfc3986) => {
    expect(encodePath(key, "browser")).toBe(browser);
    expect(encodePath(key, "rfc3986")).toBe(rfc3986);
  });

  it("throws on a lone surrogate, which no COS key holds", () => {
    expect(() => encodePath("a\uD800", "browser")).toThrow(URIError);
  });

  it("writes hex digits in uppercase, as browsers do", () => {
    expect(encodePath("é", "browser")).toBe("%C3%A9");
  });

  it("spells a path the way the WHATWG URL parser leaves it, so the cache sees the string we purge", () => {
    const path = "/docs/a+b (1)/é/x%y/[1]|2;3=4@5!.png";
    const url = `https://www.example.com${encodePath(path, "browser")}`;
    expect(new URL(url).href).toBe(url);
  });
});

describe("toCacheUrls", () => {
  it("purges the browser spelling and, where it differs, the strict RFC 3986 spelling", () => {
    expect(toCacheUrls("img/a+b (1).png", site, both)).toEqual([
      "https://www.example.com/img/a+b%20(1).png",
      "https://www.example.com/img/a%2Bb%20%281%29.png",
    ]);
  });

  it("purges one URL when both spellings agree", () => {
    expect(toCacheUrls("图片/猫 1.png", site, both)).toEqual([
      "https://www.example.com/%E5%9B%BE%E7%89%87/%E7%8C%AB%201.png",
    ]);
  });

  it("purges only the browser spelling when rfc3986 is off", () => {
    expect(toCacheUrls("img/a+b (1).png", site, browserOnly)).toEqual([
      "https://www.example.com/img/a+b%20(1).png",
    ]);
  });

  it("keeps ? and # inside the path", () => {
    expect(toCacheUrls("faq?.html#top", site, browserOnly)).toEqual([
      "https://www.example.com/faq%3F.html%23top",
    ]);
  });

  it("also purges the folder URL of an index document", () => {
    expect(toCacheUrls("docs/index.html", site, both)).toEqual([
      "https://www.example.com/docs/index.html",
      "https://www.example.com/docs/",
    ]);
  });

  it("purges the site root for the root index document", () => {
    expect(toCacheUrls("index.html", site, both)).toEqual([
      "https://www.example.com/index.html",
      "https://www.example.com/",
    ]);
  });

  it("purges the folder URL in every spelling", () => {
    expect(toCacheUrls("a (1)/index.html", site, both)).toEqual([
      "https://www.example.com/a%20(1)/index.html",
      "https://www.example.com/a%20%281%29/index.html",
      "https://www.example.com/a%20(1)/",
      "https://www.example.com/a%20%281%29/",
    ]);
  });

  it("does not purge the folder without its trailing slash (origins redirect it to the folder URL)", () => {
    expect(toCacheUrls("docs/index.html", site, both)).not.toContain("https://www.example.com/docs");
  });

  it("treats only a whole file name as the index document", () => {
    expect(toCacheUrls("docs/myindex.html", site, both)).toEqual([
      "https://www.example.com/docs/myindex.html",
    ]);
    expect(toCacheUrls("docs/Index.html", site, both)).toEqual(["https://www.example.com/docs/Index.html"]);
  });

  it("uses the configured index document, and none when it is empty", () => {
    expect(toCacheUrls("docs/default.htm", site, { ...both, indexDocument: "default.htm" })).toContain(
      "https://www.example.com/docs/",
    );
    expect(toCacheUrls("docs/index.html", site, { ...both, indexDocument: "" })).toEqual([
      "https://www.example.com/docs/index.html",
    ]);
  });

  it("puts every URL under the site's base path, the root index included", () => {
    const under = { origin: "https://cdn.example.com:8443", basePath: "/static" };
    expect(toCacheUrls("index.html", under, both)).toEqual([
      "https://cdn.example.com:8443/static/index.html",
      "https://cdn.example.com:8443/static/",
    ]);
  });

  it("keeps empty segments as stored, since browsers keep them too", () => {
    expect(toCacheUrls("a//b.png", site, both)).toEqual(["https://www.example.com/a//b.png"]);
  });

  it.each(["../etc/passwd", "a/./b.png", "a/..", "."])(
    "purges nothing for %j, a key no URL can reach",
    (key) => {
      expect(toCacheUrls(key, { origin: "https://www.example.com", basePath: "/static" }, both)).toEqual([]);
      expect(unreachableReason(key)).toMatch(/"\." or "\.\." segment/);
    },
  );

  it("accepts dots that are not whole segments", () => {
    expect(unreachableReason(".well-known/a..b/.../x.")).toBeUndefined();
    expect(toCacheUrls(".well-known/x", site, both)).toEqual(["https://www.example.com/.well-known/x"]);
  });

  it("purges nothing for a key that is not well-formed Unicode", () => {
    expect(toCacheUrls("a\uD800.png", site, both)).toEqual([]);
    expect(unreachableReason("a\uD800.png")).toMatch(/lone surrogate/);
  });
});
