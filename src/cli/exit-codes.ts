/**
 * The exit codes every command shares, documented in `--help` and the README:
 *
 * | code | meaning |
 * | --- | --- |
 * | 0 | everything asked for was done |
 * | 1 | not done: a URL not purged (or only deferred to the backlog), a task failed, an API call failed, or the output could not be written |
 * | 2 | bad usage or configuration: an unknown flag, a missing value, a bad setting, an unreadable event |
 * | 3 | credentials or permission: none set, rejected, or the CAM policy lacks an action |
 *
 * Errors are recognised by their `code`, so this table needs none of the classes that throw them.
 */
export const EXIT = { done: 0, notDone: 1, usage: 2, credentials: 3 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The text `--help` shows for the codes. */
export const EXIT_HELP = `Exit codes:
  0  done
  1  not done: something was not purged (or only deferred to the backlog), a task failed,
     an API call failed, or the output could not be written
  2  bad usage or configuration (unknown flag, missing value, bad setting, unreadable event)
  3  credentials or permission (none set, rejected, or the CAM policy lacks an action)`;

/** Codes of errors that only new credentials or a wider CAM policy can fix. */
const CREDENTIALS =
  /^(MissingCredentials$|InvalidCredentials|AuthFailure|UnauthorizedOperation(?!\.OperationTooOften$))/;
/** Codes of a bad command line, setting or input. */
const USAGE = /^(UsageError|InvalidConfig|InvalidEvent|ERR_PARSE_ARGS_\w+)$/;

/** The exit code for a provider or project error code: credentials (3), usage (2), else not done (1). */
export function exitCodeForCode(code: string | undefined): ExitCode {
  if (code === undefined) return EXIT.notDone;
  if (CREDENTIALS.test(code)) return EXIT.credentials;
  if (USAGE.test(code)) return EXIT.usage;
  return EXIT.notDone;
}

/**
 * The exit code of a run that left `codes` (failure codes) behind: credentials when any of them is a
 * credentials or permission error (fixing that comes first), else not done; done when there are none.
 */
export function exitCodeForFailures(codes: readonly string[]): ExitCode {
  if (codes.length === 0) return EXIT.done;
  return codes.some((code) => exitCodeForCode(code) === EXIT.credentials) ? EXIT.credentials : EXIT.notDone;
}

/** The exit code for anything a command threw. */
export function exitCodeFor(error: unknown): ExitCode {
  const code = (error as { code?: unknown } | null)?.code;
  const failures = (error as { summary?: { failures?: { code: string }[] } } | null)?.summary?.failures;
  if (code === "PurgeIncomplete" && failures) {
    return Math.max(EXIT.notDone, exitCodeForFailures(failures.map((failure) => failure.code))) as ExitCode;
  }
  return exitCodeForCode(typeof code === "string" ? code : undefined);
}
