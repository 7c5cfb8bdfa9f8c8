/**
 * `cos-purge demo` (`npm run demo`): the whole function on the embedded emulator, no account needed.
 * Four samples go through the real handler and the real SDKs; the output shows what each one asked
 * EdgeOne and CDN to purge, as the emulator received it.
 */
import { type CallRecord, startEmulator } from "../emulator";
import { DEFAULT_EMULATOR_CONFIG } from "../emulator/config";
import { createHandler } from "../handler";
import type { Summary } from "../report/report";
import { cosEvent, cosRecord } from "./samples";

interface Sample {
  readonly title: string;
  /** Events of one sample, delivered at once (a burst is many single-file events). */
  readonly events: readonly unknown[];
  /** `PURGE_MODE` for this sample. */
  readonly mode: "direct" | "queue";
}

const BURST_FILES = 12;

const SAMPLES: readonly Sample[] = [
  {
    title: "An image with a Chinese name and a space is overwritten",
    mode: "direct",
    events: [cosEvent(cosRecord({ key: "photos/2026/新年 快乐.jpg", event: "cos:ObjectCreated:Put" }))],
  },
  {
    title: "docs/index.html is uploaded: the directory URL is stale too",
    mode: "direct",
    events: [
      cosEvent(cosRecord({ key: "docs/index.html", event: "cos:ObjectCreated:CompleteMultipartUpload" })),
    ],
  },
  {
    title: "A file is deleted",
    mode: "direct",
    events: [cosEvent(cosRecord({ key: "old/banner (1).png", event: "cos:ObjectRemove:Delete" }))],
  },
  {
    title: `A deploy uploads ${BURST_FILES} files at once: queued in the backlog (COS), drained in one call per API`,
    mode: "queue",
    events: Array.from({ length: BURST_FILES }, (_, i) => cosEvent(cosRecord({ key: `assets/app-${i}.js` }))),
  },
];

/** COS requests of the backlog, in one line: `cos: 14 requests (PutObject 5, GetBucket 6, ...)`. */
function cosLine(calls: readonly CallRecord[]): string | undefined {
  const cos = calls.filter((call) => call.service === "cos");
  if (cos.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const call of cos) counts.set(call.action, (counts.get(call.action) ?? 0) + 1);
  const parts = [...counts].map(([action, n]) => `${action} ${n}`).join(", ");
  return `   cos: ${cos.length} requests to the backlog (${parts})\n`;
}

function outcome(summaries: readonly Summary[]): string {
  const sum = (pick: (summary: Summary) => number) => summaries.reduce((total, s) => total + pick(s), 0);
  const planned = sum((s) => s.planned);
  const queued = sum((s) => s.deferred);
  const drained = sum((s) => s.drain?.purged ?? 0);
  const ms = Math.max(...summaries.map((s) => s.durationMs));
  if (queued === 0) return `purged ${sum((s) => s.purged)} of ${planned} URLs in ${ms} ms`;
  return `${summaries.length} invocations queued ${queued} URLs; the one that took the drain window purged ${drained} in ${ms} ms`;
}

export interface DemoOptions {
  /** Print each sample's title, summary and received calls as one JSON document instead of text. */
  readonly json?: boolean;
  readonly out?: (text: string) => void;
}

export async function demoCommand(options: DemoOptions = {}): Promise<number> {
  const write = options.out ?? ((text: string) => process.stdout.write(text));
  const results: { title: string; summary: Summary; calls: CallRecord[] }[] = [];
  // With --json, the text goes nowhere and the results are printed at the end.
  const out = options.json ? () => {} : write;
  const emulator = await startEmulator();
  try {
    const credentials = DEFAULT_EMULATOR_CONFIG.credentials[0];
    const env = {
      ZoneId: "zone-emulator",
      eoDomains: "www.example.com",
      eoDomains_1: "https://static.example.com/assets",
      cdnHosts: "cdn.example.com",
      TEO_ENDPOINT: emulator.url,
      CDN_ENDPOINT: emulator.url,
      // The backlog (purges left for a drain) lives in the samples' bucket: the emulator's COS.
      COS_ENDPOINT: emulator.url,
      TENCENTCLOUD_SECRETID: credentials?.secretId,
      TENCENTCLOUD_SECRETKEY: credentials?.secretKey,
    };
    out(`Emulator listening on ${emulator.url}\nConfiguration:\n`);
    for (const [name, value] of Object.entries(env)) {
      if (!name.startsWith("TENCENTCLOUD_")) out(`  ${name}=${value}\n`);
    }
    const handlers = {
      direct: createHandler({ env: { ...env, PURGE_MODE: "direct" }, write: () => {} }),
      queue: createHandler({ env: { ...env, PURGE_MODE: "queue", PURGE_WINDOW_MS: "500" }, write: () => {} }),
    };
    let request = 0;
    for (const [index, sample] of SAMPLES.entries()) {
      const seen = emulator.calls().length;
      const summaries = await Promise.all(
        sample.events.map((event) => {
          request += 1;
          return handlers[sample.mode](event, { request_id: `demo-${request}`, time_limit_in_ms: 30_000 });
        }),
      );
      const calls = emulator.calls().slice(seen);
      const [summary] = summaries;
      if (summary) results.push({ title: sample.title, summary, calls });
      out(`\n${index + 1}. ${sample.title}\n`);
      out(`   ${outcome(summaries)}; the emulator received:\n`);
      for (const call of calls) {
        if (call.service === "cos") continue;
        const targets = (call.params.Targets ?? call.params.Urls ?? []) as string[];
        const where = call.params.ZoneId ? ` ${call.params.ZoneId}` : "";
        out(`   ${call.service} ${call.action}${where} → ${call.error ?? "ok"}\n`);
        for (const target of targets.slice(0, 6)) out(`     ${target}\n`);
        if (targets.length > 6) out(`     … and ${targets.length - 6} more\n`);
      }
      const cos = cosLine(calls);
      if (cos) out(cos);
    }
    out("\nSee `cos-purge plan --event FILE` to preview any event, and README.md to deploy.\n");
    if (options.json) write(`${JSON.stringify(results, null, 2)}\n`);
    return 0;
  } finally {
    await emulator.stop();
  }
}
