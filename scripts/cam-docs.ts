/**
 * The CAM documentation, generated from the permissions table in src/foundation/permissions.ts: one
 * least-privilege policy per provider and one for the backlog, as JSON files in docs/cam/ and as the
 * README's policy blocks. `npm run docs` writes them; test/unit/cam-docs.test.ts fails when any is stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  CDN_ACTIONS,
  COS_BUCKET_ACTIONS,
  COS_OBJECT_ACTIONS,
  POLICIES,
  type Policy,
  TEO_ACTIONS,
} from "../src/foundation/permissions";

const ROOT = resolve(__dirname, "..");
export const README = resolve(ROOT, "README.md");
export const POLICY_DIR = resolve(ROOT, "docs/cam");

export const policyJson = (policy: Policy): string => `${JSON.stringify(policy, null, 2)}\n`;

const actionRows = (service: string, table: Readonly<Record<string, string>>) =>
  Object.entries(table).map(
    ([action, use]) => `| \`${service}:${action}\` | ${use.replaceAll("|", "\\|")} |`,
  );

const block = (policy: Policy) => ["```json", policyJson(policy).trimEnd(), "```"].join("\n");

/** The execution role's provider policies, with what each action is for. */
export function renderProviderPolicies(): string {
  return [
    "| action | what needs it |",
    "| --- | --- |",
    ...actionRows("teo", TEO_ACTIONS),
    ...actionRows("cdn", CDN_ACTIONS),
    "",
    "EdgeOne ([docs/cam/edgeone.json](docs/cam/edgeone.json); one resource per zone you configure):",
    "",
    block(POLICIES["edgeone.json"]()),
    "",
    "CDN ([docs/cam/cdn.json](docs/cam/cdn.json)):",
    "",
    block(POLICIES["cdn.json"]()),
  ].join("\n");
}

/** The backlog's COS policy, with what each action is for. */
export function renderBacklogPolicy(): string {
  return [
    "| action | what needs it |",
    "| --- | --- |",
    ...actionRows("cos", COS_OBJECT_ACTIONS),
    ...actionRows("cos", COS_BUCKET_ACTIONS),
    "",
    "[docs/cam/backlog.json](docs/cam/backlog.json):",
    "",
    block(POLICIES["backlog.json"]()),
  ].join("\n");
}

/** The generated parts of the README, by their markers. */
export const SECTIONS = {
  "cam-providers": renderProviderPolicies,
  "cam-backlog": renderBacklogPolicy,
} as const;

/** `text` with each `<!-- name:start -->` ... `<!-- name:end -->` section generated anew. */
export function withCamSections(text: string): string {
  let out = text;
  for (const [name, render] of Object.entries(SECTIONS)) {
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} ... ${end} markers`);
    out = `${out.slice(0, from + start.length)}\n${render()}\n${out.slice(to)}`;
  }
  return out;
}

if (require.main === module) {
  writeFileSync(README, withCamSections(readFileSync(README, "utf8")));
  for (const [file, policy] of Object.entries(POLICIES)) {
    writeFileSync(resolve(POLICY_DIR, file), policyJson(policy()));
  }
  console.log("README.md (CAM policies) and docs/cam/*.json written from src/foundation/permissions.ts");
}
