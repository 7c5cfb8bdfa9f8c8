/**
 * Time as the emulated APIs print and bill it. Tencent Cloud's daily quotas follow the calendar day in
 * Beijing time (UTC+8), and the CDN API prints times as `YYYY-MM-DD HH:mm:ss` in that zone, while
 * EdgeOne (teo) prints ISO 8601.
 */

import { setTimeout as sleep } from "node:timers/promises";

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/** The Beijing calendar day of an instant, `YYYY-MM-DD`: the key daily quotas are counted under. */
export function beijingDay(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD HH:mm:ss` in Beijing time, as CDN's DescribePurgeTasks prints `CreateTime`. */
export function beijingDateTime(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace("T", " ");
}

/** ISO 8601 to the second in UTC, as EdgeOne prints `CreateTime` / `UpdateTime`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const BEIJING_DATE_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/;

/** Reads a CDN `YYYY-MM-DD HH:mm:ss` (Beijing time); undefined when the text is not in that form. */
export function parseBeijingDateTime(text: string): number | undefined {
  const match = BEIJING_DATE_TIME.exec(text);
  if (match === null) return undefined;
  const ms = Date.parse(`${match[1]}T${match[2]}+08:00`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Reads an EdgeOne ISO 8601 time; undefined when it does not parse. */
export function parseIsoTime(text: string): number | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Waits at least `ms` milliseconds of monotonic time. A timer alone may fire a fraction of a
 * millisecond early by the wall clock (libuv measures from the start of the loop iteration), which
 * made a 50 ms `delay` fault record `durationMs: 49`; the remainder is waited out, so a delay fault or
 * `latencyMs` never answers earlier than it says.
 * @throws the signal's reason when it aborts (the emulator is stopping).
 */
export async function holdFor(ms: number, signal: AbortSignal): Promise<void> {
  const until = performance.now() + ms;
  for (let left = ms; left > 0; left = until - performance.now()) {
    await sleep(Math.ceil(left), undefined, { signal });
  }
}
