/**
 * The command line's own argument reader. Node's `parseArgs` refuses `--timeout-ms -5` as "ambiguous"
 * and has no way to name a missing value in our words; this one knows each command's options and
 * says which flag is wrong.
 *
 * - `--name value` and `--name=value`; a value may start with `-` when it is a number or `-` (stdin),
 *   so `--port -1` reaches the port check. A value that looks like another option (`--event --json`)
 *   is taken as a missing value.
 * - `--` ends the options; every later argument is positional, `-` included.
 * - `-h` is `--help`.
 * - An option that takes a value may be given once: `--event a.json --event b.json` is refused rather
 *   than silently reading one of them. A switch given twice is still one switch.
 */

/** A mistake on the command line (or in the input it names): exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly code = "UsageError";
}

export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** What the value is, for messages and help: `FILE`, `N`, `ID`. */
  readonly value?: string;
  /** One-letter alias, without the dash. */
  readonly short?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/** A value that may follow an option although it starts with a dash: `-` (stdin), `-5`, `-0.5`. */
const DASH_VALUE = /^-(?:\d|\.\d|$)/;

/**
 * Reads `argv` against `specs`.
 *
 * @throws UsageError naming the flag: unknown option, missing value, value given to a switch, or a
 * positional argument when `positionals` is false.
 * @example parseCommandLine(["--port", "-1"], { port: { type: "string" } }) // { values: { port: "-1" }, positionals: [] }
 */
export function parseCommandLine(
  argv: readonly string[],
  specs: OptionSpecs,
  positionals: boolean,
): ParsedArgs {
  const values: Record<string, string | boolean | undefined> = {};
  const rest: string[] = [];
  const shorts = new Map(
    Object.entries(specs).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])),
  );
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (arg === "--") {
      rest.push(...argv.slice(index + 1));
      break;
    }
    if (arg === "-" || !arg.startsWith("-")) {
      rest.push(arg);
      continue;
    }
    const long = arg.startsWith("--");
    const equals = arg.indexOf("=");
    const flag = long && equals > 0 ? arg.slice(0, equals) : arg;
    const name = long ? flag.slice(2) : shorts.get(flag.slice(1));
    const spec = name === undefined ? undefined : specs[name];
    if (name === undefined || spec === undefined) throw new UsageError(`unknown option ${flag}`);
    const inline = long && equals > 0 ? arg.slice(equals + 1) : undefined;
    if (spec.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value (got "${inline}")`);
      values[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[index + 1];
      if (next === undefined || (next.startsWith("-") && !DASH_VALUE.test(next))) {
        const got =
          next === undefined ? "" : ` (got the option ${next}; write ${flag}=${next} if that is the value)`;
        throw new UsageError(`${flag} needs a value${spec.value ? ` (${spec.value})` : ""}${got}`);
      }
      value = next;
      index += 1;
    }
    const earlier = values[name];
    if (typeof earlier === "string") {
      throw new UsageError(
        `--${name} is given twice ("${earlier}" and "${value}"); it takes one ${spec.value ?? "value"}`,
      );
    }
    values[name] = value;
  }
  if (!positionals && rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  return { values, positionals: rest };
}
