/**
 * Where the CLI writes: results on stdout (only JSON with `--json`), logs and progress on stderr.
 *
 * stdout may be a pipe that closes early (`cos-purge plan ... | head -c100`) or a full disk: a closed
 * pipe ends the output quietly (the reader asked for no more), any other write error is one line on
 * stderr and exit code 1, never a stack trace.
 */
import { EXIT } from "./exit-codes";

let outputFailed = false;

/** Installs the stdout and stderr error handlers; call once at start. */
export function guardOutput(
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream = process.stderr,
): void {
  stdout.on("error", (error: NodeJS.ErrnoException) => {
    // EPIPE: the reader is gone; later writes fail with ERR_STREAM_DESTROYED, also ignored.
    if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED" || outputFailed) return;
    outputFailed = true;
    // The command may already have ended with its own code: a run whose result was lost did not succeed.
    if (!process.exitCode) process.exitCode = EXIT.notDone;
    const why = error.code === "ENOSPC" ? "no space left on the device" : error.message;
    stderr.write(`cos-purge: cannot write the output: ${why} (${error.code ?? "error"}).\n`);
  });
  // Progress and logs are worth nothing once stderr is gone; the exit code still tells.
  stderr.on("error", () => {});
}

/** The exit code once output errors are counted: a command that succeeded but could not say so failed. */
export function finalExitCode(code: number): number {
  return code === EXIT.done && outputFailed ? EXIT.notDone : code;
}

export function out(text: string): void {
  process.stdout.write(text);
}

/** One JSON document on stdout. */
export function outJson(value: unknown): void {
  out(`${JSON.stringify(value, null, 2)}\n`);
}

/** A JSON log line on stderr (the CLI's logs never mix with its result). */
export function toStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * A plain-text table: columns padded to their widest cell, numbers aligned right, the last column
 * unpadded (it holds URLs of any length).
 *
 * @example table(["a", "n"], [["x", 1]]) // "a  n\nx  1\n"
 */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const numeric = headers.map(
    (_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === "number"),
  );
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => {
          if (column === row.length - 1) return numeric[column] ? cell.padStart(widths[column] ?? 0) : cell;
          const width = widths[column] ?? 0;
          return numeric[column] ? cell.padStart(width) : cell.padEnd(width);
        })
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}
