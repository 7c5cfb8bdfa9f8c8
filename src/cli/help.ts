/**
 * What `cos-purge --help` and `cos-purge <command> --help` print: each command's summary, usage line and
 * help text. main.ts pairs each with the command's options and what it runs.
 */
import { EXIT_HELP } from "./exit-codes";

/** A command's texts. */
export interface CommandText {
  /** One line for `cos-purge --help`. */
  readonly summary: string;
  readonly usage: string;
  /** The rest of `cos-purge <command> --help` after the usage line: what it does, options, examples. */
  readonly help: string;
}

const CONFIGURATION = `Configuration: environment variables, and ./.env if present (the shell wins); see .env.example.
Credentials: TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY (and TENCENTCLOUD_SESSIONTOKEN for temporary keys).
TEO_ENDPOINT / CDN_ENDPOINT point it at the local emulator (cos-purge emulator) instead of Tencent Cloud.`;

const EMULATOR_ENV =
  "ZoneId=zone-emulator eoDomains=www.example.com TEO_ENDPOINT=http://127.0.0.1:8080 \\\n" +
  "    TENCENTCLOUD_SECRETID=AKIDEMULATOR00000000000000000000000 TENCENTCLOUD_SECRETKEY=emulator-secret-key \\\n   ";

/** Every command's texts, in the order `cos-purge --help` lists them. */
export const COMMAND_TEXTS = {
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
  },
} as const satisfies Readonly<Record<string, CommandText>>;

export type CommandName = keyof typeof COMMAND_TEXTS;

/** `cos-purge --help`: every command with its summary. */
export const USAGE = `Usage: cos-purge <command> [options]     (cos-purge <command> --help for each)

Commands:
${Object.entries(COMMAND_TEXTS)
  .map(([name, text]) => `  ${name.padEnd(9)} ${text.summary}`)
  .join("\n")}

${CONFIGURATION}

${EXIT_HELP}`;

/** `cos-purge <command> --help`. */
export function commandHelp(text: CommandText): string {
  return `Usage: ${text.usage}\n\n${text.help}\n\n${CONFIGURATION}\n\n${EXIT_HELP}\n`;
}
