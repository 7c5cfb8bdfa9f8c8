import type { Clock } from "../../src/foundation/clock";

/** A clock whose `sleep` advances time at once: retry and deadline logic without real waiting. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];

  constructor(private time = Date.UTC(2026, 10, 26, 4, 0, 0)) {}

  now(): number {
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += Math.max(0, ms);
  }

  advance(ms: number): void {
    this.time += ms;
  }
}
