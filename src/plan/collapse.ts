/**
 * Directory collapse: many URLs under one folder become one folder purge.
 *
 * A site deploy uploads thousands of files under a few folders. Purged one URL each, it spends
 * thousands of the 10,000 URL units a day; purged as folders (EdgeOne `purge_prefix`, which by default
 * invalidates: the edge revalidates with the origin, a 304 where nothing changed; CDN `PurgePathCache`
 * with `FlushType: flush`), it spends a handful of the folder quota (CDN: 100 a day). The price is
 * precision: everything cached under the folder is revalidated. So collapse is opt-in, takes the
 * deepest folders that qualify, and never takes a domain's root unless allowed.
 */

export interface CollapseSettings {
  /** A folder collapses when at least this many of the targets lie under it (below deeper collapsed folders). */
  readonly minFiles: number;
  /** Whether a domain root (`https://host/`) may be collapsed: it revalidates the whole site. */
  readonly allowRoot: boolean;
}

export interface CollapseLimits {
  /** Folder purges possible now (today's prefix quota left); folders beyond it are merged upwards. */
  readonly maxPrefixes: number;
  /** URL purges possible now; when the targets left exceed it, smaller folders collapse too. */
  readonly urlRoom: number;
}

export interface CollapsedFolder {
  /** Folder URL, ending in `/`. */
  readonly prefix: string;
  /** The targets it stands for. */
  readonly targets: string[];
}

export interface CollapseResult {
  readonly prefixes: CollapsedFolder[];
  /** Targets still purged one by one. */
  readonly rest: string[];
}

/** `https://h/a/b/c.png` → `["https://h/", "https://h/a/", "https://h/a/b/"]`, deepest last. */
export function foldersOf(url: string): string[] {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return [];
  const folders: string[] = [];
  for (let at = start; at >= 0 && at < url.length - 1; at = url.indexOf("/", at + 1)) {
    folders.push(url.slice(0, at + 1));
  }
  return folders;
}

const depth = (folder: string): number => folder.split("/").length;
const isRoot = (folder: string): boolean => depth(folder) === 4; // "https:", "", host, ""

/**
 * Chooses folder purges for a lane's URL targets (see the module comment).
 *
 * 1. The deepest folders holding at least `minFiles` targets not already under a chosen deeper folder.
 * 2. While more folders are chosen than `maxPrefixes` allows, the deepest chosen ones are replaced by
 *    their common parent.
 * 3. While the targets left exceed `urlRoom`, the folders covering most of them collapse too.
 *
 * @example
 * collapseTargets(["https://h/assets/a.js", "https://h/assets/b.js", "https://h/index.html"],
 *   { minFiles: 2, allowRoot: false }, { maxPrefixes: 10, urlRoom: 100 })
 * // { prefixes: [{ prefix: "https://h/assets/", targets: [a.js, b.js] }], rest: ["https://h/index.html"] }
 */
export function collapseTargets(
  targets: readonly string[],
  settings: CollapseSettings,
  limits: CollapseLimits,
): CollapseResult {
  if (settings.minFiles <= 0 || limits.maxPrefixes <= 0) return { prefixes: [], rest: [...targets] };
  const allowed = (folder: string) => settings.allowRoot || !isRoot(folder);
  const under = new Map<string, string[]>();
  for (const target of targets) {
    // A folder target (ending in /) is under its parents only, not under itself.
    for (const folder of foldersOf(target)) {
      if (folder === target) continue;
      const list = under.get(folder);
      if (list === undefined) under.set(folder, [target]);
      else list.push(target);
    }
  }

  let chosen = chooseDeepest(under, settings.minFiles, allowed);
  chosen = mergeUpwards(chosen, limits.maxPrefixes, allowed, under);
  const covered = (chosenSet: readonly string[]) => {
    const set = new Set<string>();
    for (const folder of chosenSet) for (const target of under.get(folder) ?? []) set.add(target);
    return set;
  };
  // URL quota short: collapse the folders that cover most of the remaining targets, while prefixes last.
  let done = covered(chosen);
  if (targets.length - done.size > limits.urlRoom) {
    const candidates = [...under.keys()]
      .filter((folder) => allowed(folder) && !chosen.some((c) => folder.startsWith(c)))
      .map((folder) => ({ folder, gain: (under.get(folder) ?? []).filter((t) => !done.has(t)).length }))
      .filter((candidate) => candidate.gain >= 2)
      .sort((a, b) => b.gain - a.gain || depth(b.folder) - depth(a.folder));
    for (const { folder } of candidates) {
      if (targets.length - done.size <= limits.urlRoom || chosen.length >= limits.maxPrefixes) break;
      if (chosen.some((c) => folder.startsWith(c))) continue;
      // A chosen folder below this one is now redundant.
      chosen = [...chosen.filter((c) => !c.startsWith(folder)), folder];
      done = covered(chosen);
    }
  }

  const prefixes = chosen
    .map((prefix) => ({ prefix, targets: (under.get(prefix) ?? []).slice() }))
    .sort((a, b) => (a.prefix < b.prefix ? -1 : 1));
  const taken = covered(chosen);
  return { prefixes, rest: targets.filter((target) => !taken.has(target)) };
}

/** Step 1: deepest first, a folder qualifies on the targets no deeper chosen folder took. */
function chooseDeepest(
  under: ReadonlyMap<string, readonly string[]>,
  minFiles: number,
  allowed: (folder: string) => boolean,
): string[] {
  const folders = [...under.keys()].sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : 1));
  const taken = new Set<string>();
  const chosen: string[] = [];
  for (const folder of folders) {
    if (!allowed(folder)) continue;
    const free = (under.get(folder) ?? []).filter((target) => !taken.has(target));
    if (free.length < minFiles) continue;
    chosen.push(folder);
    for (const target of free) taken.add(target);
  }
  // A folder chosen above chosen subfolders covers them: keep only the outermost of each chain.
  return chosen.filter((folder) => !chosen.some((other) => other !== folder && folder.startsWith(other)));
}

/** Step 2: fewer folders than the prefix quota allows, by merging the deepest into their parents. */
function mergeUpwards(
  chosen: string[],
  maxPrefixes: number,
  allowed: (folder: string) => boolean,
  under: ReadonlyMap<string, readonly string[]>,
): string[] {
  let current = chosen;
  while (current.length > maxPrefixes) {
    const deepest = current.reduce((best, folder) => (depth(folder) > depth(best) ? folder : best));
    const parents = foldersOf(deepest.slice(0, -1));
    const parent = parents.at(-1);
    if (parent === undefined || !allowed(parent)) {
      // Cannot go higher: keep the folders that cover most, the rest go back to URLs.
      const size = (folder: string) => under.get(folder)?.length ?? 0;
      return [...current].sort((a, b) => size(b) - size(a)).slice(0, maxPrefixes);
    }
    current = [...current.filter((folder) => !folder.startsWith(parent)), parent];
  }
  return current;
}
