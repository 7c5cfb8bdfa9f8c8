/**
 * Every setting: the value forms it accepts (zod schemas) and its documentation (`SETTINGS`), from which
 * the README and `.env.example` are generated. `config.ts` reads the environment with these.
 */
import picomatch from "picomatch";
// zod/mini with named imports, not `import { z } from "zod"`: the classic namespace defeats tree shaking
// and brings every locale, 572 of the 1274 KiB of dist/index.js and ~50 ms of the `require` every cold
// start pays (86 → 36 ms, median of 31 processes); the imports below bundle to 29 KiB. The price: mini
// has no locale, so an issue without an `error` of ours would read "Invalid input"; every schema and
// check here carries one (test/unit/config.test.ts tries them all).
import {
  type core,
  gte,
  literal,
  lte,
  NEVER,
  number,
  object,
  pipe,
  refine,
  regex,
  string,
  stringbool,
  transform,
} from "zod/mini";
import { type ChangeKind, type Endpoint, SPELLINGS, type Spelling } from "../model";

/** picomatch options for PURGE_INCLUDE / PURGE_EXCLUDE: `dot` so `**` covers `.well-known/`; POSIX on any OS. */
export const GLOB_OPTIONS = { dot: true, windows: false } as const;

const CHANGE_KINDS = ["created", "removed"] as const satisfies readonly ChangeKind[];

/**
 * Names that stand for several spellings. `browser` was the one browser spelling before each browser
 * engine got its own (what it purged then is what they share); it now means all three, so a
 * configuration written for it keeps covering every browser.
 */
const SPELLING_ALIASES: Readonly<Record<string, readonly Spelling[]>> = {
  browser: ["chromium", "whatwg", "webkit"],
  all: SPELLINGS,
};

/** Dot-separated labels of letters, digits and inner hyphens (after `new URL` lowercased it). */
const HOST = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** Comma-separated patterns; a comma inside `{...}` belongs to the pattern (`*.{png,jpg}`). */
const GLOB_LIST = /(?:\{[^{}]*\}|[^,])+/g;

const words = (text: string): string[] => text.split(/[\s,]+/).filter((word) => word !== "");

/** A host name or http(s) URL (`www.example.com`, `http://127.0.0.1:8080/static`), or what is wrong with it. */
function parseLocation(token: string): URL | string {
  const scheme = SCHEME.exec(token)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "http" && scheme !== "https") return `"${scheme}:" is not http(s)`;
  if (/[?#]/.test(token)) return "a query (?) or fragment (#) cannot be part of it";
  let url: URL;
  try {
    // `new URL` also turns a Unicode (IDN) host into punycode, the form caches and APIs use.
    url = new URL(scheme === undefined ? `https://${token}` : token);
  } catch {
    return "not a host name or URL";
  }
  if (url.username !== "" || url.password !== "") return "credentials (user:password@) do not belong in it";
  if (!HOST.test(url.hostname)) {
    return `"${url.hostname}" is not a host name (letters, digits, hyphens, dots)`;
  }
  return url;
}

/**
 * Every value starts as a string: the environment holds nothing else. A non-string can only come from a
 * caller bypassing `Env`'s type, but it too gets a message of ours rather than mini's "Invalid input".
 */
const envString = () => string({ error: "not a string" });

/**
 * Records a problem found inside a transform. Like classic zod's `ctx.addIssue`, the issue has no
 * `continue`, so it stops the checks that follow (PURGE_URL_SPELLINGS=raw says "raw" is not one of
 * them, not also that "browser" is missing).
 */
const invalid = (ctx: core.ParsePayload, message: string): void => {
  ctx.issues.push({ code: "custom", message, input: ctx.value });
};

const siteList = pipe(
  envString(),
  transform((text: string, ctx) =>
    words(text).flatMap((token) => {
      const url = parseLocation(token);
      if (typeof url !== "string") {
        return [{ origin: url.origin, basePath: url.pathname.replace(/\/+$/, "") }];
      }
      invalid(ctx, `"${token}": ${url}`);
      return [];
    }),
  ),
);

const endpoint = pipe(
  envString(),
  transform((text: string, ctx): Endpoint => {
    const url = parseLocation(text);
    if (typeof url === "string" || url.pathname !== "/") {
      invalid(ctx, typeof url === "string" ? url : "an API endpoint has no path");
      return NEVER;
    }
    return { protocol: url.protocol === "http:" ? "http://" : "https://", host: url.host };
  }),
);

/** A list of choices, deduplicated, in the choices' own order. */
const choiceList = <T extends string>(choices: readonly T[]) =>
  pipe(
    envString(),
    transform((text: string, ctx) => {
      const found = words(text);
      for (const word of found) {
        if (!choices.includes(word as T)) invalid(ctx, `"${word}" is not one of them`);
      }
      const list = choices.filter((choice) => found.includes(choice));
      if (list.length === 0) invalid(ctx, "the list is empty");
      return list;
    }),
  );

/** Spellings and aliases → spellings, deduplicated, in `SPELLINGS` order. */
const spellingList = pipe(
  envString(),
  transform((text: string, ctx) => {
    const found = words(text).flatMap((word) => {
      if (SPELLINGS.includes(word as Spelling)) return [word as Spelling];
      const alias = SPELLING_ALIASES[word];
      if (alias === undefined) invalid(ctx, `"${word}" is not one of them`);
      return alias ?? [];
    });
    const list = SPELLINGS.filter((spelling) => found.includes(spelling));
    if (list.length === 0) invalid(ctx, "the list is empty");
    return list;
  }),
);

const globList = pipe(
  envString(),
  transform((text: string, ctx) => {
    const patterns = (text.match(GLOB_LIST) ?? []).map((pattern) => pattern.trim()).filter(Boolean);
    for (const pattern of patterns) {
      // picomatch does not throw on a broken pattern: it compiles it to a regex that matches nothing.
      const broken = picomatch.makeRe(pattern, GLOB_OPTIONS).source === "$^";
      if (pattern.startsWith("/")) invalid(ctx, `"${pattern}" starts with "/", which keys never do`);
      else if (broken) invalid(ctx, `"${pattern}" is not a glob`);
    }
    return patterns;
  }),
);

const integer = (min: number, max: number) =>
  pipe(
    pipe(envString().check(regex(/^\d+$/, { error: "not a whole number" })), transform(Number)),
    // The regex lets only digits through, so the one non-number that gets here is Infinity (beyond 1.8e308).
    number({ error: `above ${max}` }).check(
      gte(min, { error: `below ${min}` }),
      lte(max, { error: `above ${max}` }),
    ),
  );

/** Variable families: every variable whose name starts with the key belongs to it. */
export const FAMILIES = {
  ZoneId: envString().check(regex(/^zone-[A-Za-z0-9]+$/, { error: "not an EdgeOne zone id" })),
  eoDomains: siteList,
  cdnHosts: siteList,
};

export const SCALARS = object(
  {
    CDN_AREA: literal(["mainland", "overseas", ""], { error: "not a CDN area" }),
    TEO_ENDPOINT: endpoint,
    CDN_ENDPOINT: endpoint,
    PURGE_KEY_PREFIX: pipe(
      envString(),
      transform((prefix: string) => prefix.replace(/^\/+/, "").replace(/[^/]$/, "$&/")),
    ),
    PURGE_INCLUDE: globList,
    PURGE_EXCLUDE: globList,
    PURGE_EVENTS: choiceList(CHANGE_KINDS),
    PURGE_INDEX_DOCUMENT: envString().check(
      regex(/^[^/]*$/, { error: "a file name has no slash" }),
      refine((name: string) => name !== "." && name !== "..", { error: "not a file name" }),
    ),
    // Chromium sends most requests (Chrome, Edge and the other Chromium browsers): a list without its
    // spelling would leave most cached copies stale, so it cannot be turned off.
    PURGE_URL_SPELLINGS: spellingList.check(
      refine((list: Spelling[]) => list.includes("chromium"), {
        error:
          '"chromium" (or "browser") is missing: Chrome and Edge send most requests, so it is always purged',
      }),
    ),
    PURGE_DRY_RUN: stringbool({
      truthy: ["true", "1", "yes"],
      falsy: ["false", "0", "no"],
      error: "not yes or no",
    }),
    PURGE_MAX_ATTEMPTS: integer(1, 10),
    PURGE_API_TIMEOUT_MS: integer(100, 60_000),
  },
  // Only for a caller passing something other than an object of variables; `loadConfig` never does.
  { error: "not a set of environment variables" },
);

export type Family = keyof typeof FAMILIES;
export type Scalar = keyof typeof SCALARS.shape;

/** One row of the settings table; README and .env.example are generated from it. */
export interface SettingDoc {
  readonly name: string;
  /** Used when the variable is unset or blank, written as it would be in the environment. */
  readonly default: string;
  readonly accepted: string;
  readonly description: string;
}

const DOMAINS = "host names or http(s) URLs, optionally with a base path, separated by commas or spaces";

/** Documentation of every setting; typed by the schemas' names, so none can go undocumented. */
export const DOCS: Readonly<Record<Family | Scalar, Omit<SettingDoc, "name">>> = {
  ZoneId: {
    default: "",
    accepted: "an EdgeOne zone id: zone- followed by letters and digits",
    description:
      "EdgeOne zone of the eoDomains domains; ZoneId_1, ZoneId2… apply to eoDomains_1, eoDomains2….",
  },
  eoDomains: {
    default: "",
    accepted: DOMAINS,
    description: "EdgeOne domains to purge (https:// unless given); add more as eoDomains_1, eoDomains2….",
  },
  cdnHosts: {
    default: "",
    accepted: DOMAINS,
    description: "CDN domains to purge (https:// unless given); add more as cdnHosts_1, cdnHosts2….",
  },
  CDN_AREA: {
    default: "",
    accepted: '"mainland", "overseas", or empty',
    description: "Area of CDN purges; empty purges wherever each domain is accelerated.",
  },
  TEO_ENDPOINT: {
    default: "teo.tencentcloudapi.com",
    accepted: "a host name, or an http(s) URL with an optional port and no path",
    description: "EdgeOne API endpoint; teo.intl.tencentcloudapi.com for international accounts.",
  },
  CDN_ENDPOINT: {
    default: "cdn.tencentcloudapi.com",
    accepted: "a host name, or an http(s) URL with an optional port and no path",
    description: "CDN API endpoint; cdn.intl.tencentcloudapi.com for international accounts.",
  },
  PURGE_KEY_PREFIX: {
    default: "",
    accepted: "a folder of the bucket, like site/",
    description:
      "Bucket folder served at the domain root (site/a.png is purged as /a.png); other keys are skipped.",
  },
  PURGE_INCLUDE: {
    default: "",
    accepted: "comma-separated globs on the key without PURGE_KEY_PREFIX, like **/*.html,img/**",
    description: "Only keys matching one of these globs purge (* stays within a folder); empty means all.",
  },
  PURGE_EXCLUDE: {
    default: "",
    accepted: "comma-separated globs on the key without PURGE_KEY_PREFIX, like tmp/**,**/*.log",
    description: "Keys matching any of these globs never purge.",
  },
  PURGE_EVENTS: {
    default: "created,removed",
    accepted: "created, removed, or both, comma-separated",
    description: "Which changes purge: created (upload, overwrite, copy) and removed (delete).",
  },
  PURGE_INDEX_DOCUMENT: {
    default: "index.html",
    accepted: "a file name without slash, or empty",
    description: "Changing dir/index.html also purges dir/; set it empty to turn that off.",
  },
  PURGE_URL_SPELLINGS: {
    default: "chromium,whatwg,webkit,requests,component,rfc3986",
    accepted:
      "comma-separated, chromium required: chromium, whatwg, webkit, requests, component, rfc3986; browser (chromium,whatwg,webkit), all",
    description:
      "How each key is written into URLs, by who requests them (see What gets purged); each distinct URL is purged once.",
  },
  PURGE_DRY_RUN: {
    default: "false",
    accepted: "true, false, 1, 0, yes or no",
    description: "Log what would be purged without calling any purge API.",
  },
  PURGE_MAX_ATTEMPTS: {
    default: "4",
    accepted: "a whole number from 1 to 10",
    description: "Attempts per API request when an error is worth retrying (1 means no retry).",
  },
  PURGE_API_TIMEOUT_MS: {
    default: "5000",
    accepted: "a whole number of milliseconds from 100 to 60000",
    description: "Timeout of one API call, in milliseconds.",
  },
};

/** Every setting, for the README and `.env.example`. */
export const SETTINGS: readonly SettingDoc[] = Object.entries(DOCS).map(([name, doc]) => ({ name, ...doc }));
