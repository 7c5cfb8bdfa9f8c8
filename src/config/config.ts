/**
 * Settings, read once at cold start from environment variables (SCF's only configuration channel) and
 * validated with the zod schemas of schemas.ts. Every problem is collected into one `ConfigError`, so a
 * user fixes them all in one go.
 *
 * Domain settings keep the names of Tencent's templates, so users switch without renaming: `ZoneId` and
 * `eoDomains*` (EdgeOne purge template), `cdnHosts*` (the COS console's CDN refresh function). Our own
 * settings start with `PURGE_`, `CDN_` or `TEO_`: SCF reserves `SCF_`, `QCLOUD_` and `TENCENTCLOUD_`.
 */
import type { ZodMiniType } from "zod/mini";
import { CosPurgeError } from "../foundation/errors";
import type { Config, Site } from "../foundation/model";
import { maskSecrets, secretsIn } from "../foundation/redact";
import { LOCAL_HOST } from "./locations";
import { FAMILIES, type Family, SCALARS, type Scalar } from "./schemas";
import { DOCS } from "./settings";

export { SETTINGS, type SettingDoc } from "./settings";

type Env = Readonly<Record<string, string | undefined>>;

/** One thing wrong with the environment. */
export interface ConfigProblem {
  readonly variable: string;
  /** The value found; undefined when the variable is not set, or is not ours (it might hold a secret). */
  readonly value: string | undefined;
  readonly problem: string;
  readonly accepted: string;
}

/** The environment cannot be used. Lists every problem; `variable`, `value`, `accepted` are the first one's. */
export class ConfigError extends CosPurgeError {
  override readonly name = "ConfigError";
  readonly variable: string;
  readonly value: string | undefined;
  readonly accepted: string;

  constructor(readonly problems: readonly [ConfigProblem, ...ConfigProblem[]]) {
    const list = problems.map(describeProblem).join("\n");
    super(`Invalid configuration; fix these environment variables:\n${list}`, { code: "InvalidConfig" });
    const [first] = problems;
    this.variable = first.variable;
    this.value = first.value;
    this.accepted = first.accepted;
  }
}

/** Longest value quoted in a message. */
const MAX_SHOWN = 120;

function describeProblem({ variable, value, problem, accepted }: ConfigProblem): string {
  if (value === undefined) return `- ${variable}: ${problem}. Accepted: ${accepted}.`;
  const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
  return `- ${variable}=${JSON.stringify(shown)}: ${problem}. Accepted: ${accepted}.`;
}

const FAMILY_NAMES = Object.keys(FAMILIES) as Family[];
const SCALAR_NAMES = Object.keys(SCALARS.shape) as Scalar[];

/** A blank value means the default (templates leave fields blank), except where blank turns a feature off. */
const BLANK_DISABLES: ReadonlySet<Scalar> = new Set(["PURGE_INDEX_DOCUMENT"]);

const NATURAL = new Intl.Collator("en", { numeric: true });

/** `fold("PURGE_DRY_RUN") === fold("purge_dryrun")`: how a typo of one of our names is recognised. */
const fold = (name: string): string => name.toLowerCase().replace(/_/g, "");

/** Variables of a family (`eoDomains`, `eoDomains_1`, `eoDomains2`...) with a non-blank value, in natural order. */
function members(env: Env, family: Family): { variable: string; text: string }[] {
  return Object.keys(env)
    .sort(NATURAL.compare)
    .flatMap((variable) => {
      const text = env[variable]?.trim();
      return variable.startsWith(family) && text ? [{ variable, text }] : [];
    });
}

/** The parsed value of one family member, or undefined after adding its problems. */
function parseMember<T>(
  schema: ZodMiniType<T>,
  accepted: string,
  { variable, text }: { variable: string; text: string },
  problems: ConfigProblem[],
): T | undefined {
  const result = schema.safeParse(text);
  for (const issue of result.error?.issues ?? []) {
    problems.push({ variable, value: text, problem: issue.message, accepted });
  }
  return result.data;
}

/** EdgeOne sites, then CDN sites, without duplicates. `eoDomains<suffix>` takes `ZoneId<suffix>`, else `ZoneId`. */
function parseSites(env: Env, problems: ConfigProblem[]): Site[] {
  const zones = new Map<string, string>();
  for (const member of members(env, "ZoneId")) {
    const zone = parseMember(FAMILIES.ZoneId, DOCS.ZoneId.accepted, member, problems);
    if (zone !== undefined) zones.set(member.variable, zone);
  }
  const sites = new Map<string, Site>();
  const add = (site: Site) => {
    const id = [site.provider, site.zoneId, site.origin, site.basePath].join(" ");
    if (!sites.has(id)) sites.set(id, site);
  };
  for (const member of members(env, "eoDomains")) {
    const { variable, text } = member;
    const locations = parseMember(FAMILIES.eoDomains, DOCS.eoDomains.accepted, member, problems);
    const own = `ZoneId${variable.slice("eoDomains".length)}`;
    const zoneVariable = env[own]?.trim() ? own : "ZoneId";
    const zoneId = zones.get(zoneVariable);
    if (zoneId === undefined && !env[zoneVariable]?.trim()) {
      problems.push({
        variable,
        value: text,
        problem: "no EdgeOne zone for these domains",
        accepted: `${own === "ZoneId" ? "" : `${own} or `}ZoneId (which serves every eoDomains variable) set to the zone's id`,
      });
    }
    if (zoneId === undefined) continue;
    for (const location of locations ?? []) add({ provider: "edgeone", zoneId, ...location, variable });
  }
  // ZoneId<suffix> applies to eoDomains<suffix> only: without it, the zone would be silently unused.
  const domainVariables = new Set(members(env, "eoDomains").map((member) => member.variable));
  for (const [variable, zoneId] of zones) {
    const domains = `eoDomains${variable.slice("ZoneId".length)}`;
    if (variable === "ZoneId" || domainVariables.has(domains)) continue;
    problems.push({
      variable,
      value: zoneId,
      problem: `no ${domains} holds this zone's domains, so it would apply to none`,
      accepted: `${domains} set to the zone's domains (${variable} applies to ${domains} only), or no ${variable}`,
    });
  }
  for (const member of members(env, "cdnHosts")) {
    for (const location of parseMember(FAMILIES.cdnHosts, DOCS.cdnHosts.accepted, member, problems) ?? []) {
      add({ provider: "cdn", ...location, variable: member.variable });
    }
  }
  return [...sites.values()];
}

/** Variables that look like a misspelling of ours; SCF sets many others, which are ignored. */
function typoProblems(env: Env): ConfigProblem[] {
  return Object.keys(env).flatMap((variable) => {
    if (SCALAR_NAMES.includes(variable as Scalar) || FAMILY_NAMES.some((name) => variable.startsWith(name)))
      return [];
    const folded = fold(variable);
    const family = FAMILY_NAMES.find((name) => folded.startsWith(fold(name).replace(/s$/, "")));
    const scalar = SCALAR_NAMES.find((name) => fold(name) === folded);
    if (family === undefined && scalar === undefined && !/^(PURGE|CDN|TEO)_/i.test(variable)) return [];
    const accepted =
      family !== undefined
        ? `${family}, ${family}_1, ${family}2… (names are case-sensitive)`
        : (scalar ?? `one of ${[...FAMILY_NAMES, ...SCALAR_NAMES].join(", ")}`);
    return [{ variable, value: undefined, problem: "not a setting of this function", accepted }];
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** A setting that works but is likely a mistake outside a test: logged once at cold start. */
export interface ConfigWarning {
  readonly variable: string;
  readonly warning: string;
}

/**
 * What in a valid configuration deserves a warning: a `localhost` domain, accepted for tests against a
 * local emulator, is never served by EdgeOne or CDN; a host in two EdgeOne zones, where EdgeOne adds
 * a domain to one site (zone) only, so one zone's purges of it fail or purge nothing.
 */
export function configWarnings(config: Config): ConfigWarning[] {
  const local = config.sites.flatMap((site) =>
    new URL(site.origin).hostname === LOCAL_HOST
      ? [
          {
            variable: site.variable,
            warning: `${site.origin} is not a public domain: purging it only makes sense against a local emulator`,
          },
        ]
      : [],
  );
  return [...local, ...hostsInTwoZones(config.sites)];
}

function hostsInTwoZones(sites: readonly Site[]): ConfigWarning[] {
  const zonesOf = new Map<string, Site[]>();
  for (const site of sites.filter((site) => site.provider === "edgeone")) {
    const host = new URL(site.origin).hostname;
    const seen = zonesOf.get(host) ?? [];
    if (!seen.some((other) => other.zoneId === site.zoneId)) zonesOf.set(host, [...seen, site]);
  }
  return [...zonesOf].flatMap(([host, inZones]) => {
    const [first, ...others] = inZones;
    if (first === undefined || others.length === 0) return [];
    const where = inZones.map((site) => `${site.zoneId} (${site.variable})`).join(" and ");
    return [
      {
        variable: others.map((site) => site.variable).join(", "),
        warning: `${host} is in ${inZones.length} zones, ${where}: an EdgeOne domain belongs to one zone, so the other zone's purges of it fail or purge nothing; list it under its own zone only`,
      },
    ];
  });
}

/**
 * Reads and validates the settings (see `SETTINGS`). Call once per cold start.
 *
 * @throws ConfigError listing every bad, missing or misspelt setting.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: ConfigProblem[] = [];
  const sites = parseSites(env, problems);
  if (sites.length === 0 && problems.length === 0) {
    problems.push({
      variable: "eoDomains / cdnHosts",
      value: undefined,
      problem: "no domain to purge is configured",
      accepted: "ZoneId plus eoDomains for EdgeOne, and/or cdnHosts for CDN",
    });
  }
  const texts = Object.fromEntries(
    SCALAR_NAMES.map((name) => {
      const text = env[name]?.trim();
      const blank = text === undefined || (text === "" && !BLANK_DISABLES.has(name));
      return [name, blank ? DOCS[name].default : text];
    }),
  );
  const scalars = SCALARS.safeParse(texts);
  for (const issue of scalars.error?.issues ?? []) {
    const variable = String(issue.path[0]) as Scalar;
    problems.push({
      variable,
      value: texts[variable],
      problem: issue.message,
      accepted: DOCS[variable].accepted,
    });
  }
  problems.push(...typoProblems(env));

  // A key pasted into a setting (eoDomains=<the SecretKey>) is quoted in the value and the problem: masked
  // by value, with the environment's own secrets, and any SecretId by its shape.
  const secrets = secretsIn(env);
  const [first, ...rest] = problems.map((found) => ({
    ...found,
    value: found.value === undefined ? undefined : maskSecrets(found.value, secrets),
    problem: maskSecrets(found.problem, secrets),
  }));
  if (first !== undefined || !scalars.success) {
    // A failed parse always left its issues among the problems, so `first` is defined here.
    throw new ConfigError([first as ConfigProblem, ...rest]);
  }
  const s = scalars.data;
  const config: Config = {
    sites,
    teoEndpoint: s.TEO_ENDPOINT,
    cdnEndpoint: s.CDN_ENDPOINT,
    cdnArea: s.CDN_AREA,
    keyPrefix: s.PURGE_KEY_PREFIX,
    include: s.PURGE_INCLUDE,
    exclude: s.PURGE_EXCLUDE,
    prefetch: s.PURGE_PREFETCH,
    prefetchArea: s.PURGE_PREFETCH_AREA || s.CDN_AREA || "global",
    purgeOn: s.PURGE_EVENTS,
    indexDocument: s.PURGE_INDEX_DOCUMENT,
    spellings: s.PURGE_URL_SPELLINGS,
    dryRun: s.PURGE_DRY_RUN,
    maxAttempts: s.PURGE_MAX_ATTEMPTS,
    requestTimeoutMs: s.PURGE_API_TIMEOUT_MS,
    mode: s.PURGE_MODE,
    windowMs: s.PURGE_WINDOW_MS,
    backlog: {
      bucket: s.PURGE_BACKLOG_BUCKET || undefined,
      region: s.PURGE_BACKLOG_REGION || undefined,
      prefix: s.PURGE_BACKLOG_PREFIX,
      endpoint: s.COS_ENDPOINT,
      alarmAgeMs: s.PURGE_BACKLOG_ALARM_HOURS * 3_600_000,
      alarmTries: s.PURGE_BACKLOG_ALARM_TRIES,
    },
    collapse: { minFiles: s.PURGE_COLLAPSE_MIN_FILES, allowRoot: s.PURGE_COLLAPSE_ROOT },
    logLevel: s.PURGE_LOG_LEVEL,
  };
  return deepFreeze(config);
}
