/**
 * `cos-purge emulator [--port N]`: runs the emulator until SIGINT or SIGTERM.
 *
 * The base URL is the first line on stdout and nothing precedes it, so a script can read it
 * (`url=$(cos-purge emulator | head -n1)`); each API call is logged to stderr as one JSON line.
 */

import { parseArgs } from "node:util";
import { createLogger } from "../foundation/log";
import { startEmulator } from "./index";

/**
 * A bad `--port` value. Its code is Node's own for an invalid option value, so the CLI treats it like
 * the errors `parseArgs` throws for unknown options (a usage error).
 */
export class EmulatorUsageError extends Error {
  override readonly name = "EmulatorUsageError";
  readonly code = "ERR_PARSE_ARGS_INVALID_OPTION_VALUE";
}

/**
 * Reads `--port N` / `--port=N` (default 0 = a free port).
 * @throws {EmulatorUsageError} for a bad port; parseArgs' own error for an unknown argument.
 */
export function parseEmulatorArgs(argv: readonly string[]): { port: number } {
  const { values } = parseArgs({ args: [...argv], options: { port: { type: "string" } }, strict: true });
  const value = values.port;
  if (value === undefined) return { port: 0 };
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
    throw new EmulatorUsageError(
      `--port ${JSON.stringify(value)}: expected an integer from 0 to 65535 (0 = any free port).`,
    );
  }
  return { port: Number(value) };
}

/**
 * Starts the emulator, prints its URL, logs calls to stderr and serves until SIGINT or SIGTERM; then
 * closes every connection and resolves.
 * @throws {EmulatorUsageError} for a bad command line.
 */
export async function emulatorCommand(argv: string[]): Promise<void> {
  const { port } = parseEmulatorArgs(argv);
  const logger = createLogger({ write: (line) => process.stderr.write(`${line}\n`) });
  const emulator = await startEmulator({
    port,
    onCall: (call) =>
      logger.info("call", {
        service: call.service,
        action: call.action,
        result: call.error ?? "ok",
        durationMs: call.durationMs,
      }),
  });
  process.stdout.write(`${emulator.url}\n`);
  logger.info("emulator listening", {
    url: emulator.url,
    zones: emulator.config().zones.map((zone) => zone.zoneId),
    control: `${emulator.url}/_emulator/config`,
  });
  const signal = await nextSignal(["SIGINT", "SIGTERM"]);
  logger.info("emulator stopping", { signal });
  await emulator.stop();
}

function nextSignal(signals: readonly NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const name of signals) process.off(name, onSignal);
      resolve(signal);
    };
    for (const name of signals) process.on(name, onSignal);
  });
}
