/**
 * Issue 15's rows as Markdown: what each mode costs below the rate limit (2/s, 10/s), above it (40/s),
 * in the 2,000-upload burst and on one instance taking uploads back to back, with the issue's targets
 * marked met or missed.
 */
import type { BurstFigures } from "./measure";
import type { Strategy } from "./protocol";
import { type ScenarioId, type ScenarioRun, STREAMS, type StreamId } from "./scenarios";

const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "n/a");
const n = (value: number) => value.toLocaleString("en-US");
const pct = (part: number, whole: number) => (whole === 0 ? 0 : (100 * part) / whole);

const ROWS: readonly { id: ScenarioId; label: string }[] = [
  { id: "trickle", label: STREAMS.trickle.label },
  { id: "stream", label: STREAMS.stream.label },
  { id: "flood", label: STREAMS.flood.label },
  { id: "burst", label: "2,000 at once" },
  { id: "single", label: STREAMS.single.label },
];
const MODES: readonly Strategy[] = ["auto", "direct", "queue", "baseline"];

const find = (runs: readonly ScenarioRun[], id: ScenarioId, strategy: Strategy) =>
  runs.find((run) => run.scenario === id && run.strategy === strategy)?.figures;

/** One row per shape and mode: calls, refused, latency from the upload, instance time, COS requests, lost. */
export function streamTable(runs: readonly ScenarioRun[]): string {
  const lines = [
    "| uploads | mode | purge calls | refused | p50 | p95 | instance time | instances | COS requests (per upload) | windows that drained only their own upload | lost |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const { id, label } of ROWS) {
    for (const mode of MODES) {
      const f = find(runs, id, mode);
      if (f === undefined) continue;
      const cut = f.notInvoked > 0 ? ` (${n(f.notInvoked / 2)} files never uploaded: time bound)` : "";
      lines.push(
        `| ${label} (${n(f.files)}) | ${mode} | ${n(f.purgeCalls)} | ${n(f.refused)} | ${s(f.p50)} | ${s(f.p95)} | ${s(f.instanceMs)} | ${f.instancesUsed} | ${n(f.cosRequests)} (${(f.cosRequests / Math.max(1, f.files)).toFixed(2)}) | ${n(f.loneWindows)} | ${n(f.lost)}${f.deferred ? `, ${n(f.deferred)} still queued` : ""}${cut} |`,
      );
    }
  }
  return lines.join("\n");
}

interface Check {
  readonly ok: boolean;
  readonly text: string;
}

const belowLimit = (auto: BurstFigures, direct: BurstFigures | undefined): Check[] => [
  { ok: auto.p95 <= 1_000, text: `p95 ${s(auto.p95)} (≤ 1 s)` },
  { ok: auto.refused === 0, text: `${n(auto.refused)} refused (0)` },
  {
    ok: direct !== undefined && auto.instanceMs <= 1.5 * direct.instanceMs,
    text: `instance time ${s(auto.instanceMs)} against direct's ${direct ? s(direct.instanceMs) : "n/a"} (≤ 1.5×)`,
  },
  {
    ok: auto.cosRequests <= 0.1 * auto.files,
    text: `${(auto.cosRequests / Math.max(1, auto.files)).toFixed(2)} COS requests per upload (≤ 0.1)`,
  },
];

const lossless = (f: BurstFigures): Check => ({
  ok: f.lost === 0 && f.deferred === 0 && f.notInvoked === 0,
  text: `${n(f.lost)} lost, ${n(f.deferred)} still queued`,
});

const refusedShare = (f: BurstFigures): Check => ({
  ok: pct(f.refused, f.purgeCalls) <= 10,
  text: `${pct(f.refused, f.purgeCalls).toFixed(0)}% of ${n(f.purgeCalls)} calls refused (≤ 10%)`,
});

/** Issue 15's targets for `auto`, each met or MISSED with the figures that decide it. */
export function streamTargets(runs: readonly ScenarioRun[]): string[] {
  const lines: string[] = [];
  const line = (what: string, checks: readonly Check[]) => {
    const missed = checks.filter((check) => !check.ok);
    lines.push(
      `- **${missed.length === 0 ? "met" : "MISSED"}**: ${what}: ${checks.map((check) => `${check.ok ? "" : "**missed** "}${check.text}`).join("; ")}.`,
    );
  };
  for (const id of ["trickle", "stream"] as const satisfies readonly StreamId[]) {
    const auto = find(runs, id, "auto");
    if (auto)
      line(`\`auto\`, ${STREAMS[id].label}`, [...belowLimit(auto, find(runs, id, "direct")), lossless(auto)]);
  }
  const flood = find(runs, "flood", "auto");
  if (flood)
    line(`\`auto\`, ${STREAMS.flood.label}`, [
      lossless(flood),
      refusedShare(flood),
      { ok: flood.p95 < 15_000, text: `p95 ${s(flood.p95)} (< 15 s)` },
    ]);
  const burst = find(runs, "burst", "auto");
  if (burst)
    line("`auto`, 2,000 at once", [
      { ok: burst.purgeCalls <= 100, text: `${n(burst.purgeCalls)} calls (≤ 100)` },
      refusedShare(burst),
      { ok: burst.p95 < 15_000, text: `p95 ${s(burst.p95)} (< 15 s)` },
      lossless(burst),
    ]);
  const single = find(runs, "single", "auto");
  const singleDirect = find(runs, "single", "direct");
  if (single)
    line(`\`auto\`, ${STREAMS.single.label}`, [
      {
        ok: singleDirect !== undefined && single.purgeCalls <= singleDirect.purgeCalls,
        text: `${n(single.purgeCalls)} calls against direct's ${singleDirect ? n(singleDirect.purgeCalls) : "n/a"}`,
      },
      {
        ok: single.loneWindows === 0,
        text: `${n(single.loneWindows)} windows that drained only their own upload (0)`,
      },
    ]);
  return lines;
}

/** What each mode costs in each row, for the README's mode section (one line per shape). */
export function streamHeadline(runs: readonly ScenarioRun[]): string[] {
  return ROWS.flatMap(({ id, label }) => {
    const costs = MODES.flatMap((mode) => {
      const f = find(runs, id, mode);
      return f === undefined
        ? []
        : [
            `\`${mode}\` ${n(f.purgeCalls)} calls (${n(f.refused)} refused), p95 ${s(f.p95)}, ${s(f.instanceMs)} instance time, ${n(f.cosRequests)} COS requests`,
          ];
    });
    return costs.length === 0 ? [] : [`- ${label}: ${costs.join("; ")}.`];
  });
}
