/**
 * Secrets never reach a log line, a summary, an Error message or the CLI's output. Two nets:
 *
 * - **By value.** The values of the environment's secret variables (every variable whose name says it
 *   holds one: `TENCENTCLOUD_SECRETID`, `_SECRETKEY`, `_SESSIONTOKEN`...), wherever they appear, whole
 *   and in pieces: a message may quote a value trimmed, split at a line break, or JSON-escaped (node-fetch
 *   says `<the whole token> is not a legal HTTP header value`). Read on every use, because SCF rotates
 *   the execution role's keys in the environment of a warm instance.
 * - **By shape.** Fields named like secrets, and SecretIds (`AKID…`) inside any text: keys that are not
 *   in this environment (an emulator's, one pasted into an event).
 */

type Env = Readonly<Record<string, string | undefined>>;

/** The variables SCF fills with the execution role's temporary keys (tencent-cloud.md §2). */
export const CREDENTIAL_VARIABLES = {
  SecretId: "TENCENTCLOUD_SECRETID",
  SecretKey: "TENCENTCLOUD_SECRETKEY",
  SessionToken: "TENCENTCLOUD_SESSIONTOKEN",
} as const;

/**
 * Names of fields and of environment variables whose values are secrets. It covers the credential
 * variables above and the SDK's own spellings (`TENCENTCLOUD_SECRET_KEY`), which a user may set by habit.
 */
export const SECRET_NAME = /secret|token|password|authorization|signature|credential/i;

/** A Tencent Cloud SecretId (AKID + 32 more characters) inside any text. */
const SECRET_ID = /AKID[A-Za-z0-9]{8,}/g;

/**
 * Shortest value or piece masked. Real keys are 32 characters and more; masking every "abc" a test sets
 * as its key would garble the output without hiding anything.
 */
const MIN_SECRET_CHARS = 8;

/** Where a value is cut into the pieces a message may quote apart: blanks, non-ASCII, and what JSON escapes. */
const PIECE_SEPARATOR = /[^\x21-\x7e]+|["\\]+/;

export const MASK = "***";

/**
 * The secret values of `env` and of `process.env`, and their pieces, longest first (so a whole value is
 * masked before its pieces). Pass the result to `redact` or `maskSecrets`.
 */
export function secretsIn(env: Env = process.env): readonly string[] {
  const found = new Set<string>();
  for (const source of env === process.env ? [env] : [env, process.env]) {
    for (const [name, value] of Object.entries(source)) {
      if (typeof value !== "string" || !SECRET_NAME.test(name)) continue;
      for (const piece of [value, value.trim(), ...value.split(PIECE_SEPARATOR)]) {
        if (piece.length >= MIN_SECRET_CHARS) found.add(piece);
      }
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** `text` with every secret value (see `secretsIn`) and every SecretId replaced by a mask. */
export function maskSecrets(text: string, secrets: readonly string[] = secretsIn()): string {
  let masked = text;
  for (const secret of secrets) {
    if (masked.includes(secret)) masked = masked.split(secret).join(MASK);
  }
  return masked.replace(SECRET_ID, "AKID***");
}

/** Deepest nesting written; below it an object shows as "[…]" (a deeply nested value cannot overflow the stack). */
const MAX_DEPTH = 8;

/**
 * A copy of `value` fit to be written out: secrets masked by value in every string, fields named like
 * secrets masked whatever they hold, Errors reduced to name and message, nesting cut at eight levels.
 */
export function redact(value: unknown, secrets: readonly string[] = secretsIn(), depth = 0): unknown {
  if (typeof value === "string") return maskSecrets(value, secrets);
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_DEPTH) return "[…]";
  if (value instanceof Error) return redact({ name: value.name, message: value.message }, secrets, depth + 1);
  if (Array.isArray(value)) return value.map((item) => redact(item, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      SECRET_NAME.test(key) && item !== null && item !== "" ? MASK : redact(item, secrets, depth + 1);
  }
  return out;
}
