/**
 * The settings documentation, generated from the one table in src/config/settings.ts: the README's
 * configuration table and `.env.example`. `npm run docs` writes both; test/unit/settings-docs.test.ts
 * fails when either is stale, so a new setting cannot go undocumented.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { SETTINGS, type SettingDoc } from "../src/config/settings";

const ROOT = resolve(__dirname, "..");
const README = resolve(ROOT, "README.md");
const ENV_EXAMPLE = resolve(ROOT, ".env.example");
const START = "<!-- settings:start -->";
const END = "<!-- settings:end -->";

/** Settings that have no default: a deployment sets at least one domain family. */
const DOMAIN_SETTINGS = new Set(["ZoneId", "eoDomains", "cdnHosts"]);

const cell = (text: string) => text.replaceAll("|", "\\|");
const shown = (value: string) => (value === "" ? "(empty)" : `\`${value}\``);

export function renderSettingsTable(settings: readonly SettingDoc[] = SETTINGS): string {
  const rows = settings.map(
    (setting) =>
      `| \`${setting.name}\` | ${cell(setting.description)} | ${cell(setting.accepted)} | ${shown(setting.default)} |`,
  );
  return ["| setting | what it does | accepted | default |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

export function renderEnvExample(settings: readonly SettingDoc[] = SETTINGS): string {
  const header = [
    "# cos-purge settings. On SCF, set them as the function's environment variables; locally, copy this",
    "# file to .env for `cos-purge plan` and `cos-purge invoke`. Variables already set in the shell win.",
    "#",
    "# Credentials are not settings: SCF injects TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY and",
    "# TENCENTCLOUD_SESSIONTOKEN from the execution role. Locally, export them in your shell.",
    "#",
    "# Settings with a default are commented out: uncomment to change them.",
  ];
  const blocks = settings.map((setting) => {
    const lines = [`# ${setting.description}`, `# Accepted: ${setting.accepted}.`];
    if (DOMAIN_SETTINGS.has(setting.name)) return [...lines, `${setting.name}=`].join("\n");
    return [...lines, `# ${setting.name}=${setting.default}`].join("\n");
  });
  return `${[header.join("\n"), ...blocks].join("\n\n")}\n`;
}

/** The README with its settings table replaced by the generated one. */
export function withSettingsTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${renderSettingsTable()}\n${readme.slice(end)}`;
}

export const DOC_FILES = { README, ENV_EXAMPLE } as const;

if (require.main === module) {
  writeFileSync(README, withSettingsTable(readFileSync(README, "utf8")));
  writeFileSync(ENV_EXAMPLE, renderEnvExample());
  console.log("README.md (configuration table) and .env.example written from src/config/settings.ts");
}
