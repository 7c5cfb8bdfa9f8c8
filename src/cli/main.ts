/**
 * `cos-purge`: the command line. Purges by hand, reads quotas and tasks, runs the function locally,
 * explains what it would purge, and starts the local API emulator. Results go to stdout (only JSON
 * with `--json`), logs and progress to stderr, so stdout can be piped into `jq`.
 */
import { type OptionSpecs, type ParsedArgs, parseCommandLine, UsageError } from "./args";
import { loadDotenv } from "./dotenv";
import { EXIT, exitCodeFor } from "./exit-codes";
import { COMMAND_TEXTS, type CommandName, type CommandText, commandHelp, USAGE } from "./help";
import { finalExitCode, guardOutput, out, toStderr } from "./output";

interface Command extends CommandText {
  readonly options: OptionSpecs;
  readonly positionals?: boolean;
  run(args: ParsedArgs): Promise<number>;
}

const HELP = { help: { type: "boolean", short: "h" } } as const;
const JSON_OPTION = { json: { type: "boolean" } } as const;

/** Every command; `satisfies` keeps it and help.ts naming the same ones. */
const COMMANDS: Readonly<Record<string, Command>> = {
  purge: {
    ...COMMAND_TEXTS.purge,
    options: {
      ...HELP,
      ...JSON_OPTION,
      prefix: { type: "boolean" },
      "dry-run": { type: "boolean" },
      "timeout-ms": { type: "string", value: "N" },
    },
    positionals: true,
    run: async ({ values, positionals }) => {
      const timeLimitMs = parseTimeout(values["timeout-ms"], 600_000, 86_400_000);
      loadDotenv();
      const inputs = await readInputs(positionals);
      const { purgeCommand } = await import("./purge-command");
      return purgeCommand({
        inputs,
        prefix: values.prefix === true,
        dryRun: values["dry-run"] === true,
        json: values.json === true,
        timeLimitMs,
      });
    },
  },
  quota: {
    ...COMMAND_TEXTS.quota,
    options: { ...HELP, ...JSON_OPTION },
    run: async ({ values }) => {
      loadDotenv();
      const { quotaCommand } = await import("./quota-command");
      return quotaCommand({ json: values.json === true });
    },
  },
  tasks: {
    ...COMMAND_TEXTS.tasks,
    options: {
      ...HELP,
      ...JSON_OPTION,
      job: { type: "string", value: "ID" },
      since: { type: "string", value: "WHEN" },
      failed: { type: "boolean" },
    },
    run: async ({ values }) => {
      const { parseSince, tasksCommand } = await import("./tasks-command");
      const since = parseSince(typeof values.since === "string" ? values.since : "24h", Date.now());
      loadDotenv();
      return tasksCommand({
        json: values.json === true,
        since,
        failedOnly: values.failed === true,
        ...(typeof values.job === "string" ? { job: values.job } : {}),
      });
    },
  },
  backlog: {
    ...COMMAND_TEXTS.backlog,
    options: {
      ...HELP,
      ...JSON_OPTION,
      "timeout-ms": { type: "string", value: "N" },
      "dry-run": { type: "boolean" },
    },
    positionals: true,
    run: async ({ values, positionals }) => {
      const [action, ...extra] = positionals;
      if ((action !== undefined && action !== "drain") || extra.length > 0) {
        throw new UsageError(
          `unknown argument "${[action, ...extra].join(" ")}": expected nothing or "drain".`,
        );
      }
      // No lease outlives SCF's maximum time limit (lease.ts MAX_HOLD_MS), nor may a drain holding one.
      const timeLimitMs = parseTimeout(values["timeout-ms"], 300_000, 900_000);
      loadDotenv();
      const { backlogCommand, backlogDrainCommand } = await import("./backlog-command");
      const json = values.json === true;
      const dryRun = values["dry-run"] === true;
      if (dryRun && action !== "drain")
        throw new UsageError('--dry-run goes with "drain" (backlog drain --dry-run).');
      return action === "drain"
        ? backlogDrainCommand({ json, timeLimitMs, dryRun })
        : backlogCommand({ json });
    },
  },
  plan: {
    ...COMMAND_TEXTS.plan,
    options: { ...HELP, ...JSON_OPTION, event: { type: "string", value: "FILE" } },
    run: async ({ values }) => {
      const { readEvent } = await import("./input");
      const event = await readEvent(values.event);
      loadDotenv();
      const { planCommand } = await import("./plan-command");
      return planCommand(event);
    },
  },
  invoke: {
    ...COMMAND_TEXTS.invoke,
    options: {
      ...HELP,
      ...JSON_OPTION,
      event: { type: "string", value: "FILE" },
      "timeout-ms": { type: "string", value: "N" },
    },
    run: async ({ values }) => {
      const timeLimitMs = parseTimeout(values["timeout-ms"], 60_000, 900_000);
      const { readEvent } = await import("./input");
      const event = await readEvent(values.event);
      loadDotenv();
      const { invokeCommand } = await import("./invoke-command");
      return invokeCommand(event, timeLimitMs);
    },
  },
  emulator: {
    ...COMMAND_TEXTS.emulator,
    options: { ...HELP, port: { type: "string", value: "N" } },
    run: async ({ values }) => {
      const { emulatorCommand } = await import("../emulator/cli");
      await emulatorCommand(typeof values.port === "string" ? [`--port=${values.port}`] : []);
      return EXIT.done;
    },
  },
  demo: {
    ...COMMAND_TEXTS.demo,
    options: { ...HELP, ...JSON_OPTION },
    run: async ({ values }) => {
      const { demoCommand } = await import("./demo");
      return demoCommand({ json: values.json === true });
    },
  },
} satisfies Record<CommandName, Command>;

function parseTimeout(value: string | boolean | undefined, fallback: number, max: number): number {
  if (typeof value !== "string") return fallback;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms < 1_000 || ms > max) {
    throw new UsageError(`--timeout-ms ${value}: expected whole milliseconds from 1000 to ${max}.`);
  }
  return ms;
}

/** The keys and URLs of `purge`: the arguments, or stdin's lines when there are none (or just `-`). */
async function readInputs(positionals: readonly string[]): Promise<string[]> {
  if (positionals.length > 0 && !(positionals.length === 1 && positionals[0] === "-"))
    return [...positionals];
  if (process.stdin.isTTY) {
    throw new UsageError("give the keys or URLs to purge as arguments, or one per line on stdin.");
  }
  const { nonBlankLines, readStdin } = await import("./input");
  const lines = nonBlankLines(await readStdin());
  if (lines.length === 0) throw new UsageError("no key or URL to purge: the arguments and stdin are empty.");
  return lines;
}

/** Our errors' messages may start with the project's name; the CLI's prefix already says it. */
const withoutPrefix = (message: string): string => message.replace(/^cos-purge: /, "");

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return EXIT.usage;
  }
  if (name === "help" || name === "--help" || name === "-h") {
    const topic = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    out(topic ? commandHelp(topic) : `${USAGE}\n`);
    return EXIT.done;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`cos-purge: unknown command "${name}".\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  try {
    const args = parseCommandLine(rest, command.options, command.positionals ?? false);
    if (args.values.help) {
      out(commandHelp(command));
      return EXIT.done;
    }
    return await command.run(args);
  } catch (error) {
    const code = exitCodeFor(error);
    toStderr(`cos-purge ${name}: ${withoutPrefix((error as Error).message ?? String(error))}`);
    if (code === EXIT.usage && error instanceof UsageError)
      toStderr(`Run "cos-purge ${name} --help" for usage.`);
    // A bug's stack helps only whoever debugs it.
    if (process.env.PURGE_LOG_LEVEL === "debug" && error instanceof Error && error.stack)
      toStderr(error.stack);
    return code;
  }
}

// Run when executed (dist/cli.js), not when imported by tests.
if (require.main === module) {
  guardOutput();
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = finalExitCode(code);
    },
    (error: unknown) => {
      toStderr(`cos-purge: ${(error as Error).message ?? String(error)}`);
      process.exitCode = EXIT.notDone;
    },
  );
}
