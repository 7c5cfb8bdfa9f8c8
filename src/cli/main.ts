/**
 * `cos-purge`: the command line. Purges by hand, reads quotas and tasks, runs the function locally,
 * explains what it would purge, and starts the local API emulator. Results go to stdout (only JSON
 * with `--json`), logs and progress to stderr, so stdout can be piped into `jq`.
 */
import { type OptionSpecs, type ParsedArgs, parseCommandLine, UsageError } from "./args";
import { loadDotenv } from "./dotenv";
import { EXIT, EXIT_HELP, exitCodeFor } from "./exit-codes";
import { finalExitCode, guardOutput, out, toStderr } from "./output";

interface Command {
  /** One line for `cos-purge --help`. */
  readonly summary: string;
  /** The rest of `cos-purge <command> --help` after the usage line: what it does, options, examples. */
  readonly help: string;
  readonly usage: string;
  readonly options: OptionSpecs;
  readonly positionals?: boolean;
  run(args: ParsedArgs): Promise<number>;
}

const HELP = { help: { type: "boolean", short: "h" } } as const;
const JSON_OPTION = { json: { type: "boolean" } } as const;

const CONFIGURATION = `Configuration: environment variables, and ./.env if present (the shell wins); see .env.example.
Credentials: TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY (and TENCENTCLOUD_SESSIONTOKEN for temporary keys).
TEO_ENDPOINT / CDN_ENDPOINT point it at the local emulator (cos-purge emulator) instead of Tencent Cloud.`;

const EMULATOR_ENV =
  "ZoneId=zone-emulator eoDomains=www.example.com TEO_ENDPOINT=http://127.0.0.1:8080 \\\n" +
  "    TENCENTCLOUD_SECRETID=AKIDEMULATOR00000000000000000000000 TENCENTCLOUD_SECRETKEY=emulator-secret-key \\\n   ";

const COMMANDS: Record<string, Command> = {
  purge: {
    summary: "Purge objects, URLs or folders now, planned and batched as the function does.",
    usage: "cos-purge purge [--prefix] [--dry-run] [--json] KEY|URL...   (or one per line on stdin)",
    help: `Object keys (img/a.png) are purged exactly as an upload event would purge them: every configured
domain, every spelling clients request it by (up to six: Chrome, Firefox, Safari, Python, per-segment
encoding, RFC 3986), dir/ for dir/index.html, PURGE_KEY_PREFIX and PURGE_INCLUDE/EXCLUDE, batching to
the provider's quota, retries. URLs (https://...) are purged in the zone or area of the configured
domain with their host, written as a browser sends them (a space becomes %20). With no KEY or URL, they are read from stdin, one per line.
It purges now whatever PURGE_MODE says; what is left over goes to the backlog only when
PURGE_BACKLOG_BUCKET and PURGE_BACKLOG_REGION are set (and then exits 1 until a drain purges it).

Options:
  --prefix         purge folders (purge_prefix; CDN PurgePathCache): a key folder (img/) on every
                   domain, or a folder URL; a missing trailing / is added
  --dry-run        print the plan (targets and requests) and call no API
  --json           print the result as JSON (with --dry-run, the plan as \`cos-purge plan\` does)
  --timeout-ms N   give up on what is not submitted after N ms (default 600000)
  -h, --help       this help

A progress line (count, rate, ETA) is shown on stderr when it is a terminal.

Examples:
  cos-purge purge 'img/a b.png' docs/index.html
  cos-purge purge https://www.example.com/app.js
  cos-purge purge --prefix img/2026/
  coscli ls cos://bucket-1250000000/img/ | awk '{print $1}' | cos-purge purge --json
  cos-purge purge --dry-run --json img/a.png | jq '.requests'`,
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
    summary: "Today's purge and prefetch quotas per EdgeOne zone and CDN area.",
    usage: "cos-purge quota [--json]",
    help: `Asks each configured EdgeOne zone (DescribeContentQuota) and CDN (DescribePurgeQuota,
DescribePushQuota; every area unless CDN_AREA is set) for the quota of each task type: the most
targets per request (batch), per day (daily), and what is left today (resets at 00:00 UTC+8).

Options:
  --json       a list of {"provider","zoneId"?,"area"?,"type","batch","daily","dailyAvailable"}
  -h, --help   this help

Examples:
  cos-purge quota
  cos-purge quota --json | jq '.[] | select(.dailyAvailable < 1000)'`,
    options: { ...HELP, ...JSON_OPTION },
    run: async ({ values }) => {
      loadDotenv();
      const { quotaCommand } = await import("./quota-command");
      return quotaCommand({ json: values.json === true });
    },
  },
  tasks: {
    summary: "Recent purge and prefetch tasks with their status, failed ones first.",
    usage: "cos-purge tasks [--job ID] [--since 24h] [--failed] [--json]",
    help: `Reads the tasks of each configured EdgeOne zone (DescribePurgeTasks, DescribePrefetchTasks) and of
CDN (DescribePurgeTasks, DescribePushTasks): one row per target, failed ones first, newest first.

Options:
  --job ID        only the task with this EdgeOne JobId or CDN TaskId (as purge prints it)
  --since WHEN    tasks created since: 90s, 30m, 1h, 2d, or a date (default 24h, at most 7d)
  --failed        only tasks that failed, timed out, were canceled or invalid
  --json          a list of {"provider","zoneId"?,"area"?,"taskId","target","type","status","createdAt","failType"?}
  -h, --help      this help

Exit code 1 when a listed task failed, or --job names no task, so \`cos-purge tasks --job ID\` checks a purge.

Examples:
  cos-purge tasks --since 1h
  cos-purge tasks --failed --json | jq -r '.[].target'`,
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
    summary: "What waits in the backlog, per lane and reason; `backlog drain` drains it now.",
    usage: "cos-purge backlog [drain [--dry-run]] [--json] [--timeout-ms N]",
    help: `Lists the purges waiting in the backlog (PURGE_BACKLOG_BUCKET, PURGE_BACKLOG_REGION and
PURGE_BACKLOG_PREFIX, which the CLI needs set, having no triggering event): targets and entries per
provider, zone or area, type and reason, the oldest age and the most failed drains. With "drain", drains
it now exactly as the timer trigger does (under the same lease: if a drain is running, it says so).
With --dry-run, or PURGE_DRY_RUN set, it only says what the drain would submit, per lane.

Options:
  --json           {"entries","targets","oldestAgeMs","lanes":[...],"unconfirmed","unreadable"};
                   with drain, the drain's report
  --timeout-ms N   drain: stop submitting after N ms, 1000 to 900000 (default 300000)
  --dry-run        drain: list the targets it would submit per lane; no lease, no API call, no write
  -h, --help       this help

Exit code (drain): 0 when the backlog is empty after it, 1 while targets still wait; on Ctrl-C
(SIGINT) or SIGTERM it releases the lease first, then exits 130 or 143.

Examples:
  cos-purge backlog
  cos-purge backlog --json | jq '.oldestAgeMs / 3600000'
  cos-purge backlog drain --dry-run
  cos-purge backlog drain`,
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
    summary: "Print, as JSON, the URLs and API requests an event would cause. Calls no API.",
    usage: "cos-purge plan --event FILE",
    help: `Runs the event through the function's planning (the same settings) and prints the targets
(provider, zoneId or area, type, target), the requests they would go out in, and the records
skipped or malformed, with the reason. Requests use the providers' default batch sizes.

Options:
  --event FILE   the event as SCF delivers it (COS, CKafka or timer); - reads stdin
  --json         accepted for symmetry: the output is always JSON
  -h, --help     this help

Examples:
  cos-purge plan --event event.json | jq '.targets[].target'
  cat event.json | cos-purge plan --event -`,
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
    summary: "Run the function's handler on an event and print its summary (JSON).",
    usage: "cos-purge invoke --event FILE [--timeout-ms N]",
    help: `Runs the real handler, as SCF would, with the configuration of the environment, and prints its
summary as JSON. Exits 1 (or 3 for credentials) when anything was not purged, as SCF would fail it.

Options:
  --event FILE     the event as SCF delivers it; - reads stdin
  --timeout-ms N   the function's time limit, 1000 to 900000 (default 60000)
  --json           accepted for symmetry: the output is always JSON
  -h, --help       this help

Examples:
  ${EMULATOR_ENV} cos-purge invoke --event event.json`,
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
    summary: "Start the local EdgeOne/CDN/COS API emulator; prints its URL first.",
    usage: "cos-purge emulator [--port N]",
    help: `Serves the EdgeOne (teo) and CDN APIs, and the COS XML API (the backlog's bucket), on 127.0.0.1 until
Ctrl-C or SIGTERM. The first line of stdout is its base URL (nothing else goes to stdout); each API call
is logged to stderr as a JSON line. Point the function or the CLI at it with TEO_ENDPOINT, CDN_ENDPOINT
and COS_ENDPOINT (docs/emulator.md).

Options:
  --port N     port to listen on, 0 to 65535 (default 0: any free port)
  -h, --help   this help

Examples:
  cos-purge emulator --port 8080 &
  url=$(cos-purge emulator | head -n1)`,
    options: { ...HELP, port: { type: "string", value: "N" } },
    run: async ({ values }) => {
      const { emulatorCommand } = await import("../emulator/cli");
      await emulatorCommand(typeof values.port === "string" ? [`--port=${values.port}`] : []);
      return EXIT.done;
    },
  },
  demo: {
    summary: "Send sample events through the handler against the embedded emulator. No account needed.",
    usage: "cos-purge demo [--json]",
    help: `Starts the emulator in-process, sends four samples through the real handler and SDKs (an upload,
an index.html, a delete, and a burst of uploads queued in the backlog and drained), and shows what the
emulator received. What \`npm run demo\` runs.

Options:
  --json       each sample's title, summary and the calls the emulator received, as JSON
  -h, --help   this help

Examples:
  cos-purge demo
  cos-purge demo --json | jq '.[] | {title, purged: .summary.purged}'`,
    options: { ...HELP, ...JSON_OPTION },
    run: async ({ values }) => {
      const { demoCommand } = await import("./demo");
      return demoCommand({ json: values.json === true });
    },
  },
};

const USAGE = `Usage: cos-purge <command> [options]     (cos-purge <command> --help for each)

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(9)} ${command.summary}`)
  .join("\n")}

${CONFIGURATION}

${EXIT_HELP}`;

function commandHelp(command: Command): string {
  return `Usage: ${command.usage}\n\n${command.help}\n\n${CONFIGURATION}\n\n${EXIT_HELP}\n`;
}

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
