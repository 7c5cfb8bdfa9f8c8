import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { string } from "zod/mini";
import { ConfigError, configWarnings, loadConfig, SETTINGS } from "../../src/config/config";
import { FAMILIES, SCALARS } from "../../src/config/schemas";
import { CosPurgeError } from "../../src/foundation/errors";

type Env = Record<string, string | undefined>;

const edgeone: Env = { ZoneId: "zone-2o0i5mbz6ifb", eoDomains: "www.example.com" };

/** The ConfigError `loadConfig` throws for `env`. */
function configError(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("loadConfig accepted the environment");
}

describe("loadConfig defaults", () => {
  it("warms CDN in CDN_AREA's area, or globally without one, unless PURGE_PREFETCH_AREA says", () => {
    const cdn = { cdnHosts: "cdn.example.com" };
    expect(loadConfig(cdn).prefetchArea).toBe("global");
    expect(loadConfig({ ...cdn, CDN_AREA: "overseas" }).prefetchArea).toBe("overseas");
    expect(loadConfig({ ...cdn, CDN_AREA: "overseas", PURGE_PREFETCH_AREA: "mainland" }).prefetchArea).toBe(
      "mainland",
    );
    expect(() => loadConfig({ ...cdn, PURGE_PREFETCH_AREA: "asia" })).toThrow(/PURGE_PREFETCH_AREA/);
  });

  it("needs only a zone and a domain, and defaults the rest", () => {
    expect(loadConfig(edgeone)).toEqual({
      sites: [
        {
          provider: "edgeone",
          zoneId: "zone-2o0i5mbz6ifb",
          origin: "https://www.example.com",
          basePath: "",
          variable: "eoDomains",
        },
      ],
      teoEndpoint: { protocol: "https://", host: "teo.tencentcloudapi.com" },
      cdnEndpoint: { protocol: "https://", host: "cdn.tencentcloudapi.com" },
      cdnArea: "",
      keyPrefix: "",
      include: [],
      exclude: [],
      prefetch: [],
      prefetchArea: "global",
      purgeOn: ["created", "removed"],
      indexDocument: "index.html",
      spellings: ["chromium", "whatwg", "webkit", "requests", "component", "rfc3986"],
      dryRun: false,
      maxAttempts: 4,
      requestTimeoutMs: 5000,
      mode: "auto",
      windowMs: 3000,
      backlog: {
        bucket: undefined,
        region: undefined,
        prefix: ".cos-purge/",
        endpoint: undefined,
        alarmAgeMs: 26 * 3_600_000,
        alarmTries: 10,
      },
      collapse: { minFiles: 0, allowRoot: false },
      logLevel: "info",
    });
  });

  it("reads a blank value as the default, as templates leave fields blank", () => {
    const config = loadConfig({ ...edgeone, PURGE_EVENTS: "", PURGE_MAX_ATTEMPTS: " ", CDN_AREA: "" });
    expect(config).toMatchObject({ purgeOn: ["created", "removed"], maxAttempts: 4, cdnArea: "" });
  });

  it("returns a deeply frozen configuration", () => {
    const config = loadConfig({ ...edgeone, PURGE_INCLUDE: "img/**" });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sites)).toBe(true);
    expect(Object.isFrozen(config.sites[0])).toBe(true);
    expect(Object.isFrozen(config.include)).toBe(true);
    expect(Object.isFrozen(config.teoEndpoint)).toBe(true);
  });

  it("ignores variables that are not ours, as SCF sets many", () => {
    const env = { ...edgeone, PATH: "/usr/bin", SCF_RUNTIME: "Nodejs18.15", TENCENTCLOUD_SECRETID: "AKIDx" };
    expect(loadConfig(env)).toEqual(loadConfig(edgeone));
  });
});

describe("loadConfig domains", () => {
  it("reads the EdgeOne template's variables: eoDomains, eoDomains_1, eoDomains2, with ZoneId<suffix> or ZoneId", () => {
    const config = loadConfig({
      ZoneId: "zone-aaa",
      ZoneId_1: "zone-bbb",
      eoDomains: "www.example.com",
      eoDomains_1: "img.example.com",
      eoDomains2: "static.example.com",
      eoDomains_3: "",
    });
    expect(config.sites.map(({ variable, zoneId, origin }) => [variable, zoneId, origin])).toEqual([
      ["eoDomains", "zone-aaa", "https://www.example.com"],
      ["eoDomains_1", "zone-bbb", "https://img.example.com"],
      ["eoDomains2", "zone-aaa", "https://static.example.com"],
    ]);
  });

  it("reads several domains from one value, separated by commas or whitespace", () => {
    const config = loadConfig({
      ZoneId: "zone-aaa",
      eoDomains: " a.example.com, b.example.com\nc.example.com  ",
    });
    expect(config.sites.map((site) => site.origin)).toEqual([
      "https://a.example.com",
      "https://b.example.com",
      "https://c.example.com",
    ]);
  });

  it.each([
    ["www.example.com", "https://www.example.com", ""],
    ["http://www.example.com", "http://www.example.com", ""],
    ["HTTPS://WWW.Example.COM/", "https://www.example.com", ""],
    ["https://cdn.example.com/static", "https://cdn.example.com", "/static"],
    ["cdn.example.com/static/v1/", "https://cdn.example.com", "/static/v1"],
    ["www.example.com:8443", "https://www.example.com:8443", ""],
    ["https://www.example.com:443", "https://www.example.com", ""],
    ["例子.中国", "https://xn--fsqu00a.xn--fiqs8s", ""],
    ["xn--fsqu00a.xn--fiqs8s", "https://xn--fsqu00a.xn--fiqs8s", ""],
  ])("reads %j as origin %j with base path %j", (value, origin, basePath) => {
    expect(loadConfig({ ZoneId: "zone-aaa", eoDomains: value }).sites[0]).toMatchObject({ origin, basePath });
  });

  it("reads cdnHosts variables as CDN sites, after the EdgeOne ones and without a zone", () => {
    const config = loadConfig({ ...edgeone, cdnHosts_1: "b.example.com", cdnHosts: "a.example.com" });
    expect(config.sites.map(({ provider, variable }) => [provider, variable])).toEqual([
      ["edgeone", "eoDomains"],
      ["cdn", "cdnHosts"],
      ["cdn", "cdnHosts_1"],
    ]);
    expect(config.sites[1]).not.toHaveProperty("zoneId");
  });

  it("works with CDN alone", () => {
    expect(loadConfig({ cdnHosts: "www.example.com" }).sites).toHaveLength(1);
  });

  it("lists a site configured twice once", () => {
    const config = loadConfig({
      ZoneId: "zone-aaa",
      eoDomains: "www.example.com, https://www.example.com/",
      eoDomains_1: "www.example.com",
    });
    expect(config.sites).toHaveLength(1);
  });

  it("says so when no domain is configured, naming the variables to set", () => {
    const error = configError({ ZoneId: "zone-aaa", eoDomains: "", cdnHosts: " " });
    expect(error.message).toMatch(/eoDomains/);
    expect(error.message).toMatch(/cdnHosts/);
    expect(error.message).toMatch(/ZoneId/);
  });

  it("names the zone variables when eoDomains has no zone", () => {
    const error = configError({ ZoneId_2: "zone-bbb", eoDomains_1: "www.example.com" });
    expect(error.variable).toBe("eoDomains_1");
    expect(error.message).toMatch(/eoDomains_1="www\.example\.com": no EdgeOne zone.*ZoneId_1 or ZoneId/);
  });
});

describe("loadConfig settings", () => {
  it.each([
    [
      { TEO_ENDPOINT: "teo.intl.tencentcloudapi.com" },
      "teoEndpoint",
      { protocol: "https://", host: "teo.intl.tencentcloudapi.com" },
    ],
    [
      { TEO_ENDPOINT: "http://127.0.0.1:8080" },
      "teoEndpoint",
      { protocol: "http://", host: "127.0.0.1:8080" },
    ],
    [
      { CDN_ENDPOINT: "https://cdn.intl.tencentcloudapi.com/" },
      "cdnEndpoint",
      { protocol: "https://", host: "cdn.intl.tencentcloudapi.com" },
    ],
    [{ CDN_ENDPOINT: "localhost:9000" }, "cdnEndpoint", { protocol: "https://", host: "localhost:9000" }],
    [{ CDN_AREA: "overseas" }, "cdnArea", "overseas"],
    [{ PURGE_KEY_PREFIX: "/site" }, "keyPrefix", "site/"],
    [{ PURGE_KEY_PREFIX: "site/" }, "keyPrefix", "site/"],
    [{ PURGE_KEY_PREFIX: "/" }, "keyPrefix", ""],
    [{ PURGE_INCLUDE: "*.{png,jpg}, docs/**" }, "include", ["*.{png,jpg}", "docs/**"]],
    [{ PURGE_EXCLUDE: "tmp/**" }, "exclude", ["tmp/**"]],
    [{ PURGE_PREFETCH: "**/*.apk, **/*.{mp4,webm}" }, "prefetch", ["**/*.apk", "**/*.{mp4,webm}"]],
    [{ PURGE_EVENTS: "removed" }, "purgeOn", ["removed"]],
    [{ PURGE_EVENTS: "removed created removed" }, "purgeOn", ["created", "removed"]],
    [{ PURGE_INDEX_DOCUMENT: "default.htm" }, "indexDocument", "default.htm"],
    [{ PURGE_INDEX_DOCUMENT: "" }, "indexDocument", ""],
    [{ PURGE_URL_SPELLINGS: "browser" }, "spellings", ["chromium", "whatwg", "webkit"]],
    [{ PURGE_URL_SPELLINGS: "rfc3986,browser" }, "spellings", ["chromium", "whatwg", "webkit", "rfc3986"]],
    [{ PURGE_URL_SPELLINGS: "component chromium chromium" }, "spellings", ["chromium", "component"]],
    [
      { PURGE_URL_SPELLINGS: "all" },
      "spellings",
      ["chromium", "whatwg", "webkit", "requests", "component", "rfc3986"],
    ],
    [{ PURGE_DRY_RUN: "true" }, "dryRun", true],
    [{ PURGE_DRY_RUN: "YES" }, "dryRun", true],
    [{ PURGE_DRY_RUN: "1" }, "dryRun", true],
    [{ PURGE_DRY_RUN: "no" }, "dryRun", false],
    [{ PURGE_DRY_RUN: "0" }, "dryRun", false],
    [{ PURGE_MAX_ATTEMPTS: "1" }, "maxAttempts", 1],
    [{ PURGE_MAX_ATTEMPTS: "10" }, "maxAttempts", 10],
    [{ PURGE_API_TIMEOUT_MS: "100" }, "requestTimeoutMs", 100],
    [{ PURGE_API_TIMEOUT_MS: "60000" }, "requestTimeoutMs", 60000],
  ])("reads %j into %s", (env, field, expected) => {
    expect(loadConfig({ ...edgeone, ...env })).toHaveProperty(field, expected);
  });
});

describe("loadConfig errors", () => {
  it.each([
    ["ZoneId", "zone_123"],
    ["ZoneId", "123"],
    ["eoDomains", "ftp://www.example.com"],
    ["eoDomains", "https://www.example.com/?v=1"],
    ["eoDomains", "https://www.example.com/#top"],
    ["eoDomains", "https://user:pass@www.example.com"],
    ["eoDomains", "bad_host.example.com"],
    ["eoDomains", "*.example.com"],
    ["eoDomains", "www.example.com:99999"],
    ["cdnHosts", "good.example.com, -bad-.example.com"],
    ["CDN_AREA", "china"],
    ["TEO_ENDPOINT", "https://teo.tencentcloudapi.com/v3"],
    ["CDN_ENDPOINT", "ftp://cdn.tencentcloudapi.com"],
    ["PURGE_INCLUDE", "/img/**"],
    ["PURGE_EXCLUDE", "*.{png"],
    ["PURGE_INCLUDE", "[invalid"],
    ["PURGE_EXCLUDE", "tmp/**,img/[0-9.png"],
    ["PURGE_PREFETCH", "/dl/*.apk"],
    ["PURGE_EVENTS", "deleted"],
    ["PURGE_EVENTS", ","],
    ["PURGE_INDEX_DOCUMENT", "docs/index.html"],
    ["PURGE_INDEX_DOCUMENT", ".."],
    ["PURGE_URL_SPELLINGS", "rfc3986"],
    ["PURGE_URL_SPELLINGS", "browser,raw"],
    ["PURGE_URL_SPELLINGS", "whatwg,webkit,rfc3986"],
    ["PURGE_DRY_RUN", "maybe"],
    ["PURGE_MAX_ATTEMPTS", "0"],
    ["PURGE_MAX_ATTEMPTS", "11"],
    ["PURGE_MAX_ATTEMPTS", "2.5"],
    ["PURGE_MAX_ATTEMPTS", "three"],
    ["PURGE_API_TIMEOUT_MS", "99"],
    ["PURGE_API_TIMEOUT_MS", "60001"],
  ])("rejects %s=%j, naming the variable, the value and what is accepted", (variable, value) => {
    const error = configError({ ...edgeone, [variable]: value });
    expect(error).toMatchObject({ variable, value });
    expect(error.accepted).not.toBe("");
    expect(error.message).toContain(`${variable}=${JSON.stringify(value)}`);
    expect(error.message).toContain(error.accepted);
  });

  it.each([
    ["eoDomains", "https:/x.com", 'write "https://" before the host'],
    ["eoDomains", "https:x.com", 'write "https://" before the host'],
    ["eoDomains", "http:\\\\x.com", 'write "http://" before the host'],
    ["eoDomains", "http//x.com", 'the scheme has no colon: write "http://" before the host'],
    ["cdnHosts", "HTTPS//x.com", 'the scheme has no colon: write "https://" before the host'],
    ["eoDomains", "mailto:x@example.com", '"mailto:" is not http(s)'],
    ["eoDomains", "blog", '"blog" is a single label, not a domain name'],
    ["cdnHosts", "https://intranet/static", '"intranet" is a single label'],
    ["eoDomains", "123", '"123" reads as the IP address 0.0.0.123'],
    ["eoDomains", "www.example.com/a%zz", 'holds "%zz", which is no escape'],
    ["cdnHosts", "www.example.com/static/100%", 'holds "%", which is no escape'],
    ["eoDomains", "www.example.com//static", "has an empty segment (//)"],
    ["TEO_ENDPOINT", "http//127.0.0.1:8080", "the scheme has no colon"],
  ])("rejects the malformed location %s=%j, saying what is wrong: %s", (variable, value, problem) => {
    const error = configError({ ...edgeone, [variable]: value });
    expect(error).toMatchObject({ variable, value });
    expect(error.message).toContain(`${variable}=${JSON.stringify(value)}: `);
    expect(error.message).toContain(problem);
    expect(error.message).toContain(`Accepted: ${error.accepted}`);
  });

  it.each([
    ["eoDomains", "localhost", "https://localhost", ""],
    ["eoDomains", "http://localhost:8080/static", "http://localhost:8080", "/static"],
    ["cdnHosts", "127.0.0.1:8080", "https://127.0.0.1:8080", ""],
    ["eoDomains", "www.example.com/a%20b", "https://www.example.com", "/a%20b"],
  ])("accepts %s=%j for local tests and escaped base paths", (variable, value, origin, basePath) => {
    const sites = loadConfig({ ...edgeone, [variable]: value }).sites;
    expect(sites).toContainEqual(expect.objectContaining({ variable, origin, basePath }));
  });

  it("accepts a single-label API endpoint (a container's name), which only the domains refuse", () => {
    expect(loadConfig({ ...edgeone, TEO_ENDPOINT: "http://emulator:8080" }).teoEndpoint).toEqual({
      protocol: "http://",
      host: "emulator:8080",
    });
  });

  it.each([
    [{ ZoneId_blog: "zone-blog" }],
    [{ ZoneId_blog: "zone-blog", eoDomains_blog: " " }],
    [{ ZoneId_blog: "zone-blog", eoDomains_bolg: "blog.example.com" }],
  ])("rejects a ZoneId<suffix> with no eoDomains<suffix> to apply to: %j", (env) => {
    const error = configError({ ...edgeone, ...env });
    const problem = error.problems.find((found) => found.variable === "ZoneId_blog");
    expect(problem).toMatchObject({
      value: "zone-blog",
      problem: "no eoDomains_blog holds this zone's domains, so it would apply to none",
      accepted: expect.stringContaining("eoDomains_blog set to the zone's domains"),
    });
    expect(error.message).toContain('ZoneId_blog="zone-blog": no eoDomains_blog');
  });

  it("lists every problem in one error", () => {
    const error = configError({ ...edgeone, CDN_AREA: "china", PURGE_DRY_RUN: "maybe", ZoneId_1: "bad" });
    expect(error.problems.map((problem) => problem.variable).sort()).toEqual([
      "CDN_AREA",
      "PURGE_DRY_RUN",
      "ZoneId_1",
    ]);
  });

  it("is a CosPurgeError with a stable name and code", () => {
    const error = configError({});
    expect(error).toBeInstanceOf(CosPurgeError);
    expect(error).toMatchObject({ name: "ConfigError", code: "InvalidConfig" });
  });

  it.each([
    ["PURGE_DRYRUN", /PURGE_DRY_RUN/],
    ["purge_dry_run", /PURGE_DRY_RUN/],
    ["PURGE_TIMEOUT", /PURGE_API_TIMEOUT_MS/],
    ["CDN_HOSTS", /cdnHosts/],
    ["eodomains_1", /eoDomains/],
    ["EO_DOMAIN", /eoDomains/],
    ["ZONEID", /ZoneId/],
    ["TEO_ENDPIONT", /TEO_ENDPOINT/],
  ])("rejects %s as a misspelt setting, pointing at the right name", (variable, suggestion) => {
    const error = configError({ ...edgeone, [variable]: "x" });
    expect(error.variable).toBe(variable);
    expect(error.accepted).toMatch(suggestion);
  });

  it("never shows the value of a variable that is not ours, nor a SecretId anywhere", () => {
    const secret = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA";
    const error = configError({
      ...edgeone,
      PURGE_SECRET: secret,
      TENCENTCLOUD_SECRETKEY: "very-secret-key",
      eoDomains_1: `${secret}.example.com`,
    });
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain("very-secret-key");
    expect(error.problems.find((problem) => problem.variable === "PURGE_SECRET")?.value).toBeUndefined();
  });
});

describe("settings schemas", () => {
  /** What zod says when no error of ours applies: mini's fallback, or a classic locale's wording. */
  const GENERIC = /^(Invalid|Too (big|small)|Unrecognized|Expected)\b/;
  const schemas = { ...FAMILIES, ...SCALARS.shape, "the SCALARS object": SCALARS };
  /** Values each schema turns down in its own way, tried first: wrong types, bounds, broken forms. */
  const REJECTED: unknown[] = [
    ...[undefined, null, 42, true, [], {}],
    ...["", " ", ",", "0", "100000", "2.5", "9".repeat(400), "maybe", "rfc3986", "..", "/x", "a/b"],
    ...["ftp://a", "a?b", "u:p@a", "-a-", "*.{png"],
  ];

  it("would show zod's generic message for an issue that has none of ours (so the test below can fail)", () => {
    expect(string().safeParse(42).error?.issues[0]?.message).toMatch(GENERIC);
  });

  it.each(Object.keys(schemas))("gives every issue of %s a message of ours", (name) => {
    const schema = schemas[name as keyof typeof schemas];
    const value = fc.oneof(fc.string(), fc.anything());
    fc.assert(
      fc.property(value, (input) => {
        for (const issue of schema.safeParse(input).error?.issues ?? []) {
          expect(issue.message, `${name} given ${fc.stringify(input)}`).not.toMatch(GENERIC);
          expect(issue.message).not.toBe("");
        }
      }),
      { examples: REJECTED.map((input) => [input]) },
    );
  });

  it("says which bound a number too long for a double passed, not that it is no number", () => {
    const error = configError({ ...edgeone, PURGE_MAX_ATTEMPTS: "9".repeat(400) });
    expect(error.problems.map((problem) => problem.problem)).toEqual(["above 10"]);
  });
});

describe("SETTINGS", () => {
  it("documents every setting with a one-line description", () => {
    for (const setting of SETTINGS) {
      expect(setting.description).toMatch(/^[A-Z].*\.$/);
      expect(setting.description).not.toContain("\n");
      expect(setting.accepted).not.toBe("");
    }
  });

  it("uses no name SCF reserves", () => {
    for (const { name } of SETTINGS) expect(name).not.toMatch(/^(SCF_|QCLOUD_|TENCENTCLOUD_)/);
  });

  it("states the defaults loadConfig applies", () => {
    const written = Object.fromEntries(SETTINGS.map((setting) => [setting.name, setting.default]));
    expect(loadConfig({ ...written, ...edgeone })).toEqual(loadConfig(edgeone));
  });
});

describe("configWarnings", () => {
  it("warns of a localhost domain, naming its variable, and of nothing else", () => {
    const config = loadConfig({
      ...edgeone,
      eoDomains: "www.example.com 127.0.0.1",
      cdnHosts_1: "localhost",
    });
    expect(configWarnings(config)).toEqual([
      {
        variable: "cdnHosts_1",
        warning: expect.stringMatching(/^https:\/\/localhost is not a public domain/),
      },
    ]);
    expect(configWarnings(loadConfig(edgeone))).toEqual([]);
  });

  it("warns of a domain listed in two EdgeOne zones, naming both zones and variables", () => {
    const config = loadConfig({
      ZoneId: "zone-aaaaaaaaaaaa",
      eoDomains: "www.example.com img.example.com",
      ZoneId_1: "zone-bbbbbbbbbbbb",
      eoDomains_1: "https://www.example.com/static",
    });
    expect(configWarnings(config)).toEqual([
      {
        variable: "eoDomains_1",
        warning: expect.stringMatching(
          /^www\.example\.com is in 2 zones, zone-aaaaaaaaaaaa \(eoDomains\) and zone-bbbbbbbbbbbb \(eoDomains_1\)/,
        ),
      },
    ]);
  });

  it("does not warn of one domain under two paths of the same zone, nor on EdgeOne and CDN", () => {
    const config = loadConfig({
      ...edgeone,
      eoDomains: "www.example.com https://www.example.com/static",
      cdnHosts: "www.example.com",
    });
    expect(configWarnings(config)).toEqual([]);
  });
});

describe("PURGE_INCLUDE and PURGE_EXCLUDE brackets", () => {
  it.each([["[a-z].png"], ["img/\\[draft].png"], ["a]b.png"]])("accepts %j", (pattern) => {
    expect(loadConfig({ ...edgeone, PURGE_INCLUDE: pattern }).include).toEqual([pattern]);
  });

  it("says which pattern has an unclosed bracket and how to write a literal one", () => {
    const error = configError({ ...edgeone, PURGE_EXCLUDE: "tmp/**,[invalid" });
    expect(error.message).toContain('"[invalid" has a "[" that no "]" closes');
    expect(error.message).toContain("write \\[ for a literal bracket");
  });
});
