/**
 * `cos-purge demo` (`npm run demo`): the whole function on the embedded emulator, no account needed.
 * Three events go through the real handler and the real SDKs; the output shows what each one asked
 * EdgeOne and CDN to purge, as the emulator received it.
 */
import { type CallRecord, startEmulator } from "../emulator";
import { DEFAULT_EMULATOR_CONFIG } from "../emulator/config";
import { createHandler } from "../handler";
import type { Summary } from "../report/report";
import { cosEvent, cosRecord } from "./samples";

const SAMPLES = [
  {
    title: "An image with a Chinese name and a space is overwritten",
    event: cosEvent(cosRecord({ key: "photos/2026/新年 快乐.jpg", event: "cos:ObjectCreated:Put" })),
  },
  {
    title: "docs/index.html is uploaded: the directory URL is stale too",
    event: cosEvent(
      cosRecord({ key: "docs/index.html", event: "cos:ObjectCreated:CompleteMultipartUpload" }),
    ),
  },
  {
    title: "A file is deleted",
    event: cosEvent(cosRecord({ key: "old/banner (1).png", event: "cos:ObjectRemove:Delete" })),
  },
];

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
    const handler = createHandler({ env, write: () => {} });
    for (const [index, sample] of SAMPLES.entries()) {
      const seen = emulator.calls().length;
      const summary = await handler(sample.event, {
        request_id: `demo-${index + 1}`,
        time_limit_in_ms: 30_000,
      });
      const calls = emulator.calls().slice(seen);
      results.push({ title: sample.title, summary, calls });
      out(`\n${index + 1}. ${sample.title}\n`);
      out(
        `   purged ${summary.purged} of ${summary.planned} URLs in ${summary.durationMs} ms; the emulator received:\n`,
      );
      for (const call of calls) {
        const targets = (call.params.Targets ?? call.params.Urls ?? []) as string[];
        const where = call.params.ZoneId ? ` ${call.params.ZoneId}` : "";
        out(`   ${call.service} ${call.action}${where} → ${call.error ?? "ok"}\n`);
        for (const target of targets) out(`     ${target}\n`);
      }
    }
    out("\nSee `cos-purge plan --event FILE` to preview any event, and README.md to deploy.\n");
    if (options.json) write(`${JSON.stringify(results, null, 2)}\n`);
    return 0;
  } finally {
    await emulator.stop();
  }
}
