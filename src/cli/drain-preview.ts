/**
 * `cos-purge backlog drain --dry-run` (or with `PURGE_DRY_RUN` set): what the drain would submit, per
 * lane, read from the backlog. No lease, no provider call, no write (drain/preview.ts).
 */
import type { Backlog } from "../backlog/backlog";
import { previewDrain } from "../drain/preview";
import { EXIT } from "./exit-codes";
import { out, outJson } from "./output";
import { laneWhere } from "./plan-output";
import { formatDuration } from "./progress";

/** Backlog text may hold anything (issue 13 row 14): control characters are shown escaped, never sent. */
const printable = (text: string): string =>
  text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters to escape
    /[\u0000-\u001f\u007f-\u009f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export async function drainPreviewCommand(backlog: Backlog, json: boolean, now: number): Promise<number> {
  const preview = await previewDrain(backlog, now);
  const lanes = preview.lanes.map(({ provider, scope, type, entries, targets, sample }) => ({
    provider,
    ...laneWhere({ provider, scope }),
    type,
    entries,
    targets,
    sample,
  }));
  if (json) {
    outJson({ status: "preview", dryRun: true, ...preview, lanes });
    return EXIT.done;
  }
  const lines = [
    `Dry run: a drain would submit ${plural(preview.targets + preview.prefetchTargets, "target")} from ` +
      `${plural(preview.entries, "entry", "entries")} (no API called, nothing changed).\n`,
  ];
  for (const lane of lanes) {
    const where = lane.zoneId ?? lane.area ?? "(every area)";
    lines.push(
      `  ${lane.provider} ${where} ${lane.type}: ${plural(lane.targets, "target")} from ${plural(lane.entries, "entry", "entries")}\n`,
    );
    for (const target of lane.sample) lines.push(`    ${printable(target)}\n`);
    if (lane.targets > lane.sample.length) lines.push(`    and ${lane.targets - lane.sample.length} more\n`);
  }
  if (preview.entries > 0) lines.push(`The oldest has waited ${formatDuration(preview.oldestAgeMs)}.\n`);
  if (preview.unconfirmed > 0) {
    lines.push(
      `${plural(preview.unconfirmed, "earlier submission")} would be confirmed first (DescribePurgeTasks).\n`,
    );
  }
  out(lines.join(""));
  return EXIT.done;
}
