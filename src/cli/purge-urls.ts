/**
 * The URLs given to `cos-purge purge`: each in the lane of every configured site on its host, written
 * as clients request it.
 *
 * A cache is keyed by the URL a client sent, and no client sends a raw space, control character,
 * non-ASCII character or `"<>\`{}\` (urls.ts: every spelling encodes them). A URL typed with one
 * (`https://host/a b.png`) names no cached copy as given, so its path is spelled as the function spells
 * a key: once per configured spelling (PURGE_URL_SPELLINGS), each distinct URL once. A path that mixes
 * such characters with `%` escapes cannot be read either way, and is refused.
 */

import { laneOf } from "../foundation/lane";
import type { Config, PlannedTarget, TaskType } from "../foundation/model";
import { encodePath } from "../plan/urls";
import { UsageError } from "./args";

/** Code points no client sends raw in a URL (urls.ts `ALWAYS`, without `?` and `#`, which end the path). */
const NEVER_RAW = /[^\x21-\x7e]|["<>\\`{}]/u;
/** Origin, path, then the query and fragment. */
const PARTS = /^(https?:\/\/[^/?#]*)([^?#]*)(.*)$/is;

const asFolder = (path: string): string => (path === "" || path.endsWith("/") ? path : `${path}/`);

/**
 * `input` as clients request it: itself when a client could have sent it, else its path in each
 * configured spelling.
 *
 * @throws UsageError for a query or fragment with such characters, or a path that also holds `%`.
 * @example clientUrls("https://h/a b(1).png", ["chromium", "rfc3986"])
 * // ["https://h/a%20b(1).png", "https://h/a%20b%281%29.png"]
 */
export function clientUrls(input: string, spellings: Config["spellings"]): string[] {
  const [, origin = "", path = "", rest = ""] = PARTS.exec(input) ?? [];
  if (!NEVER_RAW.test(path) && !NEVER_RAW.test(rest)) return [input];
  if (NEVER_RAW.test(rest)) {
    throw new UsageError(
      `${JSON.stringify(input)}: the query or fragment holds a space or another character no client sends as is; write it percent-encoded, as a browser sends it.`,
    );
  }
  if (path.includes("%")) {
    throw new UsageError(
      `${JSON.stringify(input)}: the path mixes percent-escapes with raw characters no client sends (a space, non-ASCII...); give it fully encoded, as a browser sends it, or give the object key to purge every spelling.`,
    );
  }
  return [...new Set(spellings.map((spelling) => `${origin}${encodePath(path, spelling)}${rest}`))];
}

/** URLs as clients request them, each in the lane of every configured site on its host. */
export function urlTargets(urls: readonly string[], config: Config, type: TaskType): PlannedTarget[] {
  const targets = new Map<string, PlannedTarget>();
  for (const input of urls) {
    let host: string;
    try {
      host = new URL(input).hostname;
    } catch {
      throw new UsageError(`"${input}" is not a URL.`);
    }
    const sites = config.sites.filter((site) => new URL(site.origin).hostname === host);
    if (sites.length === 0) {
      const hosts = [...new Set(config.sites.map((site) => new URL(site.origin).hostname))].join(", ");
      throw new UsageError(
        `${input}: ${host} is not a configured domain (eoDomains*, cdnHosts*: ${hosts}), so its zone or area is unknown.`,
      );
    }
    for (const spelled of clientUrls(input, config.spellings)) {
      const url = type === "purge_prefix" ? asFolder(spelled) : spelled;
      for (const site of sites) {
        const scope = site.provider === "edgeone" ? (site.zoneId ?? "") : config.cdnArea;
        const id = `${laneOf({ provider: site.provider, scope, type })}\n${url}`;
        if (!targets.has(id)) targets.set(id, { provider: site.provider, scope, type, url, keys: [] });
      }
    }
  }
  return [...targets.values()];
}
