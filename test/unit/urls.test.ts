import { describe, expect, it } from "vitest";
import { SPELLINGS, type Spelling } from "../../src/foundation/model";
import { decodePath, encodePath, toCacheTargets, toCacheUrls, unreachableReason } from "../../src/plan/urls";

const site = { origin: "https://www.example.com", basePath: "" };
const both = { indexDocument: "index.html", spellings: SPELLINGS };
const chromiumOnly = { ...both, spellings: ["chromium"] as Spelling[] };

/** One key in every spelling: the value shared by most, and where a spelling differs. */
const spelt = (common: string, differ: Partial<Record<Spelling, string>> = {}): Record<Spelling, string> =>
  Object.fromEntries(SPELLINGS.map((spelling) => [spelling, differ[spelling] ?? common])) as Record<
    Spelling,
    string
  >;

describe("encodePath", () => {
  it.each([
    [
      "img/a+b (1).png",
      spelt("img/a+b%20(1).png", { component: "img/a%2Bb%20(1).png", rfc3986: "img/a%2Bb%20%281%29.png" }),
    ],
    ["图片/猫.png", spelt("%E5%9B%BE%E7%89%87/%E7%8C%AB.png")],
    ["a b.png", spelt("a%20b.png")],
    ["100%.png", spelt("100%25.png", { chromium: "100%.png", whatwg: "100%.png", webkit: "100%.png" })],
    ["a%20b.png", spelt("a%2520b.png")],
    ["why?.png", spelt("why%3F.png")],
    ["#1.png", spelt("%231.png")],
    ["a^b.png", spelt("a%5Eb.png", { webkit: "a^b.png" })],
    ["a|b.png", spelt("a%7Cb.png", { whatwg: "a|b.png", webkit: "a|b.png" })],
    ["[x].png", spelt("%5Bx%5D.png", { chromium: "[x].png", whatwg: "[x].png", webkit: "[x].png" })],
    ["it's!*~.txt", spelt("it's!*~.txt", { rfc3986: "it%27s%21%2A~.txt" })],
    [
      "a;b,c=d&e$f@g:h+i.txt",
      spelt("a;b,c=d&e$f@g:h+i.txt", {
        component: "a%3Bb%2Cc%3Dd%26e%24f%40g%3Ah%2Bi.txt",
        rfc3986: "a%3Bb%2Cc%3Dd%26e%24f%40g%3Ah%2Bi.txt",
      }),
    ],
    ['q"<>`{}.txt', spelt("q%22%3C%3E%60%7B%7D.txt")],
    ["a\\b.png", spelt("a%5Cb.png")],
    ["line\nbreak\t\x7f", spelt("line%0Abreak%09%7F")],
    ["😀.png", spelt("%F0%9F%98%80.png")],
  ])("spells %j as each client sends it", (key, expected) => {
    for (const spelling of SPELLINGS)
      expect([spelling, encodePath(key, spelling)]).toEqual([spelling, expected[spelling]]);
  });

  it("encodes a % that starts an escape in every spelling, or the URL would name another key", () => {
    for (const spelling of SPELLINGS) expect(encodePath("%41.png", spelling)).toBe("%2541.png");
  });

  it("throws on a lone surrogate, which no COS key holds", () => {
    expect(() => encodePath("a\uD800", "chromium")).toThrow(URIError);
  });

  it("writes hex digits in uppercase, as browsers do", () => {
    expect(encodePath("é", "chromium")).toBe("%C3%A9");
  });

  it("spells a path the way the URL Standard's parser leaves it, so the cache sees the string we purge", () => {
    const path = "/docs/a+b (1)/é/x%y/[1]|2;3=4@5!.png";
    for (const spelling of ["chromium", "whatwg", "requests", "component", "rfc3986"] as const) {
      const url = `https://www.example.com${encodePath(path, spelling)}`;
      expect(new URL(url).href).toBe(url);
    }
  });
});

describe("decodePath", () => {
  it("decodes escapes as UTF-8 and leaves a % that starts none", () => {
    expect(decodePath("/%E5%9B%BE/a%20b/100%.png/%zz/%")).toBe("/图/a b/100%.png/%zz/%");
    expect(decodePath("/%F0%9F%98%80😀")).toBe("/😀😀");
  });
});

describe("toCacheTargets", () => {
  it("lists each distinct URL once, with every spelling it is", () => {
    expect(toCacheTargets("img/a+b (1).png", site, both)).toEqual([
      {
        url: "https://www.example.com/img/a+b%20(1).png",
        spellings: ["chromium", "whatwg", "webkit", "requests"],
      },
      { url: "https://www.example.com/img/a%2Bb%20(1).png", spellings: ["component"] },
      { url: "https://www.example.com/img/a%2Bb%20%281%29.png", spellings: ["rfc3986"] },
    ]);
  });

  it("purges one URL for a key of letters, digits and -._~/, which every client spells alike", () => {
    expect(toCacheTargets("a/b-c_d.e~f/0.png", site, both)).toEqual([
      { url: "https://www.example.com/a/b-c_d.e~f/0.png", spellings: SPELLINGS },
    ]);
  });

  it.each([
    ["img/a|b(1).png", "/img/a%7Cb(1).png"],
    ["img/a+b|c.png", "/img/a+b%7Cc.png"],
    ["img/a+b (1).png", "/img/a%2Bb%20(1).png"],
    ["img/[x](1).png", "/img/%5Bx%5D(1).png"],
    ["a^b.png", "/a^b.png"],
  ])("purges %j as %j, the path the issue saw clients request", (key, path) => {
    expect(toCacheUrls(key, site, both)).toContain(`https://www.example.com${path}`);
  });

  it("needs six URLs only for a key holding every character the spellings disagree on", () => {
    expect(toCacheUrls("a|^[+!%.png", site, both)).toHaveLength(6);
  });
});

describe("toCacheUrls", () => {
  it("purges one URL when every spelling agrees", () => {
    expect(toCacheUrls("图片/猫 1.png", site, both)).toEqual([
      "https://www.example.com/%E5%9B%BE%E7%89%87/%E7%8C%AB%201.png",
    ]);
  });

  it("purges only the configured spellings", () => {
    expect(toCacheUrls("img/a+b (1).png", site, chromiumOnly)).toEqual([
      "https://www.example.com/img/a+b%20(1).png",
    ]);
  });

  it("keeps ? and # inside the path", () => {
    expect(toCacheUrls("faq?.html#top", site, chromiumOnly)).toEqual([
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
    expect(toCacheTargets("a (1)/index.html", site, both)).toEqual([
      {
        url: "https://www.example.com/a%20(1)/index.html",
        spellings: ["chromium", "whatwg", "webkit", "requests", "component"],
      },
      { url: "https://www.example.com/a%20%281%29/index.html", spellings: ["rfc3986"] },
      {
        url: "https://www.example.com/a%20(1)/",
        spellings: ["chromium", "whatwg", "webkit", "requests", "component"],
      },
      { url: "https://www.example.com/a%20%281%29/", spellings: ["rfc3986"] },
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
