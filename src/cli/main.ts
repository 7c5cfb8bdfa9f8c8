/**
 * `cos-purge`: the command line. Runs the function locally, explains what it would purge, and starts
 * the local API emulator. Logs go to stderr, results to stdout, so stdout can be piped into `jq`.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadDotenv } from "./dotenv";

const USAGE = `Usage: cos-purge <command> [options]

Commands:
  plan --event FILE      Print the URLs and API requests an event would cause, as JSON. Calls no API.
  invoke --event FILE    Run the handler on an event with the configuration in the environment
                         (and ./.env), and print its summary.
                         --timeout-ms N   the function's time limit (default 60000)
  emulator [--port N]    Start the local EdgeOne/CDN API emulator; prints its URL first (port 0 = any free port).
  demo                   Start the emulator in-process, send sample events through the handler,
                         and show what the emulator received. No account needed.

Configuration comes from environment variables; see .env.example.`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  plan: async (argv) => {
    const { values } = parseArgs({ args: argv, options: { event: { type: "string" } } });
    loadDotenv();
    const { planCommand } = await import("./plan-command");
    return planCommand(readEventFile(values.event));
  },
  invoke: async (argv) => {
    const { values } = parseArgs({
      args: argv,
      options: { event: { type: "string" }, "timeout-ms": { type: "string" } },
    });
    loadDotenv();
    const { invokeCommand } = await import("./invoke-command");
    return invokeCommand(readEventFile(values.event), parseTimeout(values["timeout-ms"]));
  },
  emulator: async (argv) => {
    const { emulatorCommand } = await import("../emulator/cli");
    await emulatorCommand(argv);
    return 0;
  },
  demo: async () => {
    const { demoCommand } = await import("./demo");
    return demoCommand();
  },
};

/** A mistake on the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

function readEventFile(path: string | undefined): unknown {
  if (!path)
    throw new UsageError("--event FILE is required: a JSON file holding the event SCF would deliver.");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`--event ${path}: cannot read the file (${(error as Error).message}).`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--event ${path}: not valid JSON (${(error as Error).message}).`);
  }
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return 60_000;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1_000 || ms > 900_000) {
    throw new UsageError(
      `--timeout-ms ${value}: expected whole milliseconds from 1000 to 900000 (SCF allows 1-900 s).`,
    );
  }
  return ms;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`cos-purge: unknown command "${name}".\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (error) {
    const usage =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`cos-purge ${name}: ${(error as Error).message}\n`);
    return usage ? 2 : 1;
  }
}

// Run when executed (dist/cli.js), not when imported by tests.
if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`cos-purge: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
