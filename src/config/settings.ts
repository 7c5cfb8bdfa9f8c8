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
import { type ChangeKind, type Endpoint, type LogLevel, SPELLINGS, type Spelling } from "../model";

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
const LOG_LEVELS = ["debug", "info", "warn", "error"] as const satisfies readonly LogLevel[];

/** Dot-separated labels of letters, digits and inner hyphens (after `new URL` lowercased it). */
const HOST = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** `https:/x.com`, `https:x.com`, `https:\\x.com`: a scheme without its `//` (`x.com:8080` is a port). */
const SCHEME_WITHOUT_SLASHES = /^([A-Za-z][A-Za-z0-9+-]*):(?!\/\/|\d)/;
/** `http//x.com`: a scheme without its colon, which `new URL` would read as the host "http". */
const SCHEME_WITHOUT_COLON = /^(https?)\/\//i;
const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;
/** Comma-separated patterns; a comma inside `{...}` belongs to the pattern (`*.{png,jpg}`). */
const GLOB_LIST = /(?:\{[^{}]*\}|[^,])+/g;
/**
 * A `[` that no `]` closes (`[invalid`, `img/[0-9.png`), unless escaped (`\\[`). picomatch reads it as a
 * literal bracket, so the pattern matches only keys spelled with one: a typo that would skip every key.
 */
const UNCLOSED_BRACKET = /(?<!\\)\[(?![^\]]*\])/;
/** A `%` that starts no escape (`%zz`, a trailing `%`): no cache holds such a path under one spelling. */
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** The one single-label host accepted in a domain list, for tests against a local emulator (with a warning). */
export const LOCAL_HOST = "localhost";

const words = (text: string): string[] => text.split(/[\s,]+/).filter((word) => word !== "");

/**
 * A host name or http(s) URL (`www.example.com`, `http://127.0.0.1:8080/static`), or what is wrong with it.
 * `new URL` alone accepts too much: `https:/x.com` and `http//x.com` both parse, as hosts "x.com" and
 * "http", and `123` becomes the address 0.0.0.123; each is refused here with what to write instead.
 */
function parseLocation(token: string): URL | string {
  const scheme = SCHEME.exec(token)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "http" && scheme !== "https") return `"${scheme}:" is not http(s)`;
  if (scheme === undefined) {
    const slashless = SCHEME_WITHOUT_SLASHES.exec(token)?.[1]?.toLowerCase();
    if (slashless === "http" || slashless === "https") return `write "${slashless}://" before the host`;
    if (slashless !== undefined) return `"${slashless}:" is not http(s)`;
    const colonless = SCHEME_WITHOUT_COLON.exec(token)?.[1]?.toLowerCase();
    if (colonless !== undefined) return `the scheme has no colon: write "${colonless}://" before the host`;
  }
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
  const typed = (scheme === undefined ? token : token.slice(scheme.length + 3)).split(/[/:]/)[0] ?? "";
  if (IPV4.test(url.hostname) && typed.toLowerCase() !== url.hostname) {
    return `"${typed}" reads as the IP address ${url.hostname}: write a host name or all four numbers`;
  }
  return url;
}

/**
 * A domain to purge: a location whose host has a dot (or is `localhost`), and whose base path is a path
 * a URL can have. Returns the problem instead when it is not one.
 */
function parseSite(token: string): { origin: string; basePath: string } | string {
  const url = parseLocation(token);
  if (typeof url === "string") return url;
  if (!url.hostname.includes(".") && url.hostname !== LOCAL_HOST) {
    return `"${url.hostname}" is a single label, not a domain name like www.example.com (only "${LOCAL_HOST}" is accepted, for local tests)`;
  }
  const basePath = url.pathname.replace(/\/+$/, "");
  const badEscape = BAD_ESCAPE.exec(basePath);
  if (badEscape !== null) {
    const found = basePath.slice(badEscape.index, badEscape.index + 3);
    return `the base path ${basePath} holds "${found}", which is no escape: a "%" is followed by two hex digits (write %25 for "%" itself)`;
  }
  if (basePath.includes("//")) return `the base path ${basePath} has an empty segment (//)`;
  return { origin: url.origin, basePath };
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
      const site = parseSite(token);
      if (typeof site !== "string") return [site];
      invalid(ctx, token === text ? site : `"${token}": ${site}`);
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

/**
 * `COS_ENDPOINT`, checked like the API endpoints but kept as written: a bare host means COS's own
 * virtual-host addressing over HTTPS, a URL with a scheme a local server addressed by path
 * (providers/cos.ts). Blank means the bucket's default domain (undefined).
 */
const cosEndpoint = pipe(
  envString(),
  transform((text: string, ctx): string | undefined => {
    if (text === "") return undefined;
    const url = parseLocation(text.replaceAll(/\{(Bucket|Region)\}/g, "x"));
    if (typeof url === "string" || url.pathname !== "/") {
      invalid(ctx, typeof url === "string" ? url : "an endpoint has no path");
      return NEVER;
    }
    return text;
  }),
);

/** A folder of the bucket: no leading slash, one trailing slash. */
const folder = pipe(
  envString(),
  transform((text: string, ctx) => {
    const path = text.replace(/^\/+/, "").replace(/\/*$/, "/");
    if (path === "/") invalid(ctx, "the bucket root is not a folder");
    return path;
  }),
);

const boolean = () =>
  stringbool({ truthy: ["true", "1", "yes"], falsy: ["false", "0", "no"], error: "not yes or no" });

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
      else if (UNCLOSED_BRACKET.test(pattern)) {
        invalid(ctx, `"${pattern}" has a "[" that no "]" closes (write \\[ for a literal bracket)`);
      }
    }
    return patterns;
  }),
);

const integer = (min: number, max: number) =>
  pipe(
    pipe(envString().check(regex(/^-?\d+$/, { error: "not a whole number" })), transform(Number)),
    // The regex lets only digits (and a minus: -1 is "below 1") through, so the one non-number that gets here is Infinity (beyond 1.8e308).
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
    PURGE_PREFETCH: globList,
    PURGE_PREFETCH_AREA: literal(["mainland", "overseas", "global", ""], {
      error: "not a CDN prefetch area",
    }),
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
    PURGE_DRY_RUN: boolean(),
    PURGE_MAX_ATTEMPTS: integer(1, 10),
    PURGE_API_TIMEOUT_MS: integer(100, 60_000),
    PURGE_MODE: literal(["auto", "direct", "queue"], { error: "not a purge mode" }),
    PURGE_WINDOW_MS: integer(200, 60_000),
    PURGE_BACKLOG_BUCKET: envString().check(
      regex(/^$|^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d{5,}$/, { error: "not a bucket name with its appid" }),
    ),
    PURGE_BACKLOG_REGION: envString().check(
      regex(/^$|^[a-z]{2,}(?:-[a-z0-9]+)+$/, { error: "not a COS region" }),
    ),
    PURGE_BACKLOG_PREFIX: folder,
    PURGE_BACKLOG_ALARM_HOURS: integer(1, 24 * 30),
    PURGE_BACKLOG_ALARM_TRIES: integer(1, 1_000),
    COS_ENDPOINT: cosEndpoint,
    PURGE_COLLAPSE_MIN_FILES: integer(0, 100_000),
    PURGE_COLLAPSE_ROOT: boolean(),
    PURGE_LOG_LEVEL: literal(LOG_LEVELS, { error: "not a log level" }),
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

const DOMAINS =
  "host names with a dot (or localhost, for local tests) or http(s) URLs, optionally with a base path, separated by commas or spaces";

/** Documentation of every setting; typed by the schemas' names, so none can go undocumented. */
export const DOCS: Readonly<Record<Family | Scalar, Omit<SettingDoc, "name">>> = {
  ZoneId: {
    default: "",
    accepted: "an EdgeOne zone id: zone- followed by letters and digits",
    description:
      "EdgeOne zone of the eoDomains domains; ZoneId_1, ZoneId2… apply to eoDomains_1, eoDomains2… (which must be set).",
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
  PURGE_PREFETCH: {
    default: "",
    accepted: "comma-separated globs on the key without PURGE_KEY_PREFIX, like **/*.apk,**/*.mp4",
    description:
      "Created keys matching one of these globs are warmed (EdgeOne CreatePrefetchTask, CDN PushUrlsCache) once their purge was accepted (see Prefetch); empty means off.",
  },
  PURGE_PREFETCH_AREA: {
    default: "",
    accepted: '"mainland", "overseas", "global", or empty',
    description:
      "Where CDN PushUrlsCache warms (CDN without an Area warms mainland only); empty means CDN_AREA when set, else global. EdgeOne warms where the zone serves.",
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
    description:
      "Log what would be purged without calling any purge or prefetch API or writing the backlog; a timer event (or `cos-purge backlog drain`) only lists what waits.",
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
  PURGE_MODE: {
    default: "auto",
    accepted: "auto, direct or queue",
    description:
      "How an invocation purges: direct at once (leftovers to the backlog); queue only to the backlog, drained within PURGE_WINDOW_MS; auto at once unless the rate limit refused this instance lately or, with every instance busy, another invocation is gathering a drain window.",
  },
  PURGE_WINDOW_MS: {
    default: "3000",
    accepted: "a whole number of milliseconds from 200 to 60000",
    description:
      "How soon queued work is drained: one invocation per window waits this long, more while uploads keep coming (up to 2 windows in auto mode, 20 in queue mode, holding partial batches back), then purges everything queued.",
  },
  PURGE_BACKLOG_BUCKET: {
    default: "",
    accepted: "a bucket name with its appid, like examplebucket-1250000000, or empty",
    description:
      "Bucket holding the backlog of purges not yet done; empty means the bucket of the triggering event. Required for the timer trigger.",
  },
  PURGE_BACKLOG_REGION: {
    default: "",
    accepted: "a COS region, like ap-guangzhou, or empty",
    description:
      "Region of PURGE_BACKLOG_BUCKET; empty means the triggering bucket's region. Required for the timer trigger.",
  },
  PURGE_BACKLOG_PREFIX: {
    default: ".cos-purge/",
    accepted: "a folder of the bucket, like .cos-purge/",
    description:
      "Folder of the backlog in that bucket. Its objects are never purged; filter it out of the COS trigger (see README).",
  },
  PURGE_BACKLOG_ALARM_HOURS: {
    default: "26",
    accepted: "a whole number of hours from 1 to 720",
    description:
      'A drain logs the error "backlog overdue" when purges have waited longer than this (a quota wait lasts until 00:00 UTC+8).',
  },
  PURGE_BACKLOG_ALARM_TRIES: {
    default: "10",
    accepted: "a whole number from 1 to 1000",
    description: 'A drain logs the error "backlog overdue" when purges failed more drains than this.',
  },
  COS_ENDPOINT: {
    default: "",
    accepted:
      "a host name (may hold {Bucket} and {Region}), an http(s) URL with a port for a local server, or empty",
    description:
      "COS endpoint for the backlog; empty means <bucket>.cos.<region>.myqcloud.com. The emulator's URL for local runs.",
  },
  PURGE_COLLAPSE_MIN_FILES: {
    default: "0",
    accepted: "a whole number from 0 to 100000; 0 turns collapse off",
    description:
      "Purge a folder (EdgeOne purge_prefix, CDN PurgePathCache) instead of its URLs when at least this many of one batch lie under it.",
  },
  PURGE_COLLAPSE_ROOT: {
    default: "false",
    accepted: "true, false, 1, 0, yes or no",
    description: "Whether collapse may purge a whole domain (its root folder).",
  },
  PURGE_LOG_LEVEL: {
    default: "info",
    accepted: "debug, info, warn or error",
    description:
      "Lowest level logged; debug adds a line per API request (action, lane, attempt, latency, RequestId, outcome).",
  },
};

/** Every setting, for the README and `.env.example`. */
export const SETTINGS: readonly SettingDoc[] = Object.entries(DOCS).map(([name, doc]) => ({ name, ...doc }));
