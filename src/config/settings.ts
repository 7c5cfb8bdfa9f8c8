/**
 * Every setting's documentation (`SETTINGS`), from which the README's table and `.env.example` are
 * generated (`npm run docs`). Typed by the names of the schemas (schemas.ts): a setting cannot go
 * undocumented, nor a documentation row lack its setting.
 */
import type { Family, Scalar } from "./schemas";

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
      "How an invocation purges: direct at once (leftovers to the backlog); queue only to the backlog, drained within PURGE_WINDOW_MS; auto at once unless the rate limit refused this instance lately or several instances are busy at once (events waiting for each), which together would exceed it.",
  },
  PURGE_WINDOW_MS: {
    default: "3000",
    accepted: "a whole number of milliseconds from 200 to 60000",
    description:
      "How soon queued work is drained: one invocation per window waits this long (a sixth of it in auto mode), more while uploads keep coming (up to 2 windows in auto mode, 20 in queue mode, holding partial batches back), then purges everything queued.",
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
