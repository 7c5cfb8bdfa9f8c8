/**
 * The value forms every setting accepts (zod schemas), by name: `FAMILIES` for the variables numbered by
 * suffix, `SCALARS` for the others. `config.ts` reads the environment with these; settings.ts documents
 * each of them, and the README and `.env.example` are generated from it.
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
import { type ChangeKind, type Endpoint, type LogLevel, SPELLINGS, type Spelling } from "../foundation/model";
import { parseLocation, parseSite } from "./locations";

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

/** Comma-separated patterns; a comma inside `{...}` belongs to the pattern (`*.{png,jpg}`). */
const GLOB_LIST = /(?:\{[^{}]*\}|[^,])+/g;
/**
 * A `[` that no `]` closes (`[invalid`, `img/[0-9.png`), unless escaped (`\\[`). picomatch reads it as a
 * literal bracket, so the pattern matches only keys spelled with one: a typo that would skip every key.
 */
const UNCLOSED_BRACKET = /(?<!\\)\[(?![^\]]*\])/;

const words = (text: string): string[] => text.split(/[\s,]+/).filter((word) => word !== "");

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
