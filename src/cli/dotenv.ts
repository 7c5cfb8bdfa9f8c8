/**
 * Reads `.env` from the current directory into the environment, without overriding variables that are
 * already set (the shell wins, as with every dotenv tool). Only `NAME=value` lines, `#` comments and
 * optional single or double quotes: the format `.env.example` uses. Node 18 has no `process.loadEnvFile`.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(line)) continue;
    const match = LINE.exec(line);
    if (!match?.[1]) continue;
    out[match[1]] = unquote(match[2] ?? "");
  }
  return out;
}

function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(value);
  if (quoted) return quoted[2] ?? "";
  // An unquoted value ends at a " #" comment.
  return value.replace(/\s+#.*$/, "");
}

/** Loads `<dir>/.env` if present; returns the names it set. */
export function loadDotenv(dir = process.cwd(), env: NodeJS.ProcessEnv = process.env): string[] {
  const file = resolve(dir, ".env");
  if (!existsSync(file)) return [];
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseDotenv(readFileSync(file, "utf8")))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}
