/** Everything the emulator holds between calls: config, faults, quota usage, tasks, rate windows, calls. */

import { CallLog, type CallLogLimits, type CallRecord } from "./calls";
import { applyConfigInput, DEFAULT_EMULATOR_CONFIG, type EmulatorConfig } from "./config";
import { CosObjects } from "./cos/objects";
import { FaultScript } from "./faults";
import { DailyUsage } from "./quota";
import { SlidingWindowLimiter } from "./rate-limit";
import { TaskStore } from "./tasks";

export class EmulatorState {
  readonly faults = new FaultScript();
  readonly usage = new DailyUsage();
  readonly tasks = new TaskStore();
  readonly limiter = new SlidingWindowLimiter(1000);
  readonly objects = new CosObjects();
  readonly calls: CallLog;
  #config: EmulatorConfig = DEFAULT_EMULATOR_CONFIG;

  constructor(
    /** The emulator clock (ms since the epoch); tests pass a fake one. */
    readonly now: () => number,
    onCall?: (call: CallRecord) => void,
    callLog: Partial<CallLogLimits> = {},
  ) {
    this.calls = new CallLog(onCall, callLog);
  }

  /** The effective config, faults showing the hits they have left. */
  get config(): EmulatorConfig {
    return { ...this.#config, faults: this.faults.pending() };
  }

  /**
   * Replaces the fields `input` names (see config.ts) and returns the effective config.
   * @throws {EmulatorConfigError} naming each offending field; the config is then unchanged.
   */
  configure(input: unknown): EmulatorConfig {
    const next = applyConfigInput(this.config, input);
    this.#config = next;
    this.faults.replace(next.faults);
    return this.config;
  }

  /**
   * Forgets calls, tasks, used quota and rate windows; with `config: true` restores the default config
   * too, with `cos: true` forgets the COS objects (kept otherwise: a backlog in COS is set-up a test or
   * a demo made on purpose).
   */
  reset(options: { config?: boolean; cos?: boolean } = {}): void {
    this.calls.clear();
    this.tasks.clear();
    this.usage.clear();
    this.limiter.clear();
    if (options.cos === true) this.objects.clear();
    if (options.config === true) {
      this.#config = DEFAULT_EMULATOR_CONFIG;
      this.faults.replace(DEFAULT_EMULATOR_CONFIG.faults);
    }
  }
}
