/**
 * The README's performance sentence (bundle size, zip size, load time, first purge), written by
 * `npm run bench` from what it measured, never by hand. BENCHMARKS.md keeps the figures in a comment, so
 * that a test checks the README says what the last benchmark measured.
 */

export interface Figures {
  /** dist/index.js, KiB. */
  readonly bundleKiB: number;
  /** dist/cos-purge.zip, the file users upload (index.js, and cos-sdk.js for the backlog), KiB. */
  readonly zipKiB: number;
  /** Median `require(dist/index.js)` in a fresh process, ms. */
  readonly requireMs: number;
  /** Median require + first invocation (SDK load, quota read, purge), ms. */
  readonly firstPurgeMs: number;
}

const FIGURES_COMMENT = /<!-- figures: (\{[^\n]*\}) -->/;
const README_BLOCK = /<!-- bench:start -->[\s\S]*?<!-- bench:end -->/;

/** The comment BENCHMARKS.md carries its figures in. */
export const figuresComment = (figures: Figures): string => `<!-- figures: ${JSON.stringify(figures)} -->`;

/** The figures of a BENCHMARKS.md, or undefined when it has none. */
export function readFigures(benchmarks: string): Figures | undefined {
  const json = FIGURES_COMMENT.exec(benchmarks)?.[1];
  return json === undefined ? undefined : (JSON.parse(json) as Figures);
}

/** Load times are rounded to 5 ms: they vary that much from run to run. */
const about = (ms: number): number => Math.max(5, Math.round(ms / 5) * 5);

/** The README's sentence, between its `<!-- bench:start -->` and `<!-- bench:end -->` markers. */
export function readmeSentence(figures: Figures): string {
  return (
    `One ${figures.bundleKiB} KiB file with no \`node_modules\` (the upload zip, with the COS SDK the backlog ` +
    `loads beside it: ${figures.zipKiB} KiB): about ${about(figures.requireMs)} ms to load, ` +
    `${about(figures.firstPurgeMs)} ms to the first purge on a new instance`
  );
}

/** `readme` with the sentence between the markers replaced; throws when the markers are missing. */
export function withFigures(readme: string, figures: Figures): string {
  if (!README_BLOCK.test(readme))
    throw new Error("README.md has no <!-- bench:start --> … <!-- bench:end -->");
  return readme.replace(README_BLOCK, `<!-- bench:start -->${readmeSentence(figures)}<!-- bench:end -->`);
}
