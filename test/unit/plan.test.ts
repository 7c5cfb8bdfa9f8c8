import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config";
import type { ChangeKind, ObjectChange } from "../../src/foundation/model";
import { planPurges, splitBatches, toLanes } from "../../src/plan/plan";

const env = { ZoneId: "zone-aaa", eoDomains: "www.example.com", PURGE_URL_SPELLINGS: "browser" };

let records = 0;
function change(key: string, kind: ChangeKind = "created"): ObjectChange {
  records += 1;
  return {
    key,
    kind,
    eventName: "cos:ObjectCreated:Put",
    bucket: "b-1250000000",
    region: "ap-guangzhou",
    record: String(records),
    version: "v",
  };
}

const urls = (plan: ReturnType<typeof planPurges>) => plan.targets.map((target) => target.url);

describe("planPurges", () => {
  it("plans every URL of every change on every site, in its lane", () => {
    const config = loadConfig({
      ZoneId: "zone-aaa",
      ZoneId_1: "zone-bbb",
      eoDomains: "www.example.com",
      eoDomains_1: "img.example.com",
      cdnHosts: "cdn.example.com",
      CDN_AREA: "overseas",
    });
    const most = ["chromium", "whatwg", "webkit", "requests", "component"];
    const keys = ["a (1).png"];
    expect(planPurges([change("a (1).png")], config).targets).toEqual([
      {
        provider: "edgeone",
        scope: "zone-aaa",
        url: "https://www.example.com/a%20(1).png",
        keys,
        spellings: most,
      },
      {
        provider: "edgeone",
        scope: "zone-aaa",
        url: "https://www.example.com/a%20%281%29.png",
        keys,
        spellings: ["rfc3986"],
      },
      {
        provider: "edgeone",
        scope: "zone-bbb",
        url: "https://img.example.com/a%20(1).png",
        keys,
        spellings: most,
      },
      {
        provider: "edgeone",
        scope: "zone-bbb",
        url: "https://img.example.com/a%20%281%29.png",
        keys,
        spellings: ["rfc3986"],
      },
      {
        provider: "cdn",
        scope: "overseas",
        url: "https://cdn.example.com/a%20(1).png",
        keys,
        spellings: most,
      },
      {
        provider: "cdn",
        scope: "overseas",
        url: "https://cdn.example.com/a%20%281%29.png",
        keys,
        spellings: ["rfc3986"],
      },
    ]);
  });

  it("plans CDN targets in the domain's own area when CDN_AREA is empty", () => {
    const plan = planPurges([change("a.png")], loadConfig({ cdnHosts: "cdn.example.com" }));
    expect(plan.targets[0]).toMatchObject({ provider: "cdn", scope: "" });
  });

  it("plans a URL once for a key changed by several records, created then removed", () => {
    const plan = planPurges([change("a.png"), change("a.png", "removed")], loadConfig(env));
    expect(plan.targets).toEqual([
      {
        provider: "edgeone",
        scope: "zone-aaa",
        url: "https://www.example.com/a.png",
        keys: ["a.png"],
        spellings: ["chromium", "whatwg", "webkit"],
      },
    ]);
  });

  it("plans each spelling a client sends once, naming the spellings of each URL", () => {
    const plan = planPurges([change("img/a+b|c.png")], loadConfig({ ...env, PURGE_URL_SPELLINGS: "" }));
    expect(plan.targets.map(({ url, spellings }) => [url, spellings])).toEqual([
      ["https://www.example.com/img/a+b%7Cc.png", ["chromium", "requests"]],
      ["https://www.example.com/img/a+b|c.png", ["whatwg", "webkit"]],
      ["https://www.example.com/img/a%2Bb%7Cc.png", ["component", "rfc3986"]],
    ]);
  });

  it("plans one URL for a key whose spellings agree", () => {
    expect(urls(planPurges([change("a.png")], loadConfig({ ...env, PURGE_URL_SPELLINGS: "" })))).toEqual([
      "https://www.example.com/a.png",
    ]);
  });

  it("plans a URL once when two sites of a lane serve it, listing each key it stands for", () => {
    const config = loadConfig(env);
    const twice = { ...config, sites: [...config.sites, { ...config.sites[0], variable: "eoDomains_1" }] };
    const plan = planPurges([change("docs/index.html"), change("docs/")], twice as typeof config);
    expect(plan.targets).toEqual([
      expect.objectContaining({ url: "https://www.example.com/docs/index.html", keys: ["docs/index.html"] }),
      expect.objectContaining({ url: "https://www.example.com/docs/", keys: ["docs/index.html", "docs/"] }),
    ]);
  });

  it("keeps the order in which URLs are first seen", () => {
    const plan = planPurges([change("z.png"), change("a.png"), change("z.png")], loadConfig(env));
    expect(urls(plan)).toEqual(["https://www.example.com/z.png", "https://www.example.com/a.png"]);
  });

  it("serves keys under PURGE_KEY_PREFIX at the site root and skips the others", () => {
    const config = loadConfig({ ...env, PURGE_KEY_PREFIX: "site" });
    const plan = planPurges([change("site/a.png"), change("other/a.png"), change("site/index.html")], config);
    expect(plan.targets.map(({ url, keys }) => [url, keys])).toEqual([
      ["https://www.example.com/a.png", ["site/a.png"]],
      ["https://www.example.com/index.html", ["site/index.html"]],
      ["https://www.example.com/", ["site/index.html"]],
    ]);
    expect(plan.skipped).toEqual([
      { record: expect.any(String), key: "other/a.png", reason: 'outside PURGE_KEY_PREFIX "site/"' },
    ]);
  });

  it("puts URLs under the site's base path", () => {
    const plan = planPurges(
      [change("a.png")],
      loadConfig({ ...env, eoDomains: "https://www.example.com/static" }),
    );
    expect(urls(plan)).toEqual(["https://www.example.com/static/a.png"]);
  });

  it("matches PURGE_INCLUDE against the key without the prefix, dot files included", () => {
    const config = loadConfig({ ...env, PURGE_KEY_PREFIX: "site/", PURGE_INCLUDE: "**/*.html,img/**" });
    const plan = planPurges(
      [change("site/img/.hidden.png"), change("site/a/b.html"), change("site/a.css")],
      config,
    );
    expect(plan.targets.flatMap((target) => target.keys)).toEqual(["site/img/.hidden.png", "site/a/b.html"]);
    expect(plan.skipped).toEqual([
      {
        record: expect.any(String),
        key: "site/a.css",
        reason: 'matches no PURGE_INCLUDE pattern ("**/*.html", "img/**")',
      },
    ]);
  });

  it("skips keys matching PURGE_EXCLUDE, naming the pattern", () => {
    const config = loadConfig({ ...env, PURGE_EXCLUDE: "*.log, tmp/**" });
    const plan = planPurges([change("tmp/x.png"), change("a.png")], config);
    expect(urls(plan)).toEqual(["https://www.example.com/a.png"]);
    expect(plan.skipped[0]?.reason).toBe('excluded by PURGE_EXCLUDE pattern "tmp/**"');
  });

  it("skips keys with dot segments, which no URL reaches", () => {
    const plan = planPurges([change("a/../../etc/passwd")], loadConfig(env));
    expect(plan.targets).toEqual([]);
    expect(plan.skipped[0]?.reason).toMatch(/"\." or "\.\." segment/);
  });

  it("plans nothing for no changes", () => {
    expect(planPurges([], loadConfig(env))).toEqual({ targets: [], skipped: [] });
  });
});

describe("toLanes", () => {
  it("groups targets by provider and scope, in order of first appearance", () => {
    const target = (provider: "edgeone" | "cdn", scope: string, url: string) => ({
      provider,
      scope,
      url,
      keys: [],
    });
    expect(
      toLanes([
        target("edgeone", "zone-b", "https://b/1"),
        target("cdn", "", "https://c/1"),
        target("edgeone", "zone-a", "https://a/1"),
        target("edgeone", "zone-b", "https://b/2"),
      ]),
    ).toEqual([
      { provider: "edgeone", scope: "zone-b", targets: ["https://b/1", "https://b/2"] },
      { provider: "cdn", scope: "", targets: ["https://c/1"] },
      { provider: "edgeone", scope: "zone-a", targets: ["https://a/1"] },
    ]);
  });
});

describe("splitBatches", () => {
  it("splits into consecutive chunks of at most the batch size", () => {
    expect(splitBatches(["a", "b", "c", "d", "e"], 2)).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    expect(splitBatches(["a", "b"], 2)).toEqual([["a", "b"]]);
    expect(splitBatches(["a", "b"], 1000)).toEqual([["a", "b"]]);
  });

  it("returns no batch for no targets", () => {
    expect(splitBatches([], 10)).toEqual([]);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("refuses a batch size of %s", (batch) => {
    expect(() => splitBatches(["a"], batch)).toThrow(RangeError);
  });
});
