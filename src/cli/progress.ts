/**
 * A progress line for long work (counts, rate, ETA), on stderr and only when stderr is a terminal:
 * piped or redirected, the CLI prints nothing but its result.
 *
 *     purging  1200/5000 URLs  400/s  ETA 10s
 */
import { withSubmit } from "../foundation/lane";
import type { Provider, Purger } from "../foundation/model";

export interface Progress {
  /** Counts `n` more targets done. */
  add(n: number): void;
  /** Clears the line; nothing more is written. */
  done(): void;
}

export interface ProgressOptions {
  readonly total: number;
  readonly label: string;
  readonly unit: string;
  readonly stream?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly now?: () => number;
  /** Least time between two redraws. */
  readonly intervalMs?: number;
}

/** Whole seconds, minutes and seconds, or hours and minutes. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor(seconds / 60) % 60).padStart(2, "0")}m`;
}

/** The progress line for `done` of `total` after `elapsedMs`. */
export function progressLine(
  label: string,
  unit: string,
  done: number,
  total: number,
  elapsedMs: number,
): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 && done < total ? `  ETA ${formatDuration(((total - done) / rate) * 1000)}` : "";
  const speed = rate > 0 ? `  ${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s` : "";
  return `${label}  ${done}/${total} ${unit}${speed}${eta}`;
}

/** A progress line on a terminal; a no-op anywhere else. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY || options.total <= 0) return { add: () => {}, done: () => {} };
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 100;
  const started = now();
  let count = 0;
  let drawn = -Infinity;
  const draw = (force: boolean) => {
    const at = now();
    if (!force && at - drawn < interval) return;
    drawn = at;
    stream.write(`\r\x1b[K${progressLine(options.label, options.unit, count, options.total, at - started)}`);
  };
  draw(true);
  return {
    add(n) {
      count += n;
      draw(count >= options.total);
    },
    done() {
      stream.write("\r\x1b[K");
    },
  };
}

/** The purgers, counting the targets of each accepted submission into a progress line. */
export function countSubmissions(
  purgers: Partial<Record<Provider, Purger>>,
  add: (n: number) => void,
): Partial<Record<Provider, Purger>> {
  const wrap = (purger: Purger): Purger =>
    withSubmit(purger, async (scope, targets, callOptions) => {
      const receipt = await purger.submit(scope, targets, callOptions);
      add(targets.length);
      return receipt;
    });
  return Object.fromEntries(
    Object.entries(purgers).map(([provider, purger]) => [provider, purger && wrap(purger)]),
  );
}
