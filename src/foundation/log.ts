/**
 * One JSON object per line on stdout: SCF ships stdout to CLS, where each field is searchable.
 * Secrets are masked before anything is written (see redact.ts).
 */
import { redact, secretsIn } from "./redact";

export { redact } from "./redact";

export type Level = "debug" | "info" | "warn" | "error";

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  /** Lowest level written; default "info". */
  level?: Level;
  /** Where lines go; default stdout. The CLI sends logs to stderr so stdout holds only its JSON. */
  write?: (line: string) => void;
  /** Fields added to every line (the SCF request id). */
  base?: Fields;
  /** Environment whose secret values are masked, besides `process.env` (the handler's, when given one). */
  env?: Readonly<Record<string, string | undefined>>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.base ?? {};
  const emit = (level: Level, msg: string, fields?: Fields) => {
    if (LEVELS[level] < threshold) return;
    // Read per line: the keys in the environment rotate on a warm instance.
    const secrets = secretsIn(options.env);
    let line: string;
    try {
      line = JSON.stringify(redact({ level, msg, ...base, ...fields }, secrets));
    } catch (error) {
      // A field JSON cannot hold (a BigInt): the line still says what happened, and logging never throws.
      line = JSON.stringify(redact({ level, msg, ...base, logError: String(error) }, secrets));
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
