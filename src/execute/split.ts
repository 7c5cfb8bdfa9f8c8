/**
 * A lane's targets as the requests still to send, so that a request refused because of one of its
 * targets can be split: its halves go next, before the rest of the lane, until the refused target is
 * alone and fails alone while every other target is purged (issue 13 row 1).
 *
 * The real APIs refuse a whole request for one target (EdgeOne `InvalidParameter.Target` for a spelling
 * it will not take, CDN `InvalidParameter.CdnUrlExceedLength`...; errors.ts `refusesTarget`), and name
 * it only in free text. Bisecting finds it in 2 × ⌈log2 n⌉ extra calls, each through the same rate
 * limit, quota and deadline as any request. A lane spends at most `SPLIT_BUDGET_TARGETS` such searches;
 * a refused request left when the budget is spent is reported `unknown` (it still holds good targets,
 * so it waits in the backlog, and a later drain splits it further), never failed for good.
 */

/** Bad targets a lane looks for per execution at full cost: bounds the calls a lane of many spends. */
export const SPLIT_BUDGET_TARGETS = 5;

/** Extra calls a search for one refused target among `size` costs: two per halving. */
export const splitCallsFor = (size: number): number => 2 * Math.ceil(Math.log2(Math.max(2, size)));

/** What is left of one lane to send: split halves first, then the lane's targets in order. */
export class LaneWork {
  /** Halves of refused requests, to be sent before anything else, first first. */
  readonly #pieces: (readonly string[])[] = [];
  #next = 0;
  #splitCalls = 0;
  #budget = 0;

  constructor(private readonly targets: readonly string[]) {}

  get done(): boolean {
    return this.#pieces.length === 0 && this.#next >= this.targets.length;
  }

  /** Every target not yet answered, in the order they will be sent. */
  rest(): string[] {
    return [...this.#pieces.flat(), ...this.targets.slice(this.#next)];
  }

  /** The next request: the first piece or the next targets, at most `size` of them. */
  next(size: number): string[] {
    const piece = this.#pieces[0];
    return piece ? piece.slice(0, size) : this.targets.slice(this.#next, this.#next + size);
  }

  /** The first `count` targets of `next` were answered (accepted, or failed): they leave the work. */
  advance(count: number): void {
    const piece = this.#pieces[0];
    if (piece === undefined) this.#next += count;
    else if (count >= piece.length) this.#pieces.shift();
    else this.#pieces[0] = piece.slice(count);
  }

  /**
   * Replaces `batch`, the request just refused because of some target in it, by its two halves, sent
   * next. False (and nothing changed) for a single target, or when the lane's budget is spent.
   */
  split(batch: readonly string[]): boolean {
    if (batch.length < 2) return false;
    // The budget grows with the largest request refused, so that each lane can afford its searches.
    this.#budget = Math.max(this.#budget, splitCallsFor(batch.length) * SPLIT_BUDGET_TARGETS);
    if (this.#splitCalls + 2 > this.#budget) return false;
    this.#splitCalls += 2;
    this.advance(batch.length);
    const half = Math.ceil(batch.length / 2);
    this.#pieces.unshift(batch.slice(0, half), batch.slice(half));
    return true;
  }

  /** Extra calls the splits so far may cost (two per split). */
  get splitCalls(): number {
    return this.#splitCalls;
  }
}
