/**
 * One JSON object per line on stdout: SCF ships stdout to CLS, where each field is searchable.
 * Values that look like credentials are masked before anything is written (see `redact`).
 */

export type Level = "debug" | "info" | "warn" | "error";

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are secrets wherever they appear. */
const SECRET_FIELD = /secret|token|password|authorization|signature|credential/i;
/** A Tencent Cloud SecretId (AKID + 32 more characters) inside any text. */
const SECRET_ID = /AKID[A-Za-z0-9]{8,}/g;

/** Deepest nesting written; below it an object shows as "[…]" (a deeply nested value cannot overflow the stack). */
const MAX_DEPTH = 8;

/** Masks secrets in a value about to be logged: by field name, and SecretIds inside strings. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.replace(SECRET_ID, "AKID***");
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_DEPTH) return "[…]";
  if (value instanceof Error) return redact({ name: value.name, message: value.message }, depth + 1);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_FIELD.test(key) && item !== null && item !== "" ? "***" : redact(item, depth + 1);
  }
  return out;
}

export interface LoggerOptions {
  /** Lowest level written; default "info". */
  level?: Level;
  /** Where lines go; default stdout. The CLI sends logs to stderr so stdout holds only its JSON. */
  write?: (line: string) => void;
  /** Fields added to every line (the SCF request id). */
  base?: Fields;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.base ?? {};
  const emit = (level: Level, msg: string, fields?: Fields) => {
    if (LEVELS[level] < threshold) return;
    let line: string;
    try {
      line = JSON.stringify(redact({ level, msg, ...base, ...fields }));
    } catch (error) {
      // A field JSON cannot hold (a BigInt): the line still says what happened, and logging never throws.
      line = JSON.stringify(redact({ level, msg, ...base, logError: String(error) }));
    }
    write(line);
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
  };
}

/** A logger that drops everything (tests of pure stages that take a logger). */
export const silentLogger: Logger = createLogger({ write: () => {} });
